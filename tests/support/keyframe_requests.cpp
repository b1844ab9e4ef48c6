#include "keyframe_requests.h"

#include <gst/rtp/gstrtcpbuffer.h>

namespace convene::testing {

GstBuffer* keyframe_requests(guint32 sender, const std::vector<guint32>& plis, const std::vector<guint32>& firs) {
  GstBuffer* buffer = gst_rtcp_buffer_new(1200);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet);
  gst_rtcp_packet_rr_set_ssrc(&packet, sender);
  for (guint32 ssrc : plis) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &packet);
    gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_PSFB_TYPE_PLI);
    gst_rtcp_packet_fb_set_sender_ssrc(&packet, sender);
    gst_rtcp_packet_fb_set_media_ssrc(&packet, ssrc);
  }
  if (!firs.empty()) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &packet);
    gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_PSFB_TYPE_FIR);
    gst_rtcp_packet_fb_set_sender_ssrc(&packet, sender);
    gst_rtcp_packet_fb_set_media_ssrc(&packet, 0);
    gst_rtcp_packet_fb_set_fci_length(&packet, static_cast<guint16>(2 * firs.size()));
    guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
    guint8 seq = 1;
    for (guint32 ssrc : firs) {
      // Each entry: the SSRC, a sequence number, three bytes of padding.
      GST_WRITE_UINT32_BE(fci, ssrc);
      GST_WRITE_UINT32_BE(fci + 4, guint32{seq++} << 24);
      fci += 8;
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

}  // namespace convene::testing
