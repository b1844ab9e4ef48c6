// What tests need to judge media for real: ffprobe/ffmpeg on a file or a
// URL, and counting solid test colours in a decoded frame (each fake
// participant sends one colour, so colours present = tiles drawn).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace convene::testing {

struct Probe {
  int video_streams = 0;
  int audio_streams = 0;
  std::string video_codec, audio_codec;
  double duration_s = -1;  // the container's, -1 when unknown
  double start_s = 0;      // where its timestamps start (format's start_time)
  std::string error;       // ffprobe's complaint, if it failed
};

// ffprobe on a file or URL (bounded by timeout_s).
Probe ffprobe(const std::string& input, int timeout_s = 20);
// Decodes every frame; true when ffmpeg reports no error. `errors` gets what it said.
bool decodes_to_end(const std::string& input, std::string* errors = nullptr);
// Duration of the decoded video (last frame's time), -1 on failure.
double decoded_video_duration(const std::string& input);

struct Rgb {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // RGB24
};
// The frame at `seconds`, scaled to 320×180.
Rgb frame_at(const std::string& input, double seconds);

struct Colour {
  const char* name;
  uint8_t r, g, b;
};
// Names of the colours of `palette` covering at least `min_fraction` of the frame.
std::set<std::string> colours_present(const Rgb& frame, const std::vector<Colour>& palette,
                                      double min_fraction = 0.01);
// The union of colours_present over frames at `times`: on a loaded machine one
// tile may show its placeholder in a single frame (no decoded frame for a
// second), so a segment is judged by a few samples.
std::set<std::string> colours_at(const std::string& input, const std::vector<double>& times,
                                 const std::vector<Colour>& palette);
// The colours fake participants use (solid-color foreground-color ARGB values below).
const std::vector<Colour>& participant_palette();
// 0xAARRGGBB of participant_palette()[i], for videotestsrc foreground-color.
uint32_t participant_argb(size_t i);

// Runs argv, waits at most timeout_s; returns the exit status (-1 if killed) and fills out/err.
int run_command(const std::vector<std::string>& argv, std::string* out, std::string* err, int timeout_s = 60);

}  // namespace convene::testing
