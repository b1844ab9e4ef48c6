// A token bucket: `rate` tokens a second on average, at most `burst` saved up.
// Plain arithmetic on a caller-supplied clock, so tests are tables.
#pragma once

#include <algorithm>
#include <cstdint>

namespace convene {

class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Takes `cost` tokens and returns true, or takes nothing and returns false
  // when fewer are left.
  bool take(double cost, int64_t now_us) {
    refill(now_us);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }
  // True when the bucket has refilled completely (nothing to remember).
  bool full(int64_t now_us) {
    refill(now_us);
    return tokens_ >= burst_;
  }

 private:
  void refill(int64_t now_us) {
    if (started_ && now_us > last_us_) tokens_ = std::min(burst_, tokens_ + (now_us - last_us_) / 1e6 * rate_);
    if (!started_ || now_us > last_us_) last_us_ = now_us;
    started_ = true;
  }

  double rate_, burst_, tokens_;
  int64_t last_us_ = 0;
  bool started_ = false;
};

}  // namespace convene
