#include "media/sdp_streams.h"

#include <gst/sdp/sdp.h>

#include <cstdlib>

namespace convene::media {

std::map<uint32_t, SdpStream> sdp_streams(const std::string& sdp) {
  std::map<uint32_t, SdpStream> out;
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK) return out;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    const char* mid = gst_sdp_media_get_attribute_val(media, "mid");
    const char* kind = gst_sdp_media_get_media(media);
    if (!mid || !kind) continue;
    // "a=ssrc:<ssrc> <attribute>": every line names one SSRC of this m-line.
    for (guint j = 0; const char* value = gst_sdp_media_get_attribute_val_n(media, "ssrc", j); ++j) {
      char* end = nullptr;
      unsigned long ssrc = std::strtoul(value, &end, 10);
      if (end == value || ssrc == 0 || ssrc > UINT32_MAX) continue;
      out[static_cast<uint32_t>(ssrc)] = SdpStream{mid, kind};
    }
  }
  gst_sdp_message_free(msg);
  return out;
}

}  // namespace convene::media
