// Keyframe requests for one published track, from all of its subscribers
// (their PLI/FIR, a new subscriber, an unmute): at most one reaches the
// publisher per interval. A request inside the interval is combined with
// the one already sent: the keyframe that answers it passes the track's tee
// and so reaches every subscriber. That keyframe may have passed before the
// combined request's asker was listening (a recording tap asks once), so a
// combined request is owed one more, sent when the interval is over
// (retry_due(), checked as packets arrive): a burst of requests costs the
// publisher at most two keyframes, and never more than one per interval.
// A publisher, whose encoder pays for every keyframe, then sees the same
// rate whether one or fifty people watch.
// GStreamer-free, so it is tested with tables.
//
// Threads: not thread-safe; its owner serialises calls (the tee's
// upstream-event probe runs on several subscribers' threads).
#pragma once

#include <cstdint>

namespace convene::media {

class KeyframeLimiter {
 public:
  static constexpr int64_t kDefaultIntervalMs = 300;
  explicit KeyframeLimiter(int64_t min_interval_ms = kDefaultIntervalMs) : interval_ms_(min_interval_ms) {}

  // A request at `now_ms` (monotonic): true when it goes to the publisher.
  bool request(int64_t now_ms);
  // A combined request is still owed and the interval is over: make one
  // request() now (it will go out).
  bool retry_due(int64_t now_ms) const { return owed_ && now_ms - last_sent_ms_ >= interval_ms_; }
  uint64_t sent() const { return sent_; }
  uint64_t combined() const { return combined_; }

 private:
  int64_t interval_ms_;
  bool sent_any_ = false;
  bool owed_ = false;  // a request was combined since the last one sent
  int64_t last_sent_ms_ = 0;
  uint64_t sent_ = 0;
  uint64_t combined_ = 0;
};

}  // namespace convene::media
