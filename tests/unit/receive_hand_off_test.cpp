// The receive hand-off on a stand-in for webrtcbin's TransportReceiveBin: a
// bin holding a `queue` whose output goes to a harness (for dtlssrtpdec).
// transportreceivebin makes the queue leaky while it blocks and not leaky
// once it passes; the hand-off must chain packets on the pushing thread only
// in the second mode, and only once the queue has let out what it held.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "media/receive_hand_off.h"

namespace convene::media {
namespace {

enum Leaky { kNoLeak = 0, kLeakDownstream = 2 };

class ReceiveBin : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = GST_BIN(gst_object_ref_sink(gst_bin_new("receive")));
    GstElement* queue = gst_element_factory_make("queue", nullptr);
    g_object_set(queue, "leaky", kLeakDownstream, "max-size-time", guint64{0}, "max-size-buffers", 0u, nullptr);
    gst_bin_add(bin_, queue);
    queue_ = queue;
    h_ = gst_harness_new_with_element(queue, "sink", "src");
    gst_pad_add_probe(h_->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_decoder_input, this, nullptr);
    gst_pad_add_probe(h_->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_decoder_event, this, nullptr);
    gst_harness_set_src_caps_str(h_, "application/x-rtp");
  }
  void TearDown() override {
    gst_harness_teardown(h_);
    gst_object_unref(bin_);
  }

  static GstPadProbeReturn on_decoder_input(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<ReceiveBin*>(data);
    std::lock_guard<std::mutex> hold(self->lock_);
    self->threads_.push_back(g_thread_self());
    self->offsets_.push_back(GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info)));
    self->sequence_.push_back("packet " + std::to_string(self->offsets_.back()));
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn on_decoder_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<ReceiveBin*>(data);
    std::lock_guard<std::mutex> hold(self->lock_);
    self->sequence_.push_back(GST_EVENT_TYPE_NAME(GST_PAD_PROBE_INFO_EVENT(info)));
    return GST_PAD_PROBE_OK;
  }
  GstFlowReturn push(guint64 offset) {
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, 12, nullptr);
    GST_BUFFER_OFFSET(buffer) = offset;
    return gst_harness_push(h_, buffer);
  }
  // Waits for the decoder to have taken `n` packets; the thread that gave it the last.
  GThread* decoder_took(size_t n) {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard<std::mutex> hold(lock_);
        if (threads_.size() >= n) return threads_[n - 1];
      }
      g_usleep(1000);
    }
    return nullptr;
  }
  std::vector<guint64> offsets() {
    std::lock_guard<std::mutex> hold(lock_);
    return offsets_;
  }

  GstBin* bin_ = nullptr;
  GstElement* queue_ = nullptr;
  GstHarness* h_ = nullptr;
  std::mutex lock_;
  std::vector<GThread*> threads_;
  std::vector<guint64> offsets_;
  std::vector<std::string> sequence_;  // what reached the decoder, in order
};

TEST_F(ReceiveBin, PacketsSkipTheQueueOnlyWhileItPasses) {
  ASSERT_TRUE(skip_receive_queue_when_passing(bin_));
  GThread* me = g_thread_self();

  ASSERT_EQ(push(0), GST_FLOW_OK);
  GThread* first = decoder_took(1);
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first, me) << "blocking (leaky): through the queue's thread";

  g_object_set(queue_, "leaky", kNoLeak, nullptr);
  ASSERT_EQ(push(1), GST_FLOW_OK);
  EXPECT_EQ(decoder_took(2), me) << "passing: on the receiving thread, already there when push returns";

  g_object_set(queue_, "leaky", kLeakDownstream, nullptr);
  ASSERT_EQ(push(2), GST_FLOW_OK);
  GThread* third = decoder_took(3);
  ASSERT_NE(third, nullptr);
  EXPECT_NE(third, me) << "blocking again: back through the (leaky) queue, so the receiver never waits";
  EXPECT_EQ(offsets(), (std::vector<guint64>{0, 1, 2}));
}

