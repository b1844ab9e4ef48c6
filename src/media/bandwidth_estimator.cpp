#include "media/bandwidth_estimator.h"

#include <algorithm>
#include <cmath>

namespace convene::media {

namespace {

constexpr int64_t kBurstUs = 5'000;            // packets sent within 5 ms: one group (a frame)
constexpr int64_t kMaxBurstDurationUs = 100'000;
constexpr double kMaxDelayJumpMs = 3'000;      // more: a clock jump or a long stall, start over
constexpr double kOveruseTimeMs = 10;          // overuse must last this long to count
constexpr double kThresholdUp = 0.0087, kThresholdDown = 0.039;
constexpr double kMinThresholdMs = 6, kMaxThresholdMs = 600;
constexpr int64_t kMaxThresholdStepMs = 100;
constexpr double kBeta = 0.85;                 // a decrease: 0.85 × what was acknowledged
constexpr double kAckedCeiling = 1.5;
constexpr double kMultiplicativeIncrease = 1.08;  // a second
constexpr double kResponseTimeSec = 0.2;          // round trip (assumed 100 ms) + 100 ms
constexpr double kHighLoss = 0.10, kLowLoss = 0.02;
constexpr int64_t kLossDecreaseIntervalMs = 300;

}  // namespace

const char* to_string(BandwidthUsage usage) {
  switch (usage) {
    case BandwidthUsage::Underusing: return "underusing";
    case BandwidthUsage::Overusing: return "overusing";
    default: return "normal";
  }
}

// --- arrival groups ---------------------------------------------------------

// A packet that arrives less than 5 ms after the group's last one and sooner
// than its send time says (a queue draining) joins the group: it tells about
// the queue, not about the path.
bool ArrivalGroups::belongs_to_burst(int64_t send_us, int64_t arrival_us) const {
  const int64_t arrival_delta = arrival_us - current_.last_arrival_us;
  const int64_t send_delta = send_us - current_.last_send_us;
  if (send_delta == 0) return true;
  const int64_t propagation_delta = arrival_delta - send_delta;
  return propagation_delta < 0 && arrival_delta <= kBurstUs &&
         arrival_us - current_.first_arrival_us < kMaxBurstDurationUs;
}

bool ArrivalGroups::add(int64_t send_us, int64_t arrival_us, Delta* out) {
  if (current_.empty()) {
    current_ = Group{send_us, send_us, arrival_us, arrival_us};
    return false;
  }
  if (send_us < current_.first_send_us) return false;  // sent before the group: reordered, ignored
  if (send_us - current_.first_send_us <= kBurstUs || belongs_to_burst(send_us, arrival_us)) {
    current_.last_send_us = std::max(current_.last_send_us, send_us);
    current_.last_arrival_us = std::max(current_.last_arrival_us, arrival_us);
    return false;
  }
  bool complete = false;
  if (!previous_.empty()) {
    out->send_delta_ms = (current_.last_send_us - previous_.last_send_us) / 1000.0;
    out->arrival_delta_ms = (current_.last_arrival_us - previous_.last_arrival_us) / 1000.0;
    out->arrival_ms = current_.last_arrival_us / 1000;
    if (out->arrival_delta_ms < 0 || out->arrival_delta_ms - out->send_delta_ms > kMaxDelayJumpMs) {
      // Arrivals out of order, or the receiver's clock jumped: what was
      // accumulated no longer compares.
      reset();
      current_ = Group{send_us, send_us, arrival_us, arrival_us};
      return false;
    }
    complete = true;
  }
  previous_ = current_;
  current_ = Group{send_us, send_us, arrival_us, arrival_us};
  return complete;
}

// --- trendline --------------------------------------------------------------

double Trendline::update(double delay_variation_ms, int64_t arrival_ms) {
  if (first_arrival_ms_ < 0) first_arrival_ms_ = arrival_ms;
  groups_seen_ = std::min(groups_seen_ + 1, 1000);
  accumulated_ms_ += delay_variation_ms;
  smoothed_ms_ = kSmoothing * smoothed_ms_ + (1 - kSmoothing) * accumulated_ms_;
  points_.emplace_back(static_cast<double>(arrival_ms - first_arrival_ms_), smoothed_ms_);
  if (points_.size() > kWindow) points_.pop_front();
  if (points_.size() == kWindow) {
    double mean_x = 0, mean_y = 0;
    for (const auto& [x, y] : points_) {
      mean_x += x;
      mean_y += y;
    }
    mean_x /= kWindow;
    mean_y /= kWindow;
    double numerator = 0, denominator = 0;
    for (const auto& [x, y] : points_) {
      numerator += (x - mean_x) * (y - mean_y);
      denominator += (x - mean_x) * (x - mean_x);
    }
    if (denominator != 0) trend_ = numerator / denominator;
  }
  return std::min(groups_seen_, 60) * trend_ * kGain;
}

// --- overuse detector -------------------------------------------------------

BandwidthUsage OveruseDetector::detect(double trend, double send_delta_ms, int groups_seen, int64_t arrival_ms) {
  if (groups_seen < 2) return state_;
  if (trend > threshold_) {
    overusing_ms_ = overusing_ms_ < 0 ? send_delta_ms / 2 : overusing_ms_ + send_delta_ms;
    ++overuse_count_;
    if (overusing_ms_ > kOveruseTimeMs && overuse_count_ > 1 && trend >= previous_trend_) {
      overusing_ms_ = 0;
      overuse_count_ = 0;
      state_ = BandwidthUsage::Overusing;
    }
  } else {
    overusing_ms_ = -1;
    overuse_count_ = 0;
    state_ = trend < -threshold_ ? BandwidthUsage::Underusing : BandwidthUsage::Normal;
  }
  previous_trend_ = trend;
  adapt_threshold(trend, arrival_ms);
  return state_;
}

// The threshold follows the trend's magnitude (up slowly, down faster), but
// not a sudden spike far above it, which is what it is there to catch.
void OveruseDetector::adapt_threshold(double trend, int64_t now_ms) {
  if (last_threshold_update_ms_ < 0) last_threshold_update_ms_ = now_ms;
  const double magnitude = std::fabs(trend);
  if (magnitude > threshold_ + 15) {
    last_threshold_update_ms_ = now_ms;
    return;
  }
  const double k = magnitude < threshold_ ? kThresholdDown : kThresholdUp;
  const int64_t step_ms = std::clamp<int64_t>(now_ms - last_threshold_update_ms_, 0, kMaxThresholdStepMs);
  threshold_ = std::clamp(threshold_ + k * (magnitude - threshold_) * static_cast<double>(step_ms),
                          kMinThresholdMs, kMaxThresholdMs);
  last_threshold_update_ms_ = now_ms;
}

// --- acknowledged rate ------------------------------------------------------

void AckedRate::add(int64_t arrival_us, size_t bytes) {
  if (first_arrival_us_ < 0) first_arrival_us_ = arrival_us;
  latest_arrival_us_ = std::max(latest_arrival_us_, arrival_us);
  packets_.emplace_back(arrival_us, bytes);
  bytes_ += bytes;
  while (!packets_.empty() && packets_.front().first <= latest_arrival_us_ - kWindowUs) {
    bytes_ -= packets_.front().second;
    packets_.pop_front();
  }
}

double AckedRate::bps() const {
  const int64_t span_us = std::min(kWindowUs, latest_arrival_us_ - first_arrival_us_);
  if (first_arrival_us_ < 0 || span_us < kWindowUs / 2) return 0;
  return static_cast<double>(bytes_) * 8 * 1e6 / static_cast<double>(span_us);
}

// --- the estimator ----------------------------------------------------------

BandwidthEstimator::BandwidthEstimator(BandwidthEstimatorConfig config)
    : config_(config), delay_bps_(config.start_bps), loss_bps_(config.max_bps) {}  // no loss seen: no limit

double BandwidthEstimator::clamp(double bps) const { return std::clamp(bps, config_.min_bps, config_.max_bps); }

double BandwidthEstimator::estimate_bps() const { return clamp(std::min(delay_bps_, loss_bps_)); }

void BandwidthEstimator::on_feedback(const std::vector<PacketFeedback>& packets, int64_t now_ms) {
  for (const PacketFeedback& p : packets) {
    if (p.sequence <= last_sequence_) continue;  // reported before (1.22 repeats some)
    last_sequence_ = p.sequence;
    if (p.lost) continue;
    acked_.add(p.arrival_time_us, p.size_bytes);
    ArrivalGroups::Delta delta{};
    if (!groups_.add(p.send_time_us, p.arrival_time_us, &delta)) continue;
    trend_ = trendline_.update(delta.arrival_delta_ms - delta.send_delta_ms, delta.arrival_ms);
    detector_.detect(trend_, delta.send_delta_ms, trendline_.groups_seen(), delta.arrival_ms);
  }
  update_rate(detector_.state(), now_ms);
}

void BandwidthEstimator::update_rate(BandwidthUsage usage, int64_t now_ms) {
  switch (usage) {
    case BandwidthUsage::Normal:
      if (rate_state_ == RateState::Hold) {
        rate_state_ = RateState::Increase;
        last_change_ms_ = now_ms;
      }
      break;
    case BandwidthUsage::Overusing: rate_state_ = RateState::Decrease; break;
    case BandwidthUsage::Underusing: rate_state_ = RateState::Hold; break;
  }
  // What arrives now beyond the capacity last seen: the link got better.
  const double acked = acked_.bps();
  if (!measured_ && acked > 0) {
    // The start value is a guess. Once the receiver has shown what its link
    // carries, and no queue was seen, the estimate starts where the increase
    // rule's ceiling would soon take it (GCC likewise starts from the
    // acknowledged rate): what the link already carries is not lowered for a
    // guess made before any feedback.
    measured_ = true;
    if (capacity_bps_ < 0 && usage != BandwidthUsage::Overusing)
      delay_bps_ = clamp(std::max(delay_bps_, kAckedCeiling * acked));
  }
  if (capacity_bps_ > 0 && acked > capacity_bps_ + 3 * capacity_deviation_bps()) capacity_bps_ = -1;
  switch (rate_state_) {
    case RateState::Hold: last_change_ms_ = now_ms; break;
    case RateState::Increase: increase(now_ms); break;
    case RateState::Decrease:
      decrease();
      rate_state_ = RateState::Hold;
      last_change_ms_ = now_ms;
      break;
  }
}

double BandwidthEstimator::capacity_deviation_bps() const {
  // GCC keeps the variance normalised by the estimate in kbps.
  return std::sqrt(capacity_variance_ * capacity_bps_ / 1000) * 1000;
}

bool BandwidthEstimator::near_capacity() const { return capacity_bps_ > 0; }

void BandwidthEstimator::increase(int64_t now_ms) {
  const double acked = acked_.bps();
  const double seconds = std::clamp<int64_t>(now_ms - last_change_ms_, 0, 1000) / 1000.0;
  last_change_ms_ = now_ms;
  if (acked <= 0) return;  // nothing measured yet to grow from
  if (capacity_bps_ > 0 && delay_bps_ > capacity_bps_ + 3 * capacity_deviation_bps()) capacity_bps_ = -1;
  double increased = delay_bps_;
  if (near_capacity()) {
    // About one packet per response time: close to where queues built up
    // before, approach it slowly.
    const double bits_per_frame = delay_bps_ / 30;
    const double packets_per_frame = std::ceil(bits_per_frame / (1200 * 8));
    const double packet_bits = bits_per_frame / packets_per_frame;
    increased += std::max(4000.0, packet_bits / kResponseTimeSec) * seconds;
  } else {
    increased *= std::pow(kMultiplicativeIncrease, seconds);
  }
  // Never far above what the receiver has shown it gets, but never lowered by it either.
  const double ceiling = kAckedCeiling * acked + config_.probe_headroom_bps;
  delay_bps_ = clamp(std::max(std::min(increased, ceiling), std::min(delay_bps_, increased)));
}

void BandwidthEstimator::decrease() {
  const double acked = acked_.bps();
  double decreased = kBeta * (acked > 0 ? acked : delay_bps_);
  if (acked > 0) {
    // GCC's link capacity estimate: an average of the rates at which queues
    // built up, and how much they vary.
    if (capacity_bps_ > 0 && acked < capacity_bps_ - 3 * capacity_deviation_bps()) capacity_bps_ = -1;
    constexpr double kAlpha = 0.05;
    capacity_bps_ = capacity_bps_ < 0 ? acked : (1 - kAlpha) * capacity_bps_ + kAlpha * acked;
    const double error_kbps = (capacity_bps_ - acked) / 1000;
    capacity_variance_ = std::clamp(
        (1 - kAlpha) * capacity_variance_ + kAlpha * error_kbps * error_kbps / std::max(capacity_bps_ / 1000, 1.0),
        0.4, 2.5);
  }
  if (decreased < delay_bps_) delay_bps_ = clamp(decreased);
}

void BandwidthEstimator::on_loss_report(double fraction_lost, int64_t now_ms) {
  if (fraction_lost > kHighLoss) {
    if (last_loss_decrease_ms_ < 0 || now_ms - last_loss_decrease_ms_ >= kLossDecreaseIntervalMs) {
      loss_bps_ = clamp(estimate_bps() * (1 - 0.5 * fraction_lost));
      last_loss_decrease_ms_ = now_ms;
    }
  } else if (fraction_lost < kLowLoss) {
    // Grows from itself; only the lower of the two rules counts, so a loss
    // estimate above the delay-based one does no harm.
    loss_bps_ = clamp(loss_bps_ * kMultiplicativeIncrease + 1000);
  }
}

}  // namespace convene::media
