// rtpfunnel as webrtcbin bundles a subscriber's streams, under GstHarness:
// packets alternating between two inputs make rtpfunnel re-send each input's
// SEGMENT and custom sticky events (webrtcbin's GstWebRtcBinUpdateTos) at
// every switch. The filter on its src pad lets each through once, and again
// only when it changes or after a flush.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <string>

#include "media/repeated_event_filter.h"

namespace convene::media {
namespace {

GstBuffer* rtp_packet(guint32 ssrc, guint16 seq) {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(20, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc(&rtp, ssrc);
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

GstEvent* update_tos(const char* mid) {
  return gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM_STICKY,
                              gst_structure_new("GstWebRtcBinUpdateTos", "mid", G_TYPE_STRING, mid, nullptr));
}

struct Received {
  int segments = 0;
  int tos = 0;
};

class FunnelOfTwo : public ::testing::Test {
 protected:
  void SetUp() override {
    audio_ = gst_harness_new_with_padnames("rtpfunnel", "sink_0", "src");
    video_ = gst_harness_new_with_element(audio_->element, "sink_1", nullptr);
  }
  // As webrtcbin does: the filter (when wanted) first, then the inputs' events.
  void start(bool filtered) {
    if (filtered) {
      g_autoptr(GstPad) src = gst_element_get_static_pad(audio_->element, "src");
      drop_repeated_sticky_events(src);
    }
    gst_harness_set_src_caps_str(audio_, "application/x-rtp,media=audio,ssrc=(uint)1,payload=111");
    gst_harness_set_src_caps_str(video_, "application/x-rtp,media=video,ssrc=(uint)2,payload=96");
    gst_harness_push_event(audio_, update_tos("audio0"));
    gst_harness_push_event(video_, update_tos("video1"));
  }
  void TearDown() override {
    gst_harness_teardown(video_);
    gst_harness_teardown(audio_);
  }
  // Alternates `packets` packets between the two inputs.
  void alternate(int packets) {
    for (int i = 0; i < packets; ++i) {
      GstHarness* h = i % 2 ? video_ : audio_;
      ASSERT_EQ(gst_harness_push(h, rtp_packet(i % 2 ? 2 : 1, static_cast<guint16>(seq_++))), GST_FLOW_OK);
    }
  }
  // Drains what reached the funnel's downstream side so far.
  Received received() {
    Received r;
    while (GstEvent* event = gst_harness_try_pull_event(audio_)) {
      if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) ++r.segments;
      if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM_STICKY &&
          gst_event_has_name(event, "GstWebRtcBinUpdateTos"))
        ++r.tos;
      gst_event_unref(event);
    }
    while (GstBuffer* buffer = gst_harness_try_pull(audio_)) gst_buffer_unref(buffer);
    return r;
  }

  GstHarness* audio_ = nullptr;
  GstHarness* video_ = nullptr;
  int seq_ = 0;
};

TEST_F(FunnelOfTwo, WithoutTheFilterEverySwitchResendsTheEvents) {
  start(false);
  alternate(20);
  const Received r = received();
  EXPECT_GE(r.segments, 19) << "what the filter is for: one SEGMENT per switch";
  EXPECT_GE(r.tos, 19);
}

TEST_F(FunnelOfTwo, EachEventPassesOnceThenNotAgain) {
  start(true);
  alternate(20);
  Received r = received();
  EXPECT_EQ(r.segments, 1) << "both inputs carry the same segment";
  EXPECT_EQ(r.tos, 2) << "one per mid";
  alternate(20);
  r = received();
  EXPECT_EQ(r.segments, 0);
  EXPECT_EQ(r.tos, 0);
}

TEST_F(FunnelOfTwo, ANewEventPasses) {
  start(true);
  alternate(4);
  received();

  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.base = 5 * GST_SECOND;
  gst_harness_push_event(video_, gst_event_new_segment(&segment));
  gst_harness_push_event(video_, update_tos("video1"));  // webrtcbin says something new for that mid
  alternate(4);
  Received r = received();
  EXPECT_GE(r.segments, 1) << "a different segment passes";
  EXPECT_EQ(r.tos, 1) << "a new event object for a mid passes";
}

TEST_F(FunnelOfTwo, AFlushForgetsWhatPassed) {
  start(true);
  alternate(4);
  received();
  gst_harness_push_event(audio_, gst_event_new_flush_start());
  gst_harness_push_event(audio_, gst_event_new_flush_stop(TRUE));
  GstSegment segment;  // as an element sends after a flush: the same segment again
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_harness_push_event(audio_, gst_event_new_segment(&segment));
  alternate(4);
  const Received r = received();
  EXPECT_EQ(r.segments, 1) << "downstream lost its segment with the flush";
}

}  // namespace
}  // namespace convene::media
