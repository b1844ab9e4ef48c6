#include "playback/whep_offer.h"

#include <gst/sdp/sdp.h>

#include <algorithm>
#include <cstring>

#include "media/sdp_streams.h"

namespace convene::playback {

std::vector<WantedLine> read_whep_offer(const std::string& sdp, const std::string& video_codec) {
  media::SdpMessagePtr msg = media::parse_sdp(sdp);
  if (!msg || !media::has_session_lines(msg.get()))
    throw OfferError("invalid_sdp", "the offer is not an SDP (no v= or o= line)");
  std::vector<WantedLine> out;
  bool video_refused = false;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* type = gst_sdp_media_get_media(m);
    if (!type || (strcmp(type, "audio") != 0 && strcmp(type, "video") != 0)) continue;
    // Port 0 is a rejected m-line unless it is bundled (max-bundle offers).
    if (gst_sdp_media_get_port(m) == 0 && !media::sdp_has_attribute(m, "bundle-only")) continue;
    if (media::sdp_has_attribute(m, "inactive") || media::sdp_has_attribute(m, "sendonly")) continue;
    const bool audio = strcmp(type, "audio") == 0;
    const std::string encoding = audio ? "OPUS" : video_codec;
    const int pt = media::sdp_payload_type_of(m, encoding);
    if (pt < 0) {
      video_refused = video_refused || !audio;
      continue;
    }
    out.push_back(WantedLine{i, type, encoding, pt});
  }
  if (video_refused && std::none_of(out.begin(), out.end(), [](const WantedLine& l) { return l.kind == "video"; }))
    throw OfferError("unsupported_codec", "this server sends " + video_codec +
                                              " video (forwarded as it is encoded); the offer's video m-line has none");
  if (out.empty()) throw OfferError("no_media", "the offer receives no Opus audio or video");
  return out;
}

}  // namespace convene::playback
