// SDP intake (src/media): the server's check of a client's publish-offer or
// subscribe-answer (check_sdp), its own SDP edit with GstSDPMessage (the
// goog-remb lines added to subscribe offers), the publish offer's FEC
// declined (fec_decline), and the candidate rewrite for
// an announced address. The input is SDP text.
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "media/fec_decline.h"
#include "media/subscriber.h"
#include "media/webrtc_endpoint.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gst_init(nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sdp(reinterpret_cast<const char*>(data), size);
  bool usable = true;
  try {
    convene::media::check_sdp(sdp);
  } catch (const std::invalid_argument&) {
    usable = false;
  }
  // The edit either leaves the text alone or gives an SDP that still parses.
  const std::string edited = convene::media::with_remb_feedback(sdp);
  if (edited != sdp) {
    GstSDPMessage* msg = nullptr;
    if (gst_sdp_message_new_from_text(edited.c_str(), &msg) != GST_SDP_OK) __builtin_trap();
    gst_sdp_message_free(msg);
  }
  if (usable) {
    try {
      convene::media::check_sdp(edited);
    } catch (const std::invalid_argument&) {
      if (sdp.find('\0') == std::string::npos) __builtin_trap();  // the edit broke a usable offer
    }
  }
  // FEC declined: the text alone, or an SDP that still parses and is usable
  // when the offer was, with nothing more to decline.
  const std::string declined = convene::media::decline_fec(sdp);
  if (declined != sdp) {
    GstSDPMessage* msg = nullptr;
    if (gst_sdp_message_new_from_text(declined.c_str(), &msg) != GST_SDP_OK) __builtin_trap();
    gst_sdp_message_free(msg);
    if (convene::media::decline_fec(declined) != declined) __builtin_trap();
    if (usable) {
      try {
        convene::media::check_sdp(declined);
      } catch (const std::invalid_argument&) {
        if (sdp.find('\0') == std::string::npos) __builtin_trap();
      }
    }
  }
  // Candidate lines as the client trickles them.
  size_t pos = 0;
  while ((pos = sdp.find("candidate:", pos)) != std::string::npos) {
    size_t end = sdp.find_first_of("\r\n", pos);
    convene::media::announce_candidate(sdp.substr(pos, end == std::string::npos ? end : end - pos), "203.0.113.7");
    pos += 10;
  }
  return 0;
}
