#include "media/rtcp_feedback.h"

#include <gst/rtp/gstrtcpbuffer.h>

#include <cstring>

#include "media/session_sources.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// REMB (draft-alvestrand-rmcat-remb): "REMB", SSRC count, 6-bit exponent and
// 18-bit mantissa of the bitrate.
bool parse_remb(const guint8* fci, guint length, double* bps) {
  if (length < 8 || memcmp(fci, "REMB", 4) != 0) return false;
  const guint exponent = fci[5] >> 2;
  const guint64 mantissa = (static_cast<guint64>(fci[5] & 0x03) << 16) | (fci[6] << 8) | fci[7];
  *bps = static_cast<double>(mantissa << exponent);
  return true;
}

}  // namespace

bool RtcpFeedback::attach(GstElement* webrtcbin) {
  if (attached_) return true;
  g_autoptr(GObject) session = bundled_session(webrtcbin);
  if (!session) return false;
  // The handler keeps this object alive for as long as the session exists.
  g_signal_connect_data(session, "on-receiving-rtcp",
                        G_CALLBACK(+[](GObject*, GstBuffer* buffer, gpointer data) {
                          (*static_cast<std::shared_ptr<RtcpFeedback>*>(data))->on_rtcp(buffer);
                        }),
                        new std::shared_ptr<RtcpFeedback>(shared_from_this()),
                        [](gpointer data, GClosure*) { delete static_cast<std::shared_ptr<RtcpFeedback>*>(data); },
                        static_cast<GConnectFlags>(0));
  attached_ = true;
  return true;
}

void RtcpFeedback::on_rtcp(GstBuffer* buffer) {
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    switch (gst_rtcp_packet_get_type(&packet)) {
      case GST_RTCP_TYPE_RR:
      case GST_RTCP_TYPE_SR:
        for (guint i = 0; i < gst_rtcp_packet_get_rb_count(&packet); ++i) {
          guint32 ssrc = 0, exthighestseq = 0, jitter = 0, lsr = 0, dlsr = 0;
          guint8 fraction = 0;
          gint32 lost = 0;
          gst_rtcp_packet_get_rb(&packet, i, &ssrc, &fraction, &lost, &exthighestseq, &jitter, &lsr, &dlsr);
          pending_.fraction_lost[ssrc] = fraction / 256.0;
        }
        break;
      case GST_RTCP_TYPE_PSFB:
        if (gst_rtcp_packet_fb_get_type(&packet) == GST_RTCP_PSFB_TYPE_AFB) {
          double bps = 0;
          if (parse_remb(gst_rtcp_packet_fb_get_fci(&packet), gst_rtcp_packet_fb_get_fci_length(&packet) * 4, &bps)) {
            remb_bps_ = bps;
            remb_at_us_ = g_get_monotonic_time();
          }
        }
        break;
      default:
        break;
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
}

RtcpFeedback::Reports RtcpFeedback::take(int64_t now_us) {
  constexpr int64_t kRembLifetimeUs = 5 * G_USEC_PER_SEC;  // receivers send it every second or so
  std::lock_guard<std::mutex> lock(mutex_);
  Reports out = std::move(pending_);
  pending_ = Reports{};
  out.remb_bps = now_us - remb_at_us_ <= kRembLifetimeUs ? remb_bps_ : 0;
  return out;
}

}  // namespace convene::media
