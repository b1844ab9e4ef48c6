// The RTCP feedback parser (src/media/rtcp_feedback.*): a subscriber's
// compound RTCP packet (receiver reports, REMB, NACK, PLI...) as webrtcbin's
// RTP session hands it over. The session checks little before its
// on-receiving-rtcp signal, so the input goes in unvalidated.
#include <gst/gst.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "media/rtcp_feedback.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gst_init(nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto feedback = std::make_shared<convene::media::RtcpFeedback>();
  GstBuffer* buffer = gst_buffer_new_memdup(data, size);
  feedback->on_rtcp(buffer);
  gst_buffer_unref(buffer);
  auto reports = feedback->take();
  for (const auto& [ssrc, lost] : reports.fraction_lost)
    if (!(lost >= 0.0 && lost < 1.0)) __builtin_trap();  // an 8-bit fraction of 256
  if (!(reports.remb_bps >= 0.0) || std::isinf(reports.remb_bps)) __builtin_trap();
  return 0;
}
