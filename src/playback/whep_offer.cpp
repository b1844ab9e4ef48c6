#include "playback/whep_offer.h"

#include <gst/sdp/sdp.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <memory>
#include "util/release_with.h"

namespace convene::playback {
namespace {

using SdpDeleter = ReleaseWith<gst_sdp_message_free>;

bool has_attribute(const GstSDPMedia* media, const char* key) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key && strcmp(a->key, key) == 0) return true;
  }
  return false;
}

// The payload type the m-line offers for `encoding` (case-insensitive), or -1.
int payload_type_of(const GstSDPMedia* media, const std::string& encoding) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (!a->key || strcmp(a->key, "rtpmap") != 0 || !a->value) continue;
    const char* space = strchr(a->value, ' ');  // "<pt> <encoding>/<clock>[/<channels>]"
    if (!space) continue;
    std::string name(space + 1);
    name = name.substr(0, name.find('/'));
    if (g_ascii_strcasecmp(name.c_str(), encoding.c_str()) == 0) return atoi(a->value);
  }
  return -1;
}

}  // namespace

std::vector<WantedLine> read_whep_offer(const std::string& sdp, const std::string& video_codec) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  std::unique_ptr<GstSDPMessage, SdpDeleter> msg(raw);
  if (sdp.empty() ||
      gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()), sdp.size(), raw) != GST_SDP_OK ||
      !gst_sdp_message_get_version(raw) || !gst_sdp_message_get_origin(raw) ||
      !gst_sdp_message_get_origin(raw)->sess_id)
    throw OfferError("invalid_sdp", "the offer is not an SDP (no v= or o= line)");
  std::vector<WantedLine> out;
  bool video_refused = false;
  for (guint i = 0; i < gst_sdp_message_medias_len(raw); ++i) {
    const GstSDPMedia* m = gst_sdp_message_get_media(raw, i);
    const char* type = gst_sdp_media_get_media(m);
    if (!type || (strcmp(type, "audio") != 0 && strcmp(type, "video") != 0)) continue;
    // Port 0 is a rejected m-line unless it is bundled (max-bundle offers).
    if (gst_sdp_media_get_port(m) == 0 && !has_attribute(m, "bundle-only")) continue;
    if (has_attribute(m, "inactive") || has_attribute(m, "sendonly")) continue;
    const bool audio = strcmp(type, "audio") == 0;
    const std::string encoding = audio ? "OPUS" : video_codec;
    const int pt = payload_type_of(m, encoding);
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
