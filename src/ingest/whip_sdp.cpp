#include "ingest/whip_sdp.h"

#include <gst/sdp/sdp.h>

#include <cstring>
#include <memory>
#include "util/release_with.h"

namespace convene::ingest {
namespace {

using SdpPtr = std::unique_ptr<GstSDPMessage, ReleaseWith<gst_sdp_message_free>>;

SdpPtr parse(const std::string& text, const char* what) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  SdpPtr out(msg);
  if (text.empty() || gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(text.data()), text.size(), msg) !=
                          GST_SDP_OK)
    throw OfferError("invalid_sdp", std::string(what) + " is not an SDP");
  // The parser is lenient: a real session description has a version line and media or an origin.
  if (!gst_sdp_message_get_version(msg) || !gst_sdp_message_get_origin(msg) ||
      !gst_sdp_message_get_origin(msg)->sess_id)
    throw OfferError("invalid_sdp", std::string(what) + " is not an SDP (no v= or o= line)");
  return out;
}

bool has_attribute(const GstSDPMedia* media, const char* key) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key && strcmp(a->key, key) == 0) return true;
  }
  return false;
}

// Whether the m-line offers `encoding` (case-insensitive) in an a=rtpmap.
bool offers_encoding(const GstSDPMedia* media, const std::string& encoding) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (!a->key || strcmp(a->key, "rtpmap") != 0 || !a->value) continue;
    // "<pt> <encoding>/<clock>[/<channels>]"
    const char* space = strchr(a->value, ' ');
    if (!space) continue;
    std::string name(space + 1);
    name = name.substr(0, name.find('/'));
    if (g_ascii_strcasecmp(name.c_str(), encoding.c_str()) == 0) return true;
  }
  return false;
}

}  // namespace

WhipOffer read_whip_offer(const std::string& sdp, const std::string& video_codec) {
  SdpPtr msg = parse(sdp, "the offer");
  WhipOffer out;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    const GstSDPMedia* m = gst_sdp_message_get_media(msg.get(), i);
    const char* type = gst_sdp_media_get_media(m);
    if (!type || (strcmp(type, "audio") != 0 && strcmp(type, "video") != 0)) continue;
    // Port 0 is a stopped m-line, unless it is bundled (max-bundle offers, as OBS and webrtcbin make them).
    if (gst_sdp_media_get_port(m) == 0 && !has_attribute(m, "bundle-only")) continue;
    if (has_attribute(m, "inactive") || has_attribute(m, "recvonly")) continue;
    const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (!mid || !*mid) throw OfferError("invalid_sdp", "every m-line of a WHIP offer needs an a=mid");
    bool audio = strcmp(type, "audio") == 0;
    const std::string wanted = audio ? "opus" : video_codec;
    if (!offers_encoding(m, wanted))
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
  SdpPtr msg = parse(answer, "the answer");
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
