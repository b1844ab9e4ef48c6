// A subscriber's keyframe requests taken to its forwarders
// (keyframe_feedback.h), on a real rtpsession under GstHarness: RTCP goes
// in at its receiving RTCP input; each "forwarder" is an identity whose src
// pad counts the keyframe requests sent to it; the harness on rtpsession's
// send input shows what rtpsession itself sent up towards rtpfunnel.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "keyframe_requests.h"
#include "media/keyframe_feedback.h"

namespace convene::media {
namespace {

constexpr guint32 kViewer = 0x11111111;
constexpr guint32 kAlice = 0xaaaa0001, kBob = 0xbbbb0002, kCarol = 0xcccc0003;

// An identity standing in for a forwarder: counts the keyframe requests sent to its src pad.
struct Forwarder {
  Forwarder() {
    element = gst_element_factory_make("identity", nullptr);
    gst_object_ref_sink(element);
    g_autoptr(GstPad) src = gst_element_get_static_pad(element, "src");
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
      if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
        static_cast<std::atomic<int>*>(d)->fetch_add(1);
      return GST_PAD_PROBE_DROP;
    }, &requests, nullptr);
    gst_element_set_state(element, GST_STATE_PLAYING);  // its pads take events
  }
  ~Forwarder() {
    gst_element_set_state(element, GST_STATE_NULL);
    gst_object_unref(element);
  }
  GstElement* element;
  std::atomic<int> requests{0};
};

// One compound packet from the viewer (keyframe_requests.h).
GstBuffer* feedback(std::vector<guint32> plis, std::vector<guint32> firs = {}) {
  return testing::keyframe_requests(kViewer, plis, firs);
}

class SubscriberFeedback : public ::testing::Test {
 protected:
  // `sending`: the SSRC rtpsession is told it sends (as rtpfunnel's caps do).
  void start(guint32 sending) {
    GstElement* session = gst_element_factory_make("rtpsession", nullptr);
    ASSERT_NE(session, nullptr);
    // Before rtpsession has its send input, as in rtpbin: the drop is set up when it is added.
    KeyframeFeedback::watch(keyframes_, session);
    send_ = gst_harness_new_with_element(session, "send_rtp_sink", "send_rtp_src");
    rtcp_ = gst_harness_new_with_element(session, "recv_rtcp_sink", nullptr);
    gst_object_unref(session);
    g_autofree char* caps = g_strdup_printf(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96,ssrc=(uint)%u", sending);
    gst_harness_set_src_caps_str(send_, caps);
    gst_harness_set_src_caps_str(rtcp_, "application/x-rtcp");
  }
  void TearDown() override {
    if (rtcp_) gst_harness_teardown(rtcp_);
    if (send_) gst_harness_teardown(send_);
  }
  // Keyframe requests rtpsession sent up its send input (unreffed).
  int sent_up_by_rtpsession() {
    int n = 0;
    while (GstEvent* e = gst_harness_try_pull_upstream_event(send_)) {
      if (gst_video_event_is_force_key_unit(e)) ++n;
      gst_event_unref(e);
    }
    return n;
  }

  std::shared_ptr<KeyframeFeedback> keyframes_ = std::make_shared<KeyframeFeedback>();
  GstHarness* send_ = nullptr;
  GstHarness* rtcp_ = nullptr;
};

TEST_F(SubscriberFeedback, EveryPliInOnePacketReachesItsForwarder) {
  Forwarder alice, bob, carol;
  keyframes_->add_stream(kAlice, alice.element);
  keyframes_->add_stream(kBob, bob.element);
  keyframes_->add_stream(kCarol, carol.element);
  start(kAlice);
  ASSERT_EQ(gst_harness_push(rtcp_, feedback({kAlice, kBob, kCarol})), GST_FLOW_OK);
  EXPECT_EQ(alice.requests, 1);
  EXPECT_EQ(bob.requests, 1);
  EXPECT_EQ(carol.requests, 1);
  EXPECT_EQ(keyframes_->requests(), 3u);
  EXPECT_EQ(sent_up_by_rtpsession(), 0)
      << "rtpsession's own request for the stream it knows is dropped: each request takes one way";
  // Again at once: rtpsession would now ignore the viewer for two round
  // trips; the forwarders' own limits decide instead.
  ASSERT_EQ(gst_harness_push(rtcp_, feedback({kBob, kCarol})), GST_FLOW_OK);
  EXPECT_EQ(bob.requests, 2);
  EXPECT_EQ(carol.requests, 2);
}

TEST_F(SubscriberFeedback, EachFirEntryReachesItsForwarder) {
  Forwarder alice, bob;
  keyframes_->add_stream(kAlice, alice.element);
  keyframes_->add_stream(kBob, bob.element);
  start(kAlice);
  ASSERT_EQ(gst_harness_push(rtcp_, feedback({}, {kAlice, kBob})), GST_FLOW_OK);
  EXPECT_EQ(alice.requests, 1);
  EXPECT_EQ(bob.requests, 1);
  EXPECT_EQ(sent_up_by_rtpsession(), 0);
}

TEST_F(SubscriberFeedback, AStreamNoForwarderSendsIsLeftToRtpsession) {
  Forwarder alice;
  keyframes_->add_stream(kAlice, alice.element);
  start(kCarol);  // rtpsession sends carol's stream; no forwarder registered it
  ASSERT_EQ(gst_harness_push(rtcp_, feedback({kCarol})), GST_FLOW_OK);
  EXPECT_EQ(alice.requests, 0);
  EXPECT_EQ(keyframes_->requests(), 0u);
  EXPECT_EQ(sent_up_by_rtpsession(), 1) << "rtpsession asks up its send input, as before";
}

TEST_F(SubscriberFeedback, AForwarderThatIsGoneIsSkipped) {
  auto bob = std::make_unique<Forwarder>();
  keyframes_->add_stream(kBob, bob->element);
  bob.reset();
  start(kAlice);
  ASSERT_EQ(gst_harness_push(rtcp_, feedback({kBob})), GST_FLOW_OK);
  EXPECT_EQ(keyframes_->requests(), 0u);
}

}  // namespace
}  // namespace convene::media
