// How long the SFU holds a packet: from the moment webrtcbin's jitter buffer
// hands it out (its PTS, in running time) to the moment the subscriber's
// queue gives it to the sending webrtcbin. Filled by pad probes on streaming
// threads (lock-free buckets), read on the main loop.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace convene::media {

class LatencyHistogram {
 public:
  // One sample, in microseconds (negative values count as 0).
  void add(int64_t us);
  // The q-quantile (0..1) in microseconds; -1 without samples.
  int64_t quantile(double q) const;
  uint64_t samples() const { return samples_.load(std::memory_order_relaxed); }

  static constexpr int kBucketUs = 100;      // 0.1 ms resolution
  static constexpr int kBuckets = 2000;      // up to 200 ms; the last bucket takes the rest
  // Samples per bucket: [i * kBucketUs, (i + 1) * kBucketUs), the last open-ended (for /metrics).
  std::vector<uint64_t> counts() const;

 private:
  std::array<std::atomic<uint32_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> samples_{0};
};

}  // namespace convene::media
