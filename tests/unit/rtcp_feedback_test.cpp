// RtcpFeedback reads receiver reports and REMB from real RTCP packets.
#include <gst/rtp/gstrtcpbuffer.h>
#include <gtest/gtest.h>

#include "media/rtcp_feedback.h"

using convene::media::RtcpFeedback;

namespace {

// A compound packet: a receiver report on two of our streams, and REMB.
GstBuffer* receiver_feedback(guint8 lost_a, guint8 lost_b, guint32 remb_bps) {
  GstBuffer* buffer = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet);
  gst_rtcp_packet_rr_set_ssrc(&packet, 0xabc);
  gst_rtcp_packet_add_rb(&packet, 1111, lost_a, 10, 500, 0, 0, 0);
  gst_rtcp_packet_add_rb(&packet, 2222, lost_b, 90, 700, 0, 0, 0);
  if (remb_bps) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &packet);
    gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_PSFB_TYPE_AFB);
    gst_rtcp_packet_fb_set_sender_ssrc(&packet, 0xabc);
    gst_rtcp_packet_fb_set_media_ssrc(&packet, 0);
    gst_rtcp_packet_fb_set_fci_length(&packet, 3);  // REMB, rate, one SSRC
    guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
    guint exponent = 0;
    guint32 mantissa = remb_bps;
    while (mantissa > 0x3ffff) {
      mantissa >>= 1;
      ++exponent;
    }
    const guint8 remb[12] = {'R', 'E', 'M', 'B', 1,
                             static_cast<guint8>((exponent << 2) | (mantissa >> 16)),
                             static_cast<guint8>(mantissa >> 8), static_cast<guint8>(mantissa),
                             0, 0, 0x08, 0xae};
    memcpy(fci, remb, sizeof remb);
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

}  // namespace

TEST(RtcpFeedback, ReportBlocksPerStreamAndTheRembEstimate) {
  auto feedback = std::make_shared<RtcpFeedback>();
  EXPECT_TRUE(feedback->take().fraction_lost.empty());
  g_autoptr(GstBuffer) first = receiver_feedback(64, 0, 1500000);
  feedback->on_rtcp(first);
  RtcpFeedback::Reports r = feedback->take();
  ASSERT_EQ(r.fraction_lost.size(), 2u);
  EXPECT_DOUBLE_EQ(r.fraction_lost[1111], 0.25);
  EXPECT_DOUBLE_EQ(r.fraction_lost[2222], 0.0);
  EXPECT_NEAR(r.remb_bps, 1500000, 1500000 / 1000.0);  // 18 bits of mantissa
  // Taken once: the next take() has no new reports, but keeps the estimate.
  RtcpFeedback::Reports again = feedback->take();
  EXPECT_TRUE(again.fraction_lost.empty());
  EXPECT_NEAR(again.remb_bps, 1500000, 1500);
  // An estimate that is not renewed expires.
  EXPECT_EQ(feedback->take(g_get_monotonic_time() + 6 * G_USEC_PER_SEC).remb_bps, 0);
  g_autoptr(GstBuffer) second = receiver_feedback(128, 26, 0);
  feedback->on_rtcp(second);
  r = feedback->take();
  EXPECT_DOUBLE_EQ(r.fraction_lost[1111], 0.5);
  EXPECT_NEAR(r.fraction_lost[2222], 0.1, 0.01);
}
