// NACKs and PLIs leaving at once (immediate_feedback.h): the packets as a
// peer parses them, and a real rtpsession whose requests are caught on their
// way in and chained into a stand-in for the SRTP encoder's RTCP input (an
// identity under GstHarness). The receiving side of the harness on
// rtpsession shows what rtpsession passed on upstream: a request it could
// not turn into feedback (its source is unknown to this bare session), so a
// request that reaches it is one the shortcut left alone.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gtest/gtest.h>

#include "media/immediate_feedback.h"

namespace convene::media {
namespace {

struct Parsed {
  bool valid = false;
  guint32 report_ssrc = 0;
  guint report_blocks = 99;
  GstRTCPType type = GST_RTCP_TYPE_INVALID;
  GstRTCPFBType fb_type = GST_RTCP_FB_TYPE_INVALID;
  guint32 sender_ssrc = 0, media_ssrc = 0;
  guint fci_words = 99;
  guint16 pid = 0, blp = 0xffff;
  int packets = 0;
};

// Reads `buffer` as a peer would (and unrefs it).
Parsed parse(GstBuffer* buffer) {
  Parsed p;
  p.valid = gst_rtcp_buffer_validate(buffer);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) {
    gst_buffer_unref(buffer);
    return p;
  }
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    ++p.packets;
    if (p.packets == 1 && gst_rtcp_packet_get_type(&packet) == GST_RTCP_TYPE_RR) {
      p.report_ssrc = gst_rtcp_packet_rr_get_ssrc(&packet);
      p.report_blocks = gst_rtcp_packet_get_rb_count(&packet);
    } else if (p.packets == 2) {
      p.type = gst_rtcp_packet_get_type(&packet);
      p.fb_type = gst_rtcp_packet_fb_get_type(&packet);
      p.sender_ssrc = gst_rtcp_packet_fb_get_sender_ssrc(&packet);
      p.media_ssrc = gst_rtcp_packet_fb_get_media_ssrc(&packet);
      p.fci_words = gst_rtcp_packet_fb_get_fci_length(&packet);
      if (p.fci_words == 1) {
        const guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
        p.pid = GST_READ_UINT16_BE(fci);
        p.blp = GST_READ_UINT16_BE(fci + 2);
      }
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  gst_buffer_unref(buffer);
  return p;
}

TEST(FeedbackPackets, ANackIsACompoundPacketAskingForOnePacket) {
  Parsed p = parse(make_nack(0x11111111, 0x22222222, 65000));
  EXPECT_TRUE(p.valid) << "a compound packet that begins with a report";
  EXPECT_EQ(p.packets, 2);
  EXPECT_EQ(p.report_ssrc, 0x11111111u);
  EXPECT_EQ(p.report_blocks, 0u) << "the report is empty: rtpsession sends the real ones";
  EXPECT_EQ(p.type, GST_RTCP_TYPE_RTPFB);
  EXPECT_EQ(p.fb_type, GST_RTCP_RTPFB_TYPE_NACK);
  EXPECT_EQ(p.sender_ssrc, 0x11111111u);
  EXPECT_EQ(p.media_ssrc, 0x22222222u);
  EXPECT_EQ(p.fci_words, 1u);
  EXPECT_EQ(p.pid, 65000);
  EXPECT_EQ(p.blp, 0) << "that packet alone";
}

TEST(FeedbackPackets, APliIsACompoundPacketWithoutFci) {
  Parsed p = parse(make_pli(0x11111111, 0x33333333));
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.packets, 2);
  EXPECT_EQ(p.report_ssrc, 0x11111111u);
  EXPECT_EQ(p.type, GST_RTCP_TYPE_PSFB);
  EXPECT_EQ(p.fb_type, GST_RTCP_PSFB_TYPE_PLI);
  EXPECT_EQ(p.sender_ssrc, 0x11111111u);
  EXPECT_EQ(p.media_ssrc, 0x33333333u);
  EXPECT_EQ(p.fci_words, 0u);
}

class ReceivingSession : public ::testing::Test {
 protected:
  void SetUp() override {
    GstElement* session = gst_element_factory_make("rtpsession", nullptr);
    ASSERT_NE(session, nullptr);
    encoder_ = gst_harness_new("identity");
    GstHarness* encoder = encoder_;
    // Before rtpsession has its receiving pads, as in rtpbin: caught once
    // recv_rtp_src is added.
    send_requests_at_once(session, [encoder] {
      return gst_element_get_static_pad(encoder->element, "sink");
    });
    session_ = gst_harness_new_with_element(session, "recv_rtp_sink", "recv_rtp_src");
    gst_object_unref(session);
    GObject* internal = nullptr;
    g_object_get(session_->element, "internal-session", &internal, nullptr);
    ASSERT_NE(internal, nullptr);
    g_object_get(internal, "internal-ssrc", &own_ssrc_, nullptr);
    g_object_unref(internal);
  }
  void TearDown() override {
    gst_harness_teardown(session_);
    gst_harness_teardown(encoder_);
  }
  // The encoder has had its first RTCP: the connection is up.
  void connection_up() { gst_harness_set_src_caps_str(encoder_, "application/x-rtcp"); }
  // What a receiver below rtpsession asks for, as rtpjitterbuffer or
  // convenertpnowait (ssrcdemux adds the ssrc on the way).
  void ask_again(guint ssrc, guint seq) {
    gst_harness_push_upstream_event(
        session_, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                       gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, seq,
                                                         "ssrc", G_TYPE_UINT, ssrc, "deadline", G_TYPE_UINT, 100u,
                                                         "delay", G_TYPE_UINT, 0u, nullptr)));
  }
  // What a publication asks for (ptdemux and ssrcdemux add payload and ssrc).
  void ask_keyframe(guint ssrc) {
    gst_harness_push_upstream_event(
        session_, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                       gst_structure_new("GstForceKeyUnit", "all-headers", G_TYPE_BOOLEAN, TRUE,
                                                         "ssrc", G_TYPE_UINT, ssrc, "payload", G_TYPE_UINT, 96u,
                                                         nullptr)));
  }
  // Requests (custom upstream events) rtpsession passed on (unreffed; the
  // harness also sees its own reconfigure events).
  int passed_to_rtpsession() {
    int n = 0;
    while (GstEvent* e = gst_harness_try_pull_upstream_event(session_)) {
      if (GST_EVENT_TYPE(e) == GST_EVENT_CUSTOM_UPSTREAM) ++n;
      gst_event_unref(e);
    }
    return n;
  }
  // Buffers that reached the encoder; each checked by `check`.
  int sent(const std::function<void(const Parsed&)>& check = {}) {
    int n = 0;
    while (GstBuffer* b = gst_harness_try_pull(encoder_)) {
      ++n;
      Parsed p = parse(b);
      if (check) check(p);
    }
    return n;
  }

  GstHarness* session_ = nullptr;
  GstHarness* encoder_ = nullptr;
  guint own_ssrc_ = 0;
};

