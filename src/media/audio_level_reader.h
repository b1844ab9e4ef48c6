// Loudness from the RFC 6464 audio-level header extension, so the server
// learns who speaks without decoding anyone's Opus (what Janus does). Each
// packet's extension says how loud its audio was: 0..127, in -dBov. This
// takes one packet every `sample_every_us` at most and gives one reading per
// `interval_us`, the mean power of the samples as dBov (0 loudest, -127
// silence), the figure `level interval=100000000` gave from decoded audio.
// GStreamer-free, so it is tested with tables.
//
// Threads: one reader belongs to one publication's streaming thread (the
// pad probe in Publication), which leaves the readings for the room's timer
// on the main loop.
#pragma once

#include <cstdint>
#include <optional>

namespace convene::media {

class AudioLevelReader {
 public:
  explicit AudioLevelReader(int64_t interval_us = 100000, int64_t sample_every_us = 20000)
      : interval_us_(interval_us), sample_every_us_(sample_every_us) {}

  // Whether a packet arriving at `now_us` is read at all: the caller skips
  // parsing the rest.
  bool wants(int64_t now_us) const { return last_sample_us_ < 0 || now_us - last_sample_us_ >= sample_every_us_; }
  // One packet's level (0..127 = -dBov; larger values count as 127) at
  // `now_us`; returns the interval's reading in dBov when it closes.
  std::optional<double> add(int level, int64_t now_us);

 private:
  int64_t interval_us_;
  int64_t sample_every_us_;
  int64_t last_sample_us_ = -1;
  int64_t interval_start_us_ = -1;
  double power_sum_ = 0;  // linear power of the samples in this interval
  int samples_ = 0;
};

}  // namespace convene::media
