// Per-subscriber layer choice, table by table.
#include <gtest/gtest.h>

#include "media/layer_policy.h"

using namespace convene::media;

TEST(LossLayerCap, StepsDownOnHeavyLossAndClimbsAfterCleanReports) {
  LossLayerCap cap;
  struct Row {
    double loss;
    int expected;
  };
  // A track with layers 0..2.
  const Row rows[] = {{0.00, 2}, {0.25, 1}, {0.30, 0}, {0.40, 0},  // down, and never below the base
                      {0.05, 0}, {0.01, 0}, {0.01, 0}, {0.01, 1},  // in between holds; three clean climb one
                      {0.15, 0}, {0.00, 0}, {0.00, 0}, {0.00, 1}, {0.00, 1}, {0.00, 1}, {0.00, 2}, {0.00, 2}};
  int i = 0;
  for (const Row& r : rows) EXPECT_EQ(cap.on_report(r.loss, 2), r.expected) << "row " << i++;
}

TEST(LossLayerCap, NeverAboveWhatTheTrackHas) {
  LossLayerCap cap;
  EXPECT_EQ(cap.on_report(0.0, 0), 0);  // a stream without layers
  EXPECT_EQ(cap.on_report(0.5, 0), 0);
}

TEST(LayerRateMeter, CumulativeRatesFromByteCounters) {
  LayerRateMeter m;
  m.update({0, 0, 0, 0}, 0);
  m.update({50000, 25000, 50000, 0}, 1000);  // 400, 200, 400 kbps
  EXPECT_DOUBLE_EQ(m.rates().bps[0], 400000);
  EXPECT_DOUBLE_EQ(m.rates().bps[1], 600000);
  EXPECT_DOUBLE_EQ(m.rates().bps[2], 1000000);
  EXPECT_EQ(m.rates().top, 2);
  m.update({150000, 25000, 50000, 0}, 2000);  // layer 0 jumps (a key frame): smoothed, not followed
  EXPECT_GT(m.rates().bps[0], 400000);
  EXPECT_LT(m.rates().bps[0], 800000);
}