TEST_F(ReceivingSession, ARetransmissionRequestLeavesAtOnceAsANack) {
  connection_up();
  ask_again(0xabcdef01, 4321);
  EXPECT_EQ(sent([&](const Parsed& p) {
              EXPECT_TRUE(p.valid);
              EXPECT_EQ(p.fb_type, GST_RTCP_RTPFB_TYPE_NACK);
              EXPECT_EQ(p.media_ssrc, 0xabcdef01u);
              EXPECT_EQ(p.pid, 4321);
              EXPECT_EQ(p.sender_ssrc, own_ssrc_) << "from the session's own SSRC, as its reports";
            }),
            1);
  EXPECT_EQ(passed_to_rtpsession(), 0) << "the request ends here: rtpsession does not send it again";
  EXPECT_EQ(feedback_sent_at_once(session_->element).nacks, 1u);
  EXPECT_EQ(feedback_sent_at_once(session_->element).plis, 0u);
}

TEST_F(ReceivingSession, AKeyframeRequestLeavesAtOnceAsAPli) {
  connection_up();
  ask_keyframe(0x0badcafe);
  ask_keyframe(0x0badcafe);
  EXPECT_EQ(sent([&](const Parsed& p) {
              EXPECT_EQ(p.type, GST_RTCP_TYPE_PSFB);
              EXPECT_EQ(p.fb_type, GST_RTCP_PSFB_TYPE_PLI);
              EXPECT_EQ(p.media_ssrc, 0x0badcafeu);
            }),
            2)
      << "each request its own (the publication's limiter combines them before this)";
  EXPECT_EQ(passed_to_rtpsession(), 0);
  EXPECT_EQ(feedback_sent_at_once(session_->element).plis, 2u);
}

TEST_F(ReceivingSession, BeforeTheConnectionIsUpRequestsGoToRtpsession) {
  ask_again(0xabcdef01, 1);
  ask_keyframe(0x0badcafe);
  EXPECT_EQ(sent(), 0) << "the encoder has no RTCP stream yet";
  EXPECT_EQ(passed_to_rtpsession(), 2) << "rtpsession had them (and, not knowing the source, passed them on)";
  EXPECT_EQ(feedback_sent_at_once(session_->element).nacks, 0u);
}

TEST_F(ReceivingSession, OtherUpstreamEventsAreLeftAlone) {
  connection_up();
  gst_harness_push_upstream_event(
      session_, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, gst_structure_new_empty("SomethingElse")));
  // A request without the SSRC it is about cannot be answered here.
  gst_harness_push_upstream_event(
      session_, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                     gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, 1u, nullptr)));
  EXPECT_EQ(sent(), 0);
  EXPECT_EQ(passed_to_rtpsession(), 2);
}

TEST(FeedbackCounts, ASessionWithoutTheShortcutCountsNothing) {
  g_autoptr(GstElement) session = gst_element_factory_make("rtpsession", nullptr);
  EXPECT_EQ(feedback_sent_at_once(session).nacks, 0u);
  EXPECT_EQ(feedback_sent_at_once(session).plis, 0u);
}

}  // namespace
}  // namespace convene::media
