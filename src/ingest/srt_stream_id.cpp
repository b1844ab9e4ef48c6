#include "ingest/srt_stream_id.h"

#include <glib.h>

#include <cstring>

namespace convene::ingest {

std::optional<SrtStreamId> parse_srt_stream_id(const std::string& stream_id) {
  static constexpr const char kPrefix[] = "#!::";
  if (stream_id.rfind(kPrefix, 0) != 0) {
    // Some callers send the streamid of an srt:// URL as it stands there,
    // percent-encoded (ffmpeg 5.1 does not decode it; later ones do).
    g_autofree char* decoded = g_uri_unescape_string(stream_id.c_str(), nullptr);
    if (!decoded || !g_str_has_prefix(decoded, kPrefix)) return std::nullopt;
    return parse_srt_stream_id(decoded);
  }
  g_auto(GStrv) pairs = g_strsplit(stream_id.c_str() + sizeof(kPrefix) - 1, ",", -1);
  std::optional<std::string> room, key;
  for (char** p = pairs; *p; ++p) {
    const char* eq = strchr(*p, '=');
    if (!eq || eq == *p) return std::nullopt;
    std::string name(*p, static_cast<size_t>(eq - *p)), value(eq + 1);
    if (name == "r" || name == "k") {
      std::optional<std::string>& slot = name == "r" ? room : key;
      if (slot || value.empty()) return std::nullopt;
      slot = value;
    } else if (name == "m" && value != "publish") {
      return std::nullopt;
    }
  }
  if (!room || !key) return std::nullopt;
  return SrtStreamId{*room, *key};
}

}  // namespace convene::ingest