// What the queue still holds when it starts passing goes out first.
TEST_F(ReceiveBin, NothingOvertakesWhatTheQueueHeld) {
  ASSERT_TRUE(skip_receive_queue_when_passing(bin_));
  ASSERT_EQ(push(0), GST_FLOW_OK);
  ASSERT_NE(decoder_took(1), nullptr) << "the decoder has its caps";
  // transportreceivebin blocks the queue's output while it blocks.
  g_autoptr(GstPad) queue_src = gst_element_get_static_pad(queue_, "src");
  const gulong block = gst_pad_add_probe(queue_src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, nullptr, nullptr, nullptr);
  for (guint64 i = 1; i < 4; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);

  g_object_set(queue_, "leaky", kNoLeak, nullptr);
  for (guint64 i = 4; i < 7; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);
  gst_pad_remove_probe(queue_src, block);
  ASSERT_NE(decoder_took(7), nullptr);

  for (guint64 i = 7; i < 10; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);
  EXPECT_EQ(decoder_took(10), g_thread_self()) << "once the queue is empty, packets skip it";
  EXPECT_EQ(offsets(), (std::vector<guint64>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// An event that went into the queue (while packets were skipping it) reaches
// the decoder before any packet that came after it.
TEST_F(ReceiveBin, APacketNeverOvertakesAnEventInTheQueue) {
  ASSERT_TRUE(skip_receive_queue_when_passing(bin_));
  g_object_set(queue_, "leaky", kNoLeak, nullptr);
  ASSERT_EQ(push(0), GST_FLOW_OK);
  ASSERT_NE(decoder_took(1), nullptr);
  ASSERT_EQ(push(1), GST_FLOW_OK);
  ASSERT_EQ(decoder_took(2), g_thread_self()) << "skipping";

  g_autoptr(GstPad) queue_src = gst_element_get_static_pad(queue_, "src");
  const gulong block = gst_pad_add_probe(queue_src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, nullptr, nullptr, nullptr);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.base = GST_SECOND;
  ASSERT_TRUE(gst_harness_push_event(h_, gst_event_new_segment(&segment)));
  ASSERT_EQ(push(2), GST_FLOW_OK);
  g_usleep(20000);
  EXPECT_EQ(offsets().size(), 2u) << "packet 2 waits behind the segment in the queue";
  gst_pad_remove_probe(queue_src, block);
  ASSERT_NE(decoder_took(3), nullptr);
  ASSERT_EQ(push(3), GST_FLOW_OK);
  EXPECT_EQ(decoder_took(4), g_thread_self()) << "and once they are out, packets skip the queue again";
  std::lock_guard<std::mutex> hold(lock_);
  ASSERT_GE(sequence_.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(sequence_.end() - 3, sequence_.end()),
            (std::vector<std::string>{"segment", "packet 2", "packet 3"}));
}

// A decoder that refuses a packet does not stop the receiver (the queue
// would not have either); one that is shutting down does.
TEST_F(ReceiveBin, OnlyFlushingStopsTheReceiver) {
  ASSERT_TRUE(skip_receive_queue_when_passing(bin_));
  g_object_set(queue_, "leaky", kNoLeak, nullptr);
  ASSERT_EQ(push(0), GST_FLOW_OK);
  ASSERT_NE(decoder_took(1), nullptr);

  gst_pad_add_probe(h_->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer) {
    GST_PAD_PROBE_INFO_FLOW_RETURN(info) = GST_FLOW_ERROR;
    gst_buffer_unref(GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = nullptr;
    return GST_PAD_PROBE_HANDLED;
  }, nullptr, nullptr);
  EXPECT_EQ(push(1), GST_FLOW_OK);

  gst_pad_set_active(h_->sinkpad, FALSE);
  EXPECT_EQ(push(2), GST_FLOW_FLUSHING);
}

TEST_F(ReceiveBin, ABinWithoutAQueueIsLeftAlone) {
  g_autoptr(GstBin) other = GST_BIN(gst_object_ref_sink(gst_bin_new(nullptr)));
  gst_bin_add(other, gst_element_factory_make("identity", nullptr));
  EXPECT_FALSE(skip_receive_queue_when_passing(other));
}

// webrtcbin 1.22's layout: `capsfilter ! queue ! dtlssrtpdec`, the decoder a
// bin. While the queue passes, packets skip the capsfilter and the decoder's
// ghost pad as well, into the decoder's first element.
TEST(ReceiveBinAsWebrtcbinBuildsIt, PacketsSkipTheCapsfilterAndTheDecodersGhostPad) {
  GstElement* bin = gst_bin_new("receive");
  GstElement* filter = gst_element_factory_make("capsfilter", nullptr);
  g_autoptr(GstCaps) caps = gst_caps_from_string("application/x-srtp");
  g_object_set(filter, "caps", caps, nullptr);
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "leaky", kLeakDownstream, nullptr);
  GstElement* decoder = gst_bin_new("decoder");
  GstElement* first = gst_element_factory_make("identity", "first");
  gst_bin_add(GST_BIN(decoder), first);
  g_autoptr(GstPad) first_sink = gst_element_get_static_pad(first, "sink");
  g_autoptr(GstPad) first_src = gst_element_get_static_pad(first, "src");
  gst_element_add_pad(decoder, gst_ghost_pad_new("sink", first_sink));
  gst_element_add_pad(decoder, gst_ghost_pad_new("src", first_src));
  gst_bin_add_many(GST_BIN(bin), filter, queue, decoder, nullptr);
  ASSERT_TRUE(gst_element_link_many(filter, queue, decoder, nullptr));
  g_autoptr(GstPad) in = gst_element_get_static_pad(filter, "sink");
  g_autoptr(GstPad) out = gst_element_get_static_pad(decoder, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new("sink", in));
  gst_element_add_pad(bin, gst_ghost_pad_new("src", out));
  ASSERT_TRUE(skip_receive_queue_when_passing(GST_BIN(bin)));
  GstHarness* h = gst_harness_new_with_element(bin, "sink", "src");
  gst_object_unref(bin);  // the harness holds it
  gst_harness_set_src_caps_str(h, "application/x-srtp");
  std::atomic<int> out_of_filter{0};
  g_autoptr(GstPad) filter_src = gst_element_get_static_pad(filter, "src");
  gst_pad_add_probe(filter_src, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer n) {
    ++*static_cast<std::atomic<int>*>(n);
    return GST_PAD_PROBE_OK;
  }, &out_of_filter, nullptr);

  ASSERT_EQ(gst_harness_push(h, gst_buffer_new_allocate(nullptr, 12, nullptr)), GST_FLOW_OK);
  GstBuffer* through_queue = gst_harness_pull(h);  // waits for the queue's thread
  ASSERT_NE(through_queue, nullptr);
  gst_buffer_unref(through_queue);
  EXPECT_EQ(out_of_filter.load(), 1) << "blocking: the full way";

  g_object_set(queue, "leaky", kNoLeak, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(gst_harness_push(h, gst_buffer_new_allocate(nullptr, 12, nullptr)), GST_FLOW_OK);
    GstBuffer* skipped = gst_harness_try_pull(h);
    EXPECT_NE(skipped, nullptr) << "already through when the push returned: on the receiving thread";
    if (skipped) gst_buffer_unref(skipped);
  }
  EXPECT_EQ(out_of_filter.load(), 1) << "passing: no packet went through the capsfilter";
  gst_harness_teardown(h);
}

}  // namespace
}  // namespace convene::media
