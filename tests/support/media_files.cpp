#include "media_files.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <cstdlib>

namespace convene::testing {

int run_command(const std::vector<std::string>& argv, std::string* out, std::string* err, int timeout_s) {
  std::vector<std::string> full = {"timeout", "-s", "KILL", std::to_string(timeout_s)};
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<const char*> args;
  for (auto& a : full) args.push_back(a.c_str());
  args.push_back(nullptr);
  g_autoptr(GError) error = nullptr;
  // GSubprocess, not g_spawn_sync: raw frames on stdout hold NUL bytes.
  g_autoptr(GSubprocess) proc = g_subprocess_newv(
      args.data(), static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE),
      &error);
  if (!proc) {
    if (err) *err = error->message;
    return -1;
  }
  g_autoptr(GBytes) o = nullptr;
  g_autoptr(GBytes) e = nullptr;
  if (!g_subprocess_communicate(proc, nullptr, nullptr, &o, &e, &error)) {
    if (err) *err = error->message;
    return -1;
  }
  auto text = [](GBytes* b) {
    gsize n = 0;
    const char* d = b ? static_cast<const char*>(g_bytes_get_data(b, &n)) : nullptr;
    return d ? std::string(d, n) : std::string();
  };
  if (out) *out = text(o);
  if (err) *err = text(e);
  if (!g_subprocess_get_if_exited(proc)) return -1;
  return g_subprocess_get_exit_status(proc);
}

Probe ffprobe(const std::string& input, int timeout_s) {
  Probe p;
  std::string out, err;
  int rc = run_command({"ffprobe", "-v", "error", "-rw_timeout", "10000000", "-show_entries",
                        "stream=codec_type,codec_name:format=duration,start_time", "-of", "json", input},
                       &out, &err, timeout_s);
  if (rc != 0) {
    p.error = err.empty() ? "ffprobe failed" : err;
    return p;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, out.c_str(), -1, nullptr)) {
    p.error = "unparsable ffprobe output";
    return p;
  }
  JsonObject* root = json_node_get_object(json_parser_get_root(parser));
  if (json_object_has_member(root, "streams")) {
    JsonArray* streams = json_object_get_array_member(root, "streams");
    for (guint i = 0; i < json_array_get_length(streams); ++i) {
      JsonObject* s = json_array_get_object_element(streams, i);
      std::string type = json_object_get_string_member_with_default(s, "codec_type", "");
      std::string codec = json_object_get_string_member_with_default(s, "codec_name", "");
      if (type == "video") {
        p.video_streams++;
        p.video_codec = codec;
      } else if (type == "audio") {
        p.audio_streams++;
        p.audio_codec = codec;
      }
    }
  }
  if (json_object_has_member(root, "format")) {
    JsonObject* f = json_object_get_object_member(root, "format");
    const char* d = json_object_get_string_member_with_default(f, "duration", nullptr);
    if (d) p.duration_s = g_ascii_strtod(d, nullptr);
    const char* s = json_object_get_string_member_with_default(f, "start_time", nullptr);
    if (s) p.start_s = g_ascii_strtod(s, nullptr);
  }
  p.error = err;
  return p;
}

bool decodes_to_end(const std::string& input, std::string* errors) {
  std::string out, err;
  // -enc_time_base -1 keeps the container's millisecond times: rescaled to
  // 1/30 s, frames half a frame off the grid (video starting a few ms after
  // audio) collide and ffmpeg's null muxer complains though nothing is wrong.
  int rc = run_command(
      {"ffmpeg", "-nostdin", "-v", "error", "-i", input, "-enc_time_base", "-1", "-f", "null", "-"}, &out, &err, 120);
  if (errors) *errors = err;
  return rc == 0 && err.empty();
}

double decoded_video_duration(const std::string& input) {
  std::string out, err;
  // The pts of the last decoded frame, as ffprobe reports it frame by frame.
  int rc = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                        "-of", "csv=p=0", input},
                       &out, &err, 120);
  if (rc != 0) return -1;
  double last = -1;
  gchar** lines = g_strsplit(out.c_str(), "\n", -1);
  for (gchar** l = lines; *l; ++l)
    if (**l) last = std::max(last, g_ascii_strtod(*l, nullptr));
  g_strfreev(lines);
  return last;
}

Rgb frame_at(const std::string& input, double seconds) {
  Rgb f;
  std::string out, err;
  g_autofree char* ss = g_strdup_printf("%.3f", seconds);
  int rc = run_command({"ffmpeg", "-nostdin", "-v", "error", "-ss", ss, "-i", input, "-frames:v", "1", "-vf",
                        "scale=320:180", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"},
                       &out, &err, 60);
  if (rc != 0 || out.size() != 320u * 180u * 3u) return f;
  f.width = 320;
  f.height = 180;
  f.pixels.assign(out.begin(), out.end());
  return f;
}

std::set<std::string> colours_present(const Rgb& frame, const std::vector<Colour>& palette, double min_fraction) {
  std::vector<size_t> counts(palette.size(), 0);
  size_t n = static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height);
  for (size_t i = 0; i < n && i * 3 + 2 < frame.pixels.size(); ++i) {
    const uint8_t* px = &frame.pixels[i * 3];
    for (size_t c = 0; c < palette.size(); ++c) {
      if (std::abs(px[0] - palette[c].r) < 40 && std::abs(px[1] - palette[c].g) < 40 &&
          std::abs(px[2] - palette[c].b) < 40) {
        counts[c]++;
        break;
      }
    }
  }
  std::set<std::string> present;
  for (size_t c = 0; c < palette.size(); ++c)
    if (n && static_cast<double>(counts[c]) / static_cast<double>(n) >= min_fraction) present.insert(palette[c].name);
  return present;
}

std::set<std::string> colours_at(const std::string& input, const std::vector<double>& times,
                                 const std::vector<Colour>& palette) {
  std::set<std::string> all;
  for (double t : times) {
    auto c = colours_present(frame_at(input, t), palette);
    all.insert(c.begin(), c.end());
  }
  return all;
}

const std::vector<Colour>& participant_palette() {
  static const std::vector<Colour> p = {
      {"red", 230, 20, 20}, {"green", 20, 200, 20}, {"blue", 20, 20, 230},
      {"magenta", 220, 20, 220}, {"cyan", 20, 210, 210}, {"white", 240, 240, 240},
  };
  return p;
}

uint32_t participant_argb(size_t i) {
  const Colour& c = participant_palette().at(i);
  return 0xff000000u | (uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | uint32_t(c.b);
}

}  // namespace convene::testing
