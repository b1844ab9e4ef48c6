#include "ingest/whip_sdp.h"

#include <gst/sdp/sdp.h>

#include <cstring>

#include "media/sdp_streams.h"

namespace convene::ingest {
namespace {

media::SdpMessagePtr parse(const std::string& text, const char* what) {
  media::SdpMessagePtr out = media::parse_sdp(text);
  if (!out) throw OfferError("invalid_sdp", std::string(what) + " is not an SDP");
  if (!media::has_session_lines(out.get()))
    throw OfferError("invalid_sdp", std::string(what) + " is not an SDP (no v= or o= line)");
  return out;
}

}  // namespace

WhipOffer read_whip_offer(const std::string& sdp, const std::string& video_codec) {
  media::SdpMessagePtr msg = parse(sdp, "the offer");
  WhipOffer out;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* type = gst_sdp_media_get_media(m);
    if (!type || (strcmp(type, "audio") != 0 && strcmp(type, "video") != 0)) continue;
    // Port 0 is a stopped m-line, unless it is bundled (max-bundle offers, as OBS and webrtcbin make them).
    if (gst_sdp_media_get_port(m) == 0 && !media::sdp_has_attribute(m, "bundle-only")) continue;
    if (media::sdp_has_attribute(m, "inactive") || media::sdp_has_attribute(m, "recvonly")) continue;
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (!mid || !*mid) throw OfferError("invalid_sdp", "every m-line of a WHIP offer needs an a=mid");
    bool audio = strcmp(type, "audio") == 0;
    const std::string wanted = audio ? "opus" : video_codec;
    if (media::sdp_payload_type_of(m, wanted) < 0)
      throw OfferError("unsupported_codec", std::string("this room takes ") + (audio ? "Opus audio" : wanted + " video") +
                                                " (the SFU forwards what it receives, without transcoding); the offer's " +
                                                type + " m-line has none");
    out.sources[mid] = audio ? "microphone" : "camera";
  }
  if (out.sources.empty()) throw OfferError("no_media", "the offer sends no audio or video");
  return out;
}

std::string answer_with_candidates(const std::string& answer,
                                   const std::vector<std::pair<unsigned, std::string>>& candidates) {
  media::SdpMessagePtr msg = parse(answer, "the answer");
  for (const auto& [mline, candidate] : candidates) {
    if (mline >= gst_sdp_message_medias_len(msg.get())) continue;
    std::string value = candidate.rfind("candidate:", 0) == 0 ? candidate.substr(strlen("candidate:")) : candidate;
    if (value.rfind("a=candidate:", 0) == 0) value = value.substr(strlen("a=candidate:"));
    gst_sdp_media_add_attribute(const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), mline)), "candidate",
                                value.c_str());
  }
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i)
    gst_sdp_media_add_attribute(const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), i)),
                                "end-of-candidates", nullptr);
  g_autofree char* text = gst_sdp_message_as_text(msg.get());
  return text;
}

}  // namespace convene::ingest
