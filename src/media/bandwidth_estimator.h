// How many bits per second a subscriber's link carries, estimated the way
// Google Congestion Control does (draft-ietf-rmcat-gcc-02) from what the
// receiver says about each packet the server sent it (transport-cc feedback):
//
// - delay: packets sent within 5 ms of each other form a group; the change of
//   one-way delay from group to group (arrival delta minus send delta) is
//   accumulated, smoothed, and a least-squares slope over the last 20 groups
//   says whether a queue is building up on the path (the trendline). An
//   adaptive threshold turns that slope into overusing / normal / underusing.
// - rate: AIMD on that signal. Normal → increase (8 % a second, or about a
//   packet per response time once near the link capacity last seen);
//   overusing → 0.85 × the rate the receiver acknowledged; underusing → hold.
//   While no queue builds up the estimate grows to at most 1.5 × the
//   acknowledged rate + a probing headroom: an SFU cannot probe with padding,
//   so a layer step up (3× the rate) is how it learns the link carries more.
// - loss: above 10 % lost the estimate drops by half the loss fraction, under
//   2 % it may grow 5 % a report; the estimate is the lower of the two rules.
//
// GStreamer-free, fed with plain numbers, so it is tested with tables and with
// feedback recorded from real runs (tests/unit/data/).
//
// Threads: one thread at a time (the main loop, in the SFU).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace convene::media {

// One packet the server sent, as the receiver's feedback reports it.
struct PacketFeedback {
  int64_t sequence = 0;         // transport-wide sequence number, unwrapped (increasing)
  int64_t send_time_us = 0;     // when it left, on the sender's clock
  int64_t arrival_time_us = 0;  // when it arrived, on the receiver's clock (any origin); unused when lost
  bool lost = false;
  size_t size_bytes = 0;
};

enum class BandwidthUsage { Normal, Underusing, Overusing };
const char* to_string(BandwidthUsage usage);

struct BandwidthEstimatorConfig {
  double start_bps = 1'000'000;   // before any feedback
  double min_bps = 50'000;
  double max_bps = 20'000'000;
  // Without a congestion signal the estimate grows to at most
  // 1.5 × acknowledged + this much: enough above one camera's middle layer
  // (~340 kbps with audio) for its top layer (~940 kbps).
  double probe_headroom_bps = 600'000;
};

// Packets sent close together (a frame's packets) as one group, and the
// delay variation between consecutive groups.
class ArrivalGroups {
 public:
  struct Delta {
    double send_delta_ms;     // between the groups' last packets
    double arrival_delta_ms;
    int64_t arrival_ms;       // of the newer group's last packet
  };
  // A received packet, in send order; a delta when it completes a group.
  bool add(int64_t send_us, int64_t arrival_us, Delta* out);
  void reset() { *this = ArrivalGroups{}; }

 private:
  struct Group {
    int64_t first_send_us = -1, last_send_us = -1;
    int64_t first_arrival_us = -1, last_arrival_us = -1;
    bool empty() const { return first_send_us < 0; }
  };
  bool belongs_to_burst(int64_t send_us, int64_t arrival_us) const;
  Group current_, previous_;
};

// The slope of the smoothed accumulated delay over the last groups.
class Trendline {
 public:
  static constexpr size_t kWindow = 20;
  static constexpr double kSmoothing = 0.9;
  static constexpr double kGain = 4.0;
  // Returns the modified trend (slope × min(groups seen, 60) × gain), in ms.
  double update(double delay_variation_ms, int64_t arrival_ms);
  int groups_seen() const { return groups_seen_; }
  void reset() { *this = Trendline{}; }

 private:
  int64_t first_arrival_ms_ = -1;
  double accumulated_ms_ = 0;
  double smoothed_ms_ = 0;
  int groups_seen_ = 0;
  double trend_ = 0;
  std::deque<std::pair<double, double>> points_;  // (ms since the first group, smoothed delay)
};

// The modified trend against a threshold that adapts to it (slowly up, faster
// down), so a path's ordinary jitter does not read as congestion.
class OveruseDetector {
 public:
  static constexpr double kInitialThresholdMs = 12.5;
  BandwidthUsage detect(double trend, double send_delta_ms, int groups_seen, int64_t arrival_ms);
  BandwidthUsage state() const { return state_; }
  double threshold() const { return threshold_; }

 private:
  void adapt_threshold(double trend, int64_t now_ms);
  BandwidthUsage state_ = BandwidthUsage::Normal;
  double threshold_ = kInitialThresholdMs;
  double overusing_ms_ = -1;
  int overuse_count_ = 0;
  double previous_trend_ = 0;
  int64_t last_threshold_update_ms_ = -1;
};

// What the receiver acknowledges receiving, over the last second of arrivals.
class AckedRate {
 public:
  void add(int64_t arrival_us, size_t bytes);
  double bps() const;  // 0 until half a second of arrivals is known
  void reset() { *this = AckedRate{}; }

 private:
  static constexpr int64_t kWindowUs = 1'000'000;
  std::deque<std::pair<int64_t, size_t>> packets_;
  size_t bytes_ = 0;
  int64_t first_arrival_us_ = -1;
  int64_t latest_arrival_us_ = -1;
};

class BandwidthEstimator {
 public:
  explicit BandwidthEstimator(BandwidthEstimatorConfig config = {});

  // One transport-cc feedback, packets in sequence order (duplicates of
  // packets already seen are ignored). `now_ms`: the caller's monotonic clock.
  void on_feedback(const std::vector<PacketFeedback>& packets, int64_t now_ms);
  // The share of packets the receiver lost lately (0..1), e.g. once a second.
  void on_loss_report(double fraction_lost, int64_t now_ms);

  // The estimate: the lower of the delay-based and the loss-based rule.
  double estimate_bps() const;
  BandwidthUsage state() const { return detector_.state(); }

  // The parts, for logs and GET /rooms/:id/media.
  double delay_based_bps() const { return delay_bps_; }
  double loss_based_bps() const { return loss_bps_; }
  double acked_bps() const { return acked_.bps(); }
  // Whether the estimate rests on feedback yet: false until half a second of
  // arrivals is known, while it is still the configured start value.
  bool measured() const { return measured_; }
  double trend() const { return trend_; }
  double threshold() const { return detector_.threshold(); }

 private:
  enum class RateState { Hold, Increase, Decrease };
  void update_rate(BandwidthUsage usage, int64_t now_ms);
  void increase(int64_t now_ms);
  void decrease();
  bool near_capacity() const;
  double capacity_deviation_bps() const;
  double clamp(double bps) const;

  BandwidthEstimatorConfig config_;
  ArrivalGroups groups_;
  Trendline trendline_;
  OveruseDetector detector_;
  AckedRate acked_;
  double trend_ = 0;
  int64_t last_sequence_ = -1;
  bool measured_ = false;

  RateState rate_state_ = RateState::Hold;
  double delay_bps_;
  int64_t last_change_ms_ = -1;
  double capacity_bps_ = -1;        // the acknowledged rate at the last overuses (-1: unknown)
  double capacity_variance_ = 0.4;  // normalised, as in GCC's link capacity estimate

  double loss_bps_;
  int64_t last_loss_decrease_ms_ = -1;
};

}  // namespace convene::media
