// The delay- and loss-based bandwidth estimator: its parts with tables, the
// whole on simulated links (a sender forwarding 30 frames a second through a
// bottleneck that queues, never drops), and on transport-cc feedback recorded
// from real runs of the SFU (tests/unit/data/twcc-*.csv).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "media/bandwidth_estimator.h"

using namespace convene::media;

namespace {

// A sender and the path to one receiver, with the receiver's feedback every
// 100 ms. The path queues what exceeds its capacity (delays, never drops).
class SimulatedLink {
 public:
  explicit SimulatedLink(BandwidthEstimator& estimator) : estimator_(estimator) {}

  double capacity_bps = 0;        // 0: unlimited
  int64_t propagation_us = 20'000;
  int64_t jitter_us = 0;          // added to every other frame's arrivals
  double loss = 0;                // share of packets the feedback reports lost

  // Sends `send_bps` for `seconds`; returns the estimate after each feedback.
  std::vector<double> run(double send_bps, double seconds) {
    std::vector<double> estimates;
    const int64_t end_us = now_us_ + static_cast<int64_t>(seconds * 1e6);
    const int64_t frame_us = 1'000'000 / 30;
    while (now_us_ < end_us) {
      // One frame, split into packets of at most 1200 bytes, sent back to back.
      const double frame_bytes = send_bps / 8 / 30;
      const int packets = std::max(1, static_cast<int>(std::ceil(frame_bytes / 1200)));
      for (int i = 0; i < packets; ++i) {
        PacketFeedback p;
        p.sequence = next_sequence_++;
        p.send_time_us = now_us_ + i * 100;
        p.size_bytes = static_cast<size_t>(frame_bytes / packets);
        int64_t departure = p.send_time_us;
        if (capacity_bps > 0) {
          departure = std::max(departure, link_free_us_) +
                      static_cast<int64_t>(static_cast<double>(p.size_bytes) * 8 * 1e6 / capacity_bps);
          link_free_us_ = departure;
        }
        p.arrival_time_us = departure + propagation_us + ((frames_ % 2) ? jitter_us : 0);
        lost_budget_ += loss;
        if (lost_budget_ >= 1) {
          lost_budget_ -= 1;
          p.lost = true;
        }
        in_flight_.push_back(p);
      }
      ++frames_;
      now_us_ += frame_us;
      if (now_us_ >= next_feedback_us_) {
        next_feedback_us_ += 100'000;
        std::vector<PacketFeedback> report;
        while (!in_flight_.empty() && in_flight_.front().arrival_time_us <= now_us_) {
          report.push_back(in_flight_.front());
          in_flight_.erase(in_flight_.begin());
        }
        estimator_.on_feedback(report, now_us_ / 1000);
        estimates.push_back(estimator_.estimate_bps());
        usages.push_back(estimator_.state());
      }
    }
    return estimates;
  }

  // Queueing delay the next packet would see now.
  double queue_ms() const { return std::max<int64_t>(0, link_free_us_ - now_us_) / 1000.0; }
  int64_t now_ms() const { return now_us_ / 1000; }
  std::vector<BandwidthUsage> usages;

 private:
  BandwidthEstimator& estimator_;
  int64_t now_us_ = 1'000'000;
  int64_t next_feedback_us_ = 1'100'000;
  int64_t next_sequence_ = 0;
  int64_t link_free_us_ = 0;
  int64_t frames_ = 0;
  double lost_budget_ = 0;
  std::vector<PacketFeedback> in_flight_;  // in arrival order (the link is FIFO)
};

bool saw(const std::vector<BandwidthUsage>& usages, BandwidthUsage usage) {
  return std::find(usages.begin(), usages.end(), usage) != usages.end();
}

// One recorded run (tests/unit/data/twcc-*.csv) replayed feedback by
// feedback, as CongestionFeedback fed it: what the estimator said after each.
struct Replayed {
  int64_t now_ms;
  double estimate_bps, acked_bps;
  BandwidthUsage usage;
};

std::vector<Replayed> replay(const std::string& name, BandwidthEstimator& estimator) {
  const char* root = std::getenv("CONVENE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/unit/data/" + name);
  std::vector<Replayed> out;
  std::vector<PacketFeedback> batch;
  int64_t batch_ms = -1;
  auto flush = [&] {
    if (batch_ms < 0) return;
    estimator.on_feedback(batch, batch_ms);
    out.push_back({batch_ms, estimator.estimate_bps(), estimator.acked_bps(), estimator.state()});
    batch.clear();
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    int64_t now_ms = 0;
    int lost = 0;
    PacketFeedback p;
    char comma;
    fields >> now_ms >> comma >> p.sequence >> comma >> p.send_time_us >> comma >> p.arrival_time_us >> comma >>
        lost >> comma >> p.size_bytes;
    p.lost = lost != 0;
    if (now_ms != batch_ms) flush();
    batch_ms = now_ms;
    batch.push_back(p);
  }
  flush();
  return out;
}

// The replayed figures from `from_ms` to `to_ms` of the record.
std::vector<Replayed> between(const std::vector<Replayed>& all, int64_t from_ms, int64_t to_ms) {
  std::vector<Replayed> out;
  for (const Replayed& r : all)
    if (r.now_ms >= from_ms && r.now_ms < to_ms) out.push_back(r);
  return out;
}

}  // namespace

