#include "media/audio_level_reader.h"

#include <algorithm>
#include <cmath>

namespace convene::media {

namespace {
constexpr int kSilence = 127;  // RFC 6464: the quietest level, -127 dBov
}  // namespace

std::optional<double> AudioLevelReader::add(int level, int64_t now_us) {
  if (!wants(now_us)) return std::nullopt;
  last_sample_us_ = now_us;
  if (interval_start_us_ < 0) interval_start_us_ = now_us;
  const int db = std::clamp(level, 0, kSilence);
  // Averaged as power, as an RMS over the interval is: one loud packet among
  // quiet ones weighs what its energy does, not what its decibels do.
  power_sum_ += std::pow(10.0, -db / 10.0);
  ++samples_;
  if (now_us - interval_start_us_ < interval_us_) return std::nullopt;
  const double mean = power_sum_ / samples_;
  power_sum_ = 0;
  samples_ = 0;
  interval_start_us_ = now_us;
  return std::max(10.0 * std::log10(mean), -static_cast<double>(kSilence));
}

}  // namespace convene::media
