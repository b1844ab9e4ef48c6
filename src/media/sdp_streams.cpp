#include "media/sdp_streams.h"

#include <cstdlib>
#include <cstring>

namespace convene::media {

SdpMessagePtr parse_sdp(const std::string& sdp) {
  if (sdp.empty()) return nullptr;
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  SdpMessagePtr owned(msg);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()), static_cast<guint>(sdp.size()), msg) !=
      GST_SDP_OK)
    return nullptr;
  return owned;
}

bool has_session_lines(const GstSDPMessage* msg) {
  return gst_sdp_message_get_version(msg) && gst_sdp_message_get_origin(msg) &&
         gst_sdp_message_get_origin(msg)->sess_id;
}

bool sdp_has_attribute(const GstSDPMedia* media, const char* key) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key && strcmp(a->key, key) == 0) return true;
  }
  return false;
}

int sdp_payload_type_of(const GstSDPMedia* media, const std::string& encoding) {
  // GstSDP reads the a=rtpmap of each payload type the m-line lists.
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    const char* format = gst_sdp_media_get_format(media, i);
    char* end = nullptr;
    const long pt = format ? std::strtol(format, &end, 10) : -1;
    if (!format || end == format || *end || pt < 0 || pt > 127) continue;
    g_autoptr(GstCaps) caps = gst_sdp_media_get_caps_from_media(media, static_cast<gint>(pt));
    if (!caps || gst_caps_is_empty(caps)) continue;
    const char* name = gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
    if (name && g_ascii_strcasecmp(name, encoding.c_str()) == 0) return static_cast<int>(pt);
  }
  return -1;
}

std::map<uint32_t, SdpStream> sdp_streams(const std::string& sdp) {
  std::map<uint32_t, SdpStream> out;
  SdpMessagePtr parsed = parse_sdp(sdp);
  if (!parsed) return out;
  GstSDPMessage* msg = parsed.get();
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
  return out;
}

namespace {

// The one-byte id (1..14) `media`'s a=extmap gives `uri`, or 0.
int extension_id(const GstSDPMedia* media, const char* uri) {
  // GstSDP reads a=extmap into caps fields "extmap-<id>" (the URI, or an
  // array of direction, URI and attributes): the form webrtcbin reads too.
  GstStructure* s = gst_structure_new_empty("application/x-rtp");
  g_autoptr(GstCaps) caps = gst_caps_new_full(s, nullptr);
  if (gst_sdp_media_attributes_to_caps(media, caps) != GST_SDP_OK) return 0;
  for (int id = 1; id <= 14; ++id) {  // one-byte header ids; 15 is reserved
    g_autofree char* field = g_strdup_printf("extmap-%d", id);
    const GValue* v = gst_structure_get_value(s, field);
    if (!v) continue;
    if (GST_VALUE_HOLDS_ARRAY(v) && gst_value_array_get_size(v) >= 2) v = gst_value_array_get_value(v, 1);
    if (G_VALUE_HOLDS_STRING(v) && g_strcmp0(g_value_get_string(v), uri) == 0) return id;
  }
  return 0;
}

}  // namespace

std::map<unsigned, AudioLevelExtension> sdp_audio_level_extensions(const std::string& sdp) {
  std::map<unsigned, AudioLevelExtension> out;
  SdpMessagePtr parsed = parse_sdp(sdp);
  if (!parsed) return out;
  GstSDPMessage* msg = parsed.get();
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    const char* kind = gst_sdp_media_get_media(media);
    if (!kind || g_strcmp0(kind, "audio") != 0) continue;
    AudioLevelExtension ext;
    if (const char* mid = gst_sdp_media_get_attribute_val(media, "mid")) ext.mid = mid;
    ext.id = extension_id(media, kAudioLevelUri);
    if (ext.id) out[i] = ext;
  }
  return out;
}

bool sdp_takes_extension(const std::string& sdp, const char* uri) {
  SdpMessagePtr parsed = parse_sdp(sdp);
  if (!parsed) return false;
  GstSDPMessage* msg = parsed.get();
  bool taken = false;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg) && !taken; ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    taken = gst_sdp_media_get_port(media) != 0 && extension_id(media, uri) != 0;
  }
  return taken;
}

namespace {

// "<a> <b>" read as two numbers after an optional word ("FID 1 2" with word "FID").
bool two_numbers(const char* text, const char* word, unsigned long* a, unsigned long* b) {
  if (!text) return false;
  if (word) {
    const size_t n = strlen(word);
    if (strncmp(text, word, n) != 0 || text[n] != ' ') return false;
    text += n + 1;
  }
  char* end = nullptr;
  *a = std::strtoul(text, &end, 10);
  if (end == text || *end != ' ') return false;
  const char* second = end + 1;
  *b = std::strtoul(second, &end, 10);
  return end != second;
}

}  // namespace

int sdp_leading_payload_type(const char* value) {
  if (!value) return -1;
  char* end = nullptr;
  const long pt = std::strtol(value, &end, 10);
  if (end == value || (*end != ' ' && *end != '\0') || pt < 0 || pt > 127) return -1;
  return static_cast<int>(pt);
}

std::vector<SdpFormat> sdp_formats(const GstSDPMedia* media) {
  std::vector<SdpFormat> out;
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    const int pt = sdp_leading_payload_type(gst_sdp_media_get_format(media, i));
    if (pt < 0) continue;
    // GstSDP's own reading of a=rtpmap/a=fmtp for this payload type.
    g_autoptr(GstCaps) caps = gst_sdp_media_get_caps_from_media(media, pt);
    if (!caps || gst_caps_is_empty(caps)) continue;
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    const char* encoding = gst_structure_get_string(s, "encoding-name");
    if (!encoding) continue;
    out.push_back({pt, encoding, sdp_leading_payload_type(gst_structure_get_string(s, "apt"))});
  }
  return out;
}

RetransmissionMaps sdp_retransmission_maps(const std::string& sdp) {
  RetransmissionMaps out;
  SdpMessagePtr parsed = parse_sdp(sdp);
  if (!parsed) return out;
  GstSDPMessage* msg = parsed.get();
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    for (const SdpFormat& format : sdp_formats(media))
      if (!g_ascii_strcasecmp(format.encoding.c_str(), "RTX") && format.apt >= 0)
        out.payload_types[static_cast<unsigned>(format.apt)] = static_cast<unsigned>(format.pt);
    for (guint j = 0; const char* group = gst_sdp_media_get_attribute_val_n(media, "ssrc-group", j); ++j) {
      unsigned long primary = 0, rtx = 0;
      if (two_numbers(group, "FID", &primary, &rtx) && primary <= UINT32_MAX && rtx <= UINT32_MAX)
        out.ssrcs[static_cast<uint32_t>(primary)] = static_cast<uint32_t>(rtx);
    }
  }
  return out;
}

}  // namespace convene::media
