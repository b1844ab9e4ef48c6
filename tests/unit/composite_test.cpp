// convenecomposite in real live pipelines: VP8/Opus RTP from test sources in,
// raw frames out; tiles are counted by their solid colours. Plus the layout
// function's table.
#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "convene_composite.h"
#include "convene_composite_layout.h"
#include "media_files.h"

namespace {

using convene::composite::layout;
using convene::testing::participant_argb;
using convene::testing::participant_palette;

TEST(CompositeLayout, GridRowsAndColumnsFromCount) {
  auto one = layout(1280, 720, 1, -1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].width, 1280);
  auto four = layout(1280, 720, 4, -1);
  EXPECT_EQ(four[3].x, 640);
  EXPECT_EQ(four[3].y, 360);
  EXPECT_EQ(four[3].width, 640);
  auto five = layout(1200, 720, 5, -1);  // 3 columns, 2 rows; the short last row centred
  EXPECT_EQ(five[0].width, 400);
  EXPECT_EQ(five[0].height, 360);
  EXPECT_EQ(five[3].x, 200);
  EXPECT_EQ(five[4].x, 600);
  auto nine = layout(1280, 720, 9, -1);
  EXPECT_EQ(nine[8].y, 480);
}

TEST(CompositeLayout, FeaturedTileIsLargeOthersInAColumn) {
  auto t = layout(1280, 720, 3, 1);
  EXPECT_EQ(t[1].x, 0);
  EXPECT_EQ(t[1].width, 960);
  EXPECT_EQ(t[1].height, 720);
  EXPECT_EQ(t[0].x, 960);
  EXPECT_EQ(t[2].x, 960);
  EXPECT_GT(t[2].y, t[0].y);
  EXPECT_EQ(layout(1280, 720, 1, 0)[0].width, 1280);
}

struct PipelineFree {
  void operator()(GstElement* p) const {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
};

class CompositeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static bool registered = convene_composite_register(nullptr);
    ASSERT_TRUE(registered);
    pipeline_.reset(gst_pipeline_new("t"));
    composite_ = gst_element_factory_make("convenecomposite", "c");
    ASSERT_NE(composite_, nullptr);
    g_object_set(composite_, "width", 640, "height", 360, "placeholder-timeout", 500u, nullptr);
    GstElement* out = parse("videoconvert ! videoscale ! video/x-raw,format=RGB,width=320,height=180 ! appsink name=frames "
                            "sync=false max-buffers=2 drop=true");
    GstElement* audio = parse("appsink name=sound sync=false max-buffers=50 drop=true");
    gst_bin_add_many(GST_BIN(pipeline_.get()), composite_, out, audio, nullptr);
    gst_element_link_pads(composite_, "video", out, nullptr);
    gst_element_link_pads(composite_, "audio", audio, nullptr);
    frames_ = gst_bin_get_by_name(GST_BIN(out), "frames");
    sound_ = gst_bin_get_by_name(GST_BIN(audio), "sound");
  }
  void TearDown() override {
    pipeline_.reset();
    if (frames_) gst_object_unref(frames_);
    if (sound_) gst_object_unref(sound_);
  }

  static GstElement* parse(const std::string& desc) {
    g_autoptr(GError) err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(desc.c_str(), TRUE, &err);
    EXPECT_EQ(err, nullptr) << (err ? err->message : "");
    return bin;
  }

  // A fake participant's camera: a solid colour as VP8 RTP, behind a valve.
  GstPad* add_camera(size_t colour, const char* peer, const char* source = "camera") {
    g_autofree char* desc = g_strdup_printf(
        "videotestsrc is-live=true pattern=solid-color foreground-color=%u ! "
        "video/x-raw,width=320,height=180,framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay ! "
        "valve name=gate",
        participant_argb(colour));
    GstElement* src = parse(desc);
    gst_bin_add(GST_BIN(pipeline_.get()), src);
    GstPad* pad = gst_element_request_pad_simple(composite_, "video_%u");
    g_object_set(pad, "label", peer, "peer-id", peer, "source", source, nullptr);
    g_autoptr(GstPad) out = gst_element_get_static_pad(src, "src");
    EXPECT_EQ(gst_pad_link(out, pad), GST_PAD_LINK_OK);
    gst_element_sync_state_with_parent(src);
    sources_[pad] = src;
    return pad;
  }

  GstPad* add_microphone() {
    GstElement* src = parse("audiotestsrc is-live=true ! opusenc ! rtpopuspay");
    gst_bin_add(GST_BIN(pipeline_.get()), src);
    GstPad* pad = gst_element_request_pad_simple(composite_, "audio_%u");
    g_autoptr(GstPad) out = gst_element_get_static_pad(src, "src");
    EXPECT_EQ(gst_pad_link(out, pad), GST_PAD_LINK_OK);
    gst_element_sync_state_with_parent(src);
    sources_[pad] = src;
    return pad;
  }

  // Stops the source first (no more data), then gives the pad back.
  void remove(GstPad* pad) {
    GstElement* src = sources_[pad];
    sources_.erase(pad);
    gst_element_set_state(src, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(pipeline_.get()), src);
    gst_element_release_request_pad(composite_, pad);
    gst_object_unref(pad);
  }

  void gate(GstPad* pad, bool closed) {
    g_autoptr(GstElement) valve = gst_bin_get_by_name(GST_BIN(sources_[pad]), "gate");
    g_object_set(valve, "drop", closed, nullptr);
  }

  void play() {
    ASSERT_NE(gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    // The sinks take frames only once they are running (slow on a loaded machine).
    gst_element_get_state(pipeline_.get(), nullptr, nullptr, 10 * GST_SECOND);
  }

  // Pulls n frames (each within 5 s); returns the last one as RGB.
  convene::testing::Rgb pull(int n) {
    convene::testing::Rgb f;
    for (int i = 0; i < n; ++i) {
      check_bus();
      GstSample* s = nullptr;
      for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC; !s && g_get_monotonic_time() < end;)
        s = gst_app_sink_try_pull_sample(GST_APP_SINK(frames_), 100 * GST_MSECOND);
      if (!s) {
        ADD_FAILURE() << "no output frame after " << frames_seen_ << " frames: the composite stalled";
        return f;
      }
      frames_seen_++;
      if (i == n - 1) {
        GstBuffer* b = gst_sample_get_buffer(s);
        GstMapInfo map;
        gst_buffer_map(b, &map, GST_MAP_READ);
        f.width = 320;
        f.height = 180;
        f.pixels.assign(map.data, map.data + map.size);
        gst_buffer_unmap(b, &map);
      }
      gst_sample_unref(s);
    }
    return f;
  }

  // Pulls frames until `colours` are the set present (at most 10 s of frames).
  std::set<std::string> until(const std::set<std::string>& colours) {
    std::set<std::string> seen;
    for (int i = 0; i < 300; ++i) {
      seen = colours_present(pull(1), palette());
      if (seen == colours || HasFailure()) break;
    }
    return seen;
  }

  // Participants' colours and the highlight; the grey placeholder is left
  // out (it also shows around letterboxed video).
  static std::vector<convene::testing::Colour> palette() {
    auto p = participant_palette();
    p.push_back({"highlight", 0xff, 0xc8, 0x00});
    return p;
  }

  void check_bus() {
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
    while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_error(m, &err, nullptr);
      ADD_FAILURE() << "pipeline error from " << GST_OBJECT_NAME(m->src) << ": " << err->message;
      gst_message_unref(m);
    }
  }

  std::unique_ptr<GstElement, PipelineFree> pipeline_;
  GstElement* composite_ = nullptr;
  GstElement* frames_ = nullptr;
  GstElement* sound_ = nullptr;
  std::map<GstPad*, GstElement*> sources_;
  int frames_seen_ = 0;
};

