#include "media/fec_decline.h"

#include <gst/sdp/sdp.h>

#include <set>
#include <string>
#include <vector>

#include "media/sdp_streams.h"

namespace convene::media {

namespace {

bool is_fec_encoding(const std::string& name) {
  return !g_ascii_strcasecmp(name.c_str(), "RED") || !g_ascii_strcasecmp(name.c_str(), "ULPFEC") ||
         !g_ascii_strncasecmp(name.c_str(), "FLEXFEC", 7);
}

// The payload types of `media` to decline: FEC and RED, then the RTX ones
// whose apt is one of them.
std::set<int> fec_payload_types(const GstSDPMedia* media) {
  const std::vector<SdpFormat> formats = sdp_formats(media);
  std::set<int> fec;
  for (const SdpFormat& format : formats)
    if (is_fec_encoding(format.encoding)) fec.insert(format.pt);
  for (const SdpFormat& format : formats)
    if (!g_ascii_strcasecmp(format.encoding.c_str(), "RTX") && fec.count(format.apt)) fec.insert(format.pt);
  return fec;
}

// FlexFEC's protection SSRCs: each FEC-FR group's second and later SSRCs.
std::set<std::string> fec_ssrcs(const GstSDPMedia* media) {
  std::set<std::string> out;
  for (guint j = 0; const char* group = gst_sdp_media_get_attribute_val_n(media, "ssrc-group", j); ++j) {
    g_auto(GStrv) words = g_strsplit(group, " ", -1);
    if (g_strv_length(words) < 3 || g_ascii_strcasecmp(words[0], "FEC-FR")) continue;
    for (guint k = 2; words[k]; ++k) out.insert(words[k]);
  }
  return out;
}

bool names_fec_ssrc(const GstSDPAttribute* attr, const std::set<std::string>& ssrcs) {
  if (!attr->value) return false;
  if (!g_strcmp0(attr->key, "ssrc-group")) return !g_ascii_strncasecmp(attr->value, "FEC-FR ", 7);
  if (g_strcmp0(attr->key, "ssrc")) return false;
  const std::string value = attr->value;
  return ssrcs.count(value.substr(0, value.find(' '))) > 0;
}

// Removes what `fec` names from `media`; false when it would offer nothing.
bool decline_in(GstSDPMedia* media, const std::set<int>& fec) {
  if (fec.size() >= gst_sdp_media_formats_len(media)) return false;
  for (guint i = gst_sdp_media_formats_len(media); i-- > 0;)
    if (fec.count(sdp_leading_payload_type(gst_sdp_media_get_format(media, i)))) gst_sdp_media_remove_format(media, i);
  const std::set<std::string> ssrcs = fec_ssrcs(media);
  for (guint i = gst_sdp_media_attributes_len(media); i-- > 0;) {
    const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, i);
    const bool per_format =
        !g_strcmp0(attr->key, "rtpmap") || !g_strcmp0(attr->key, "fmtp") || !g_strcmp0(attr->key, "rtcp-fb");
    if ((per_format && fec.count(sdp_leading_payload_type(attr->value))) || names_fec_ssrc(attr, ssrcs))
      gst_sdp_media_remove_attribute(media, i);
  }
  return true;
}

}  // namespace

std::string decline_fec(const std::string& offer) {
  SdpMessagePtr msg = parse_sdp(offer);
  if (!msg) return offer;
  bool declined = false;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    // GstSDP hands out its media as const; the message is ours to change.
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), i));
    const std::set<int> fec = fec_payload_types(media);
    if (!fec.empty() && decline_in(media, fec)) declined = true;
  }
  if (!declined) return offer;
  g_autofree char* text = gst_sdp_message_as_text(msg.get());
  return text ? std::string(text) : offer;
}

}  // namespace convene::media
