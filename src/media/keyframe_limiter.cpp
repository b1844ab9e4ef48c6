#include "media/keyframe_limiter.h"

namespace convene::media {

bool KeyframeLimiter::request(int64_t now_ms) {
  // A clock that went back (it should not) counts as inside the interval.
  if (sent_any_ && now_ms - last_sent_ms_ < interval_ms_) {
    ++combined_;
    owed_ = true;
    return false;
  }
  owed_ = false;
  sent_any_ = true;
  last_sent_ms_ = now_ms;
  ++sent_;
  return true;
}

}  // namespace convene::media