TEST_F(CompositeTest, RunsWithNoInputsAtAll) {
  play();
  auto f = pull(30);
  EXPECT_EQ(f.pixels.size(), 320u * 180u * 3u);
  EXPECT_NE(gst_app_sink_try_pull_sample(GST_APP_SINK(sound_), 5 * GST_SECOND), nullptr);
}

TEST_F(CompositeTest, TilesFollowPadsAddedAndReleasedWhilePlaying) {
  GstPad* red = add_camera(0, "p-red");
  add_microphone();
  play();
  EXPECT_EQ(until({"red"}), (std::set<std::string>{"red"}));

  GstPad* green = add_camera(1, "p-green");
  GstPad* blue = add_camera(2, "p-blue");
  EXPECT_EQ(until({"red", "green", "blue"}),
            (std::set<std::string>{"red", "green", "blue"}));

  remove(green);
  EXPECT_EQ(until({"red", "blue"}), (std::set<std::string>{"red", "blue"}));
  remove(red);
  remove(blue);
  auto f = pull(15);
  EXPECT_TRUE(colours_present(f, palette()).empty());
  // Audio kept flowing the whole time.
  GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sound_), 5 * GST_SECOND);
  ASSERT_NE(s, nullptr);
  gst_sample_unref(s);
}

TEST_F(CompositeTest, SilentInputShowsPlaceholderAndOutputNeverStalls) {
  GstPad* red = add_camera(0, "p-red");
  GstPad* blue = add_camera(2, "p-blue");
  play();
  ASSERT_EQ(until({"red", "blue"}), (std::set<std::string>{"red", "blue"}));
  gate(red, true);  // packets stop (muted camera, loss)
  // Frames keep coming (pull fails the test on a 5 s gap); red is replaced by its placeholder.
  EXPECT_EQ(until({"blue"}), (std::set<std::string>{"blue"}));
  gate(red, false);  // back: the next keyframe brings it in again
  EXPECT_EQ(until({"red", "blue"}), (std::set<std::string>{"red", "blue"}));
  g_object_set(blue, "muted", TRUE, nullptr);
  EXPECT_EQ(until({"red"}), (std::set<std::string>{"red"}));
}

TEST_F(CompositeTest, ActiveSpeakerIsHighlightedAndScreenShareGetsTheLargeTile) {
  add_camera(0, "p-red");
  add_camera(2, "p-blue");
  play();
  ASSERT_EQ(until({"red", "blue"}), (std::set<std::string>{"red", "blue"}));
  g_object_set(composite_, "active-speaker", "p-blue", nullptr);
  EXPECT_EQ(until({"red", "blue", "highlight"}),
            (std::set<std::string>{"red", "blue", "highlight"}));
  g_object_set(composite_, "active-speaker", "", nullptr);
  EXPECT_EQ(until({"red", "blue"}), (std::set<std::string>{"red", "blue"}));

  add_camera(1, "p-red", "screen");
  until({"red", "green", "blue"});
  // The screen (green) covers most of the picture: left three quarters.
  auto f = pull(1);
  size_t green = 0;
  for (size_t i = 0; i + 2 < f.pixels.size(); i += 3)
    if (f.pixels[i] < 60 && f.pixels[i + 1] > 160 && f.pixels[i + 2] < 60) green++;
  EXPECT_GT(green, f.pixels.size() / 3 / 4);
}

}  // namespace
