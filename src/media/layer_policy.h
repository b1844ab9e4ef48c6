// Per-subscriber video quality: which VP8 temporal layers each video track a
// subscriber receives should carry, from what its receiver reports back.
// The rule is the loss rule of Google's congestion control, per track: a
// receiver that reports more than 10 % lost gets a layer less; after three
// reports under 2 % it gets one more again. Every receiver sends receiver
// reports, so this works for browsers and GStreamer clients alike.
//
// REMB is not used to choose layers: Chromium's estimate for our streams
// (no abs-send-time extension, so its per-stream estimator) follows what it
// receives, often far below what the link carries (39-300 kbps across runs
// on a lossless loopback); dropping layers on it would only lower the next
// estimate. It is read and shown (GET /rooms/:id/media).
// GStreamer-free, so it is tested with tables.
//
// Threads: main loop only (the subscriber's quality timer).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace convene::media {

constexpr int kTemporalLayers = 4;  // VP8's TID has two bits

// What a track costs, cumulatively: bps[n] is layers 0..n together.
struct LayerRates {
  std::array<double, kTemporalLayers> bps{};
  int top = 0;  // the highest layer the publisher sends
};

// Turns a forwarder's byte counters (per layer, cumulative) into smoothed rates.
class LayerRateMeter {
 public:
  void update(const std::array<uint64_t, kTemporalLayers>& bytes, int64_t now_ms);
  const LayerRates& rates() const { return rates_; }
  void reset() { *this = LayerRateMeter{}; }

 private:
  bool started_ = false;
  int64_t last_ms_ = 0;
  std::array<uint64_t, kTemporalLayers> last_bytes_{};
  std::array<double, kTemporalLayers> layer_bps_{};  // each layer alone, smoothed
  LayerRates rates_;
};

class LossLayerCap {
 public:
  static constexpr double kHighLoss = 0.10;
  static constexpr double kLowLoss = 0.02;
  static constexpr int kCleanReportsToClimb = 3;

  // A receiver report on the track: `fraction_lost` 0..1; `top` the highest
  // layer the track has. Returns the new cap.
  int on_report(double fraction_lost, int top);
  int cap() const { return cap_; }
  void reset() { *this = LossLayerCap{}; }

 private:
  int cap_ = kTemporalLayers - 1;
  int clean_reports_ = 0;
};


}  // namespace convene::media
