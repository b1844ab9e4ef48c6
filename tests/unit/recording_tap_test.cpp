// The taps that carry a composite's video and audio into an output: what
// comes out counts from the first buffer either of them passed on, whatever
// the composite's running time was then, and the two stay in sync.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gtest/gtest.h>

#include <memory>

#include "recording/tap.h"
#include "wait_until.h"

namespace {

using namespace convene::recording;

constexpr GstClockTime kMs = GST_MSECOND;

// One stream: a producer appsrc whose pad feeds the tap, and a consumer
// appsrc ! appsink that the tap pushes into.
struct Stream {
  GstElement* producer_src = nullptr;  // owned by the pipelines
  GstElement* consumer_src = nullptr;
  GstElement* consumer_sink = nullptr;
  ElementPtr tap_queue, tap_sink;
  const Feed* feed = nullptr;  // the tap's appsink owns it
};

class TapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    producer_.reset(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new("producer"))));
    consumer_.reset(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new("consumer"))));
  }
  void TearDown() override {
    for (Stream* s : {&video_, &audio_}) take_out(GST_BIN(producer_.get()), {&s->tap_queue, &s->tap_sink});
    gst_element_set_state(producer_.get(), GST_STATE_NULL);
    gst_element_set_state(consumer_.get(), GST_STATE_NULL);
  }

  void add(Stream& s, const char* caps, GstClockTime offset, std::shared_ptr<OutputStart> start) {
    g_autoptr(GstCaps) c = gst_caps_from_string(caps);
    s.producer_src = gst_element_factory_make("appsrc", nullptr);
    g_object_set(s.producer_src, "is-live", TRUE, "format", GST_FORMAT_TIME, "caps", c, nullptr);
    gst_bin_add(GST_BIN(producer_.get()), s.producer_src);
    s.consumer_src = gst_element_factory_make("appsrc", nullptr);
    g_object_set(s.consumer_src, "is-live", TRUE, "format", GST_FORMAT_TIME, nullptr);
    s.consumer_sink = gst_element_factory_make("appsink", nullptr);
    g_object_set(s.consumer_sink, "sync", FALSE, "async", FALSE, "max-buffers", 0, nullptr);
    gst_bin_add_many(GST_BIN(consumer_.get()), s.consumer_src, s.consumer_sink, nullptr);
    ASSERT_TRUE(gst_element_link(s.consumer_src, s.consumer_sink));
    auto* feed = new Feed();
    feed->dst.reset(GST_APP_SRC(gst_object_ref(s.consumer_src)));
    feed->offset = offset;
    feed->start = std::move(start);
    s.feed = feed;
    auto tap = add_tap(GST_BIN(producer_.get()), feed);
    s.tap_queue = std::move(tap.first);
    s.tap_sink = std::move(tap.second);
    ASSERT_TRUE(gst_element_link(s.producer_src, s.tap_queue.get()));
  }

  void play() {
    ASSERT_NE(gst_element_set_state(consumer_.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_NE(gst_element_set_state(producer_.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }

  static void push(Stream& s, GstClockTime pts) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 16, nullptr);
    GST_BUFFER_PTS(b) = pts;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(s.producer_src), b), GST_FLOW_OK);
  }

  // The pts of the next buffer the consumer gets, or NONE after 5 s.
  static GstClockTime next_out(Stream& s) {
    g_autoptr(GstSample) sample = gst_app_sink_try_pull_sample(GST_APP_SINK(s.consumer_sink), 5 * GST_SECOND);
    return sample ? GST_BUFFER_PTS(gst_sample_get_buffer(sample)) : GST_CLOCK_TIME_NONE;
  }

  // Waits until the tap has looked at `n` buffers of `s` (pushed or dropped).
  static bool handled(const Stream& s, guint64 n) {
    return convene::test::wait_until([&] { return s.feed->pushed.load() + s.feed->before_start.load() >= n; });
  }

  ElementPtr producer_, consumer_;
  Stream video_, audio_;
};

TEST_F(TapTest, AnOutputCountsFromTheFirstBufferEitherFeedPassedOn) {
  // Attached at 1 s of the composite's running time; its first frame came at 1.2 s.
  auto start = std::make_shared<OutputStart>();
  add(video_, "video/x-raw,format=I420,width=4,height=2,framerate=30/1", 1000 * kMs, start);
  add(audio_, "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved", 1000 * kMs, start);
  play();

  push(video_, 900 * kMs);  // older than the attach: dropped, and sets nothing
  ASSERT_TRUE(handled(video_, 1));
  push(video_, 1200 * kMs);
  ASSERT_TRUE(handled(video_, 2));
  EXPECT_EQ(next_out(video_), 0u);
  push(audio_, 1190 * kMs);  // before the output's first frame: dropped
  ASSERT_TRUE(handled(audio_, 1));
  push(audio_, 1210 * kMs);
  EXPECT_EQ(next_out(audio_), 10 * kMs);
  push(video_, 1233 * kMs);
  EXPECT_EQ(next_out(video_), 33 * kMs);

  // The tap counts a buffer after handing it on: the consumer may have it first.
  ASSERT_TRUE(handled(video_, 3));
  ASSERT_TRUE(handled(audio_, 2));
  EXPECT_EQ(video_.feed->pushed.load(), 2u);
  EXPECT_EQ(video_.feed->before_start.load(), 1u);
  EXPECT_EQ(audio_.feed->pushed.load(), 1u);
  EXPECT_EQ(audio_.feed->before_start.load(), 1u);
}

TEST_F(TapTest, WithoutASharedStartAFeedCountsFromItsOffset) {
  add(video_, "video/x-raw,format=I420,width=4,height=2,framerate=30/1", 1000 * kMs, nullptr);
  play();
  push(video_, 1200 * kMs);
  EXPECT_EQ(next_out(video_), 200 * kMs);
}

}  // namespace
