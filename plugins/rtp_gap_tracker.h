// Which packets of one incoming RTP stream to ask again for (NACK), free of
// GStreamer so it can be tested with tables: the receive side of an SFU
// that forwards every packet the moment it arrives, in whatever order, and
// so has no jitter buffer to notice losses for it.
//
// A gap in the sequence numbers is asked for at once; a packet still
// missing `retry_ms` later is asked for again (at most `max_tries` times in
// all); one missing for `give_up_ms` counts as lost. A jump larger than
// `max_gap` is a restarted source, not a loss. There is no timer: the
// tracker looks at what is due whenever a packet arrives, which for media
// is every few milliseconds.
//
// Threads: used by one streaming thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace convene::rtp {

class RtpGapTracker {
 public:
  struct Settings {
    uint32_t give_up_ms = 200;
    uint32_t retry_ms = 40;
    unsigned max_tries = 3;
    unsigned max_gap = 100;       // larger jumps: the source restarted
    unsigned max_pending = 512;   // oldest given up beyond this
  };

  struct Stats {
    uint64_t received = 0;
    uint64_t lost = 0;            // never came within give_up_ms
    uint64_t recovered = 0;       // came after it was asked for
    uint64_t duplicates = 0;      // came again, or late and not asked for
    uint64_t requests = 0;        // NACKs asked for, retries included
  };

  RtpGapTracker() = default;
  explicit RtpGapTracker(Settings settings) : settings_(settings) {}

  // A packet arrived; `ask` receives the sequence numbers to request now.
  void on_packet(uint16_t seq, uint64_t now_ms, std::vector<uint16_t>* ask);

  const Stats& stats() const { return stats_; }
  size_t pending() const { return pending_.size(); }
  void set_give_up_ms(uint32_t ms) { settings_.give_up_ms = ms; }

 private:
  struct Missing {
    uint16_t seq;
    uint64_t first_asked_ms;
    uint64_t last_asked_ms;
    unsigned tries;
  };

  void expire_and_retry(uint64_t now_ms, std::vector<uint16_t>* ask);

  Settings settings_;
  Stats stats_;
  bool started_ = false;
  uint16_t highest_ = 0;
  std::deque<Missing> pending_;  // oldest first
};

}  // namespace convene::rtp