// --- the parts --------------------------------------------------------------

TEST(ArrivalGroups, PacketsSentWithinFiveMillisecondsAreOneGroup) {
  ArrivalGroups groups;
  ArrivalGroups::Delta d{};
  struct Row {
    int64_t send_us, arrival_us;
    bool completes;
    double send_delta_ms, arrival_delta_ms;
  };
  const Row rows[] = {
      {0, 20'000, false, 0, 0},          // group 1
      {1'000, 21'000, false, 0, 0},      // same group (sent 1 ms later)
      {33'000, 53'000, false, 0, 0},     // group 2 starts; no previous complete pair yet
      {34'000, 56'000, false, 0, 0},
      {66'000, 86'000, true, 33, 35},    // group 3 starts: group 2 vs group 1 (last packets)
      {100'000, 125'000, true, 32, 30},  // group 4 starts: group 3 vs group 2
  };
  int i = 0;
  for (const Row& r : rows) {
    const bool completes = groups.add(r.send_us, r.arrival_us, &d);
    EXPECT_EQ(completes, r.completes) << "row " << i;
    if (completes) {
      EXPECT_DOUBLE_EQ(d.send_delta_ms, r.send_delta_ms) << "row " << i;
      EXPECT_DOUBLE_EQ(d.arrival_delta_ms, r.arrival_delta_ms) << "row " << i;
    }
    ++i;
  }
}

TEST(ArrivalGroups, AQueueDrainingInABurstJoinsTheGroup) {
  ArrivalGroups groups;
  ArrivalGroups::Delta d{};
  EXPECT_FALSE(groups.add(0, 50'000, &d));
  // Sent 10 ms later but arriving 1 ms after the last one (both waited in a
  // queue): the same group.
  EXPECT_FALSE(groups.add(10'000, 51'000, &d));
  EXPECT_FALSE(groups.add(40'000, 80'000, &d));
  // The second group is measured against the burst's last packet (10 ms, 51 ms).
  EXPECT_TRUE(groups.add(80'000, 120'000, &d));
  EXPECT_DOUBLE_EQ(d.send_delta_ms, 30);
  EXPECT_DOUBLE_EQ(d.arrival_delta_ms, 29);
}

TEST(ArrivalGroups, ArrivalsGoingBackwardsStartOver) {
  ArrivalGroups groups;
  ArrivalGroups::Delta d{};
  groups.add(0, 20'000, &d);
  groups.add(33'000, 53'000, &d);
  EXPECT_FALSE(groups.add(66'000, 10'000, &d));  // the receiver's clock went back
  EXPECT_FALSE(groups.add(99'000, 43'000, &d));
  EXPECT_TRUE(groups.add(132'000, 76'000, &d));
  EXPECT_DOUBLE_EQ(d.arrival_delta_ms, 33);
}

TEST(Trendline, FlatForAConstantDelayAndRisingForAGrowingOne) {
  Trendline flat, growing;
  double flat_trend = 0, growing_trend = 0;
  for (int i = 0; i < 40; ++i) {
    flat_trend = flat.update(0, i * 33);
    growing_trend = growing.update(2, i * 33);  // each group 2 ms later than the one before
  }
  EXPECT_DOUBLE_EQ(flat_trend, 0);
  // A slope of about 2/33 ms per ms, scaled by min(groups, 60) × 4.
  EXPECT_GT(growing_trend, 2.0 / 33 * 40 * 4 * 0.5);
  EXPECT_LT(growing_trend, 2.0 / 33 * 40 * 4 * 1.1);
}

TEST(OveruseDetector, NeedsATrendAboveTheThresholdForMoreThanTenMilliseconds) {
  OveruseDetector detector;
  struct Row {
    double trend;
    BandwidthUsage expected;
  };
  const Row rows[] = {
      {0, BandwidthUsage::Normal},
      {20, BandwidthUsage::Normal},      // above 12.5, but only half a group long
      {22, BandwidthUsage::Overusing},   // longer than 10 ms, twice, and not falling
      {25, BandwidthUsage::Overusing},
      {3, BandwidthUsage::Normal},
      {-20, BandwidthUsage::Underusing},
      {0, BandwidthUsage::Normal},
  };
  int64_t t = 0;
  int i = 0;
  for (const Row& r : rows) {
    EXPECT_EQ(detector.detect(r.trend, 33, 10, t += 33), r.expected) << "row " << i++;
  }
}

TEST(OveruseDetector, TheThresholdAdaptsToOrdinaryJitterButNotToSpikes) {
  OveruseDetector detector;
  int64_t t = 0;
  for (int i = 0; i < 300; ++i) detector.detect(i % 2 ? 9 : -9, 33, 60, t += 33);  // steady jitter just under 12.5
  EXPECT_LT(detector.threshold(), OveruseDetector::kInitialThresholdMs);
  EXPECT_GT(detector.threshold(), 8.5);
  const double before = detector.threshold();
  detector.detect(200, 33, 60, t += 33);  // a spike far above: ignored by the adaptation
  EXPECT_DOUBLE_EQ(detector.threshold(), before);
  for (int i = 0; i < 300; ++i) detector.detect(i % 2 ? 20 : -20, 33, 60, t += 33);  // a jittery path
  EXPECT_GT(detector.threshold(), 18);
}

TEST(AckedRate, BytesOverTheLastSecondOfArrivals) {
  AckedRate rate;
  rate.add(0, 1000);
  rate.add(400'000, 1000);
  EXPECT_EQ(rate.bps(), 0);  // under half a second: unknown
  for (int i = 1; i <= 30; ++i) rate.add(400'000 + i * 100'000, 12'500);  // 1 Mbps
  EXPECT_NEAR(rate.bps(), 1'000'000, 20'000);
}

// --- the estimator on simulated links ----------------------------------------

TEST(BandwidthEstimator, ASteadyLosslessStreamClimbsToTheCeilingAndHolds) {
  BandwidthEstimatorConfig config;
  config.start_bps = 300'000;
  BandwidthEstimator estimator(config);
  SimulatedLink link(estimator);
  link.jitter_us = 1'000;  // a millisecond of jitter every other frame
  const std::vector<double> estimates = link.run(500'000, 40);
  const double ceiling = 1.5 * 500'000 + config.probe_headroom_bps;
  EXPECT_FALSE(saw(link.usages, BandwidthUsage::Overusing));
  EXPECT_GT(estimates[50], 300'000);  // climbing after 5 s
  // Held near the ceiling over the last 10 s.
  for (size_t i = estimates.size() - 100; i < estimates.size(); ++i)
    ASSERT_NEAR(estimates[i], ceiling, ceiling * 0.05) << "feedback " << i;
}

// The start value is a guess: a link that already carries more is not judged
// by it once feedback has measured the link (layers would be lowered for
// nothing), and nobody reads it as measured before.
TEST(BandwidthEstimator, TheStartValueGivesWayToWhatTheLinkCarries) {
  BandwidthEstimator estimator;  // starts at 1 Mbps
  EXPECT_FALSE(estimator.measured());
  SimulatedLink link(estimator);
  link.run(1'600'000, 0.2);
  EXPECT_FALSE(estimator.measured()) << "a fifth of a second of arrivals measures nothing yet";
  EXPECT_DOUBLE_EQ(estimator.estimate_bps(), 1'000'000);
  link.run(1'600'000, 0.8);
  ASSERT_TRUE(estimator.measured());
  EXPECT_GE(estimator.estimate_bps(), 1'600'000) << "acknowledged " << estimator.acked_bps();
  EXPECT_FALSE(saw(link.usages, BandwidthUsage::Overusing));
}

TEST(BandwidthEstimator, AGrowingQueueIsOveruseAndTheEstimateFallsBelowTheBottleneck) {
  BandwidthEstimator estimator;  // starts at 1 Mbps
  SimulatedLink link(estimator);
  link.run(800'000, 10);  // unconstrained: no overuse
  EXPECT_FALSE(saw(link.usages, BandwidthUsage::Overusing));
  EXPECT_GT(estimator.estimate_bps(), 1'000'000);
  link.capacity_bps = 500'000;  // a bottleneck: the queue grows by 300 kbps
  link.usages.clear();
  link.run(800'000, 5);
  EXPECT_TRUE(saw(link.usages, BandwidthUsage::Overusing));
  EXPECT_LT(estimator.estimate_bps(), 500'000);
  EXPECT_GT(estimator.estimate_bps(), 300'000);  // about 0.85 × what arrives
  EXPECT_GT(link.queue_ms(), 500);              // nothing was lost: delay only
}

TEST(BandwidthEstimator, LossAboveTenPercentLowersTheEstimateAndCleanReportsRaiseIt) {
  BandwidthEstimator estimator;
  struct Row {
    double loss;
    double expected_bps;
  };
  // Starting at 1 Mbps: > 10 % lost takes half the loss off, 2-10 % holds,
  // < 2 % grows 8 % + 1 kbps a report (the delay-based estimate, 1 Mbps
  // without feedback, stays the upper bound).
  const Row rows[] = {{0.20, 900'000}, {0.20, 810'000}, {0.50, 607'500}, {0.05, 607'500},
                      {0.00, 657'100}, {0.01, 710'668}, {0.00, 768'521}};
  int64_t now = 0;
  int i = 0;
  for (const Row& r : rows) {
    estimator.on_loss_report(r.loss, now += 1000);
    EXPECT_NEAR(estimator.estimate_bps(), r.expected_bps, 1) << "row " << i++;
  }
}

TEST(BandwidthEstimator, LossDecreasesAtMostEveryThreeHundredMilliseconds) {
  BandwidthEstimator estimator;
  estimator.on_loss_report(0.2, 1000);
  estimator.on_loss_report(0.2, 1100);
  EXPECT_NEAR(estimator.estimate_bps(), 900'000, 1);
  estimator.on_loss_report(0.2, 1300);
  EXPECT_NEAR(estimator.estimate_bps(), 810'000, 1);
}

TEST(BandwidthEstimator, RecoversWhenTheBottleneckGoes) {
  BandwidthEstimator estimator;
  SimulatedLink link(estimator);
  link.run(800'000, 5);
  link.capacity_bps = 500'000;
  link.run(800'000, 5);
  const double congested = estimator.estimate_bps();
  EXPECT_LT(congested, 500'000);
  link.capacity_bps = 0;  // what is queued drains; then no delay builds up
  link.run(800'000, 5);
  link.usages.clear();
  const std::vector<double> estimates = link.run(800'000, 25);
  EXPECT_FALSE(saw(link.usages, BandwidthUsage::Overusing));
  EXPECT_GT(estimates[50], congested);  // climbing within 10 s
  EXPECT_GT(estimator.estimate_bps(), 1'000'000);
}

TEST(BandwidthEstimator, DuplicatesAndLostPacketsDoNotCountAsArrivals) {
  BandwidthEstimator estimator;
  std::vector<PacketFeedback> feedback;
  for (int i = 0; i < 20; ++i) feedback.push_back({i, i * 33'000, 20'000 + i * 33'000, false, 1000});
  estimator.on_feedback(feedback, 1000);
  const double acked = estimator.acked_bps();
  EXPECT_GT(acked, 0);
  estimator.on_feedback(feedback, 1100);  // the same packets again
  EXPECT_DOUBLE_EQ(estimator.acked_bps(), acked);
  std::vector<PacketFeedback> lost;
  for (int i = 20; i < 40; ++i) lost.push_back({i, i * 33'000, 0, true, 1000});
  estimator.on_feedback(lost, 1200);
  EXPECT_DOUBLE_EQ(estimator.acked_bps(), acked);
}

TEST(BandwidthEstimator, NeverBelowTheMinimumNorAboveTheMaximum) {
  BandwidthEstimatorConfig config;
  config.min_bps = 100'000;
  config.max_bps = 2'000'000;
  BandwidthEstimator estimator(config);
  for (int i = 0; i < 50; ++i) estimator.on_loss_report(0.9, i * 1000);
  EXPECT_DOUBLE_EQ(estimator.estimate_bps(), 100'000);
  SimulatedLink link(estimator);
  for (int i = 0; i < 100; ++i) estimator.on_loss_report(0, i * 1000);
  link.run(3'000'000, 30);
  EXPECT_DOUBLE_EQ(estimator.estimate_bps(), 2'000'000);
}

// --- the estimator on feedback recorded from real runs -----------------------

TEST(BandwidthEstimatorRecorded, ALosslessLinkClimbsToTheCeilingAndHolds) {
  BandwidthEstimator estimator;
  const std::vector<Replayed> run = replay("twcc-lossless.csv", estimator);
  ASSERT_GT(run.size(), 100u) << "the record is there (CONVENE_SOURCE_DIR)";
  double previous = 0, highest_ceiling = 0;
  for (const Replayed& r : run) {
    EXPECT_NE(r.usage, BandwidthUsage::Overusing) << "at " << r.now_ms << " ms";
    EXPECT_GE(r.estimate_bps, previous * 0.99) << "never lowered, at " << r.now_ms << " ms";
    previous = r.estimate_bps;
    // 1.5 × what arrives + the probing headroom; what arrives varies (key frames).
    const double ceiling = 1.5 * r.acked_bps + BandwidthEstimatorConfig{}.probe_headroom_bps;
    highest_ceiling = std::max(highest_ceiling, ceiling);
    EXPECT_LE(r.estimate_bps, std::max(highest_ceiling, BandwidthEstimatorConfig{}.start_bps) * 1.01)
        << "at " << r.now_ms << " ms";
    if (r.now_ms >= 18'000) {
      EXPECT_GE(r.estimate_bps, ceiling * 0.95) << "held at the ceiling, at " << r.now_ms << " ms";
    }
  }
  std::printf("lossless record: estimate %.0f kbps after %.0f s, %.0f kbps arriving\n", run.back().estimate_bps / 1000,
              run.back().now_ms / 1000.0, run.back().acked_bps / 1000);
}

TEST(BandwidthEstimatorRecorded, ADelayOnlyBottleneckIsOveruseAndTheEstimateRecoversAfterIt) {
  BandwidthEstimator estimator;
  const std::vector<Replayed> run = replay("twcc-bottleneck.csv", estimator);
  ASSERT_GT(run.size(), 100u) << "the record is there (CONVENE_SOURCE_DIR)";
  std::vector<BandwidthUsage> usages;
  for (const Replayed& r : between(run, 1'000, 5'000)) usages.push_back(r.usage);
  EXPECT_TRUE(saw(usages, BandwidthUsage::Overusing)) << "the queue behind 300 kbps is seen within seconds";
  double lowest = 1e12;
  for (const Replayed& r : between(run, 4'000, 13'000)) {
    EXPECT_LT(r.estimate_bps, 300'000) << "under the link's 300 kbps, at " << r.now_ms << " ms";
    lowest = std::min(lowest, r.estimate_bps);
  }
  EXPECT_GT(lowest, 100'000) << "about 0.85 × what still arrives, not the floor";
  // The limit lifted: the queue empties at once, then the estimate climbs again.
  usages.clear();
  for (const Replayed& r : between(run, 16'000, 30'000)) usages.push_back(r.usage);
  EXPECT_FALSE(saw(usages, BandwidthUsage::Overusing));
  EXPECT_GT(run.back().estimate_bps, 2 * lowest);
  std::printf("bottleneck record: lowest %.0f kbps behind 300 kbps, %.0f kbps %.0f s after the limit went\n",
              lowest / 1000, run.back().estimate_bps / 1000, (run.back().now_ms - 13'000) / 1000.0);
}
