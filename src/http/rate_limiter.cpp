#include "http/rate_limiter.h"

namespace convene::http {

namespace {
constexpr size_t kSweepAbove = 20000;
}

int64_t RateLimiter::hit(const std::string& key, int64_t limit, int64_t window_ms, int64_t now_ms) {
  if (windows_.size() > kSweepAbove) sweep(now_ms);
  Window& w = windows_[key];
  if (w.window_ms == 0 || now_ms - w.start_ms >= window_ms) w = Window{now_ms, window_ms, 0};
  if (w.count >= limit) return w.start_ms + window_ms - now_ms;
  ++w.count;
  return 0;
}

void RateLimiter::sweep(int64_t now_ms) {
  for (auto it = windows_.begin(); it != windows_.end();)
    if (now_ms - it->second.start_ms >= it->second.window_ms) it = windows_.erase(it);
    else ++it;
}

}  // namespace convene::http
