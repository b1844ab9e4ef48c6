// Fixed-window request counters per key (e.g. rule + client IP), with
// bounded memory: idle keys are swept once the table grows.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace convene::http {

class RateLimiter {
 public:
  // Counts one hit for `key` against `limit` per `window_ms`. Returns 0 when
  // allowed, else the milliseconds until the window resets.
  int64_t hit(const std::string& key, int64_t limit, int64_t window_ms, int64_t now_ms);
  size_t size() const { return windows_.size(); }

 private:
  struct Window {
    int64_t start_ms = 0;
    int64_t window_ms = 0;
    int64_t count = 0;
  };
  void sweep(int64_t now_ms);
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace convene::http
