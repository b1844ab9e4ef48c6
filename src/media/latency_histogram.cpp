#include "media/latency_histogram.h"

#include <algorithm>

namespace convene::media {

void LatencyHistogram::add(int64_t us) {
  int64_t bucket = std::clamp<int64_t>(us / kBucketUs, 0, kBuckets - 1);
  buckets_[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  samples_.fetch_add(1, std::memory_order_relaxed);
}

int64_t LatencyHistogram::quantile(double q) const {
  uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return -1;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total - 1));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<size_t>(i)].load(std::memory_order_relaxed);
    if (seen > rank) return static_cast<int64_t>(i) * kBucketUs + kBucketUs / 2;
  }
  return static_cast<int64_t>(kBuckets) * kBucketUs;
}

std::vector<uint64_t> LatencyHistogram::counts() const {
  std::vector<uint64_t> out(kBuckets);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

}  // namespace convene::media
