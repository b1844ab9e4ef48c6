#include "media/layer_policy.h"

#include <algorithm>

namespace convene::media {

void LayerRateMeter::update(const std::array<uint64_t, kTemporalLayers>& bytes, int64_t now_ms) {
  if (started_ && now_ms > last_ms_) {
    const double seconds = static_cast<double>(now_ms - last_ms_) / 1000.0;
    constexpr double kWeight = 0.3;  // about three updates of memory: a key frame is not a trend
    for (int i = 0; i < kTemporalLayers; ++i) {
      const double bps = static_cast<double>(bytes[i] - last_bytes_[i]) * 8.0 / seconds;
      layer_bps_[i] = layer_bps_[i] == 0 ? bps : layer_bps_[i] + kWeight * (bps - layer_bps_[i]);
    }
    double sum = 0;
    rates_.top = 0;
    for (int i = 0; i < kTemporalLayers; ++i) {
      sum += layer_bps_[i];
      rates_.bps[i] = sum;
      if (bytes[i] > 0) rates_.top = i;
    }
  }
  started_ = true;
  last_ms_ = now_ms;
  last_bytes_ = bytes;
}

int LossLayerCap::on_report(double fraction_lost, int top) {
  cap_ = std::min(cap_, top);
  if (fraction_lost > kHighLoss) {
    cap_ = std::max(0, cap_ - 1);
    clean_reports_ = 0;
  } else if (fraction_lost < kLowLoss) {
    if (++clean_reports_ >= kCleanReportsToClimb) {
      clean_reports_ = 0;
      cap_ = std::min(top, cap_ + 1);
    }
  } else {
    clean_reports_ = 0;  // in between: hold
  }
  return cap_;
}

}  // namespace convene::media
