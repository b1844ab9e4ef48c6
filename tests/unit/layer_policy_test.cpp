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

TEST(AllocateLayers, BaseLayersFirstThenOneLayerEachInTurn) {
  LayerRates camera{{300e3, 450e3, 750e3, 750e3}, 2};
  LayerRates screen{{500e3, 750e3, 1250e3, 1250e3}, 2};
  LayerRates plain{{600e3, 600e3, 600e3, 600e3}, 0};  // no layers (or H.264)
  struct Row {
    double budget;
    std::vector<LayerRates> tracks;
    std::vector<int> expected;
  };
  const Row rows[] = {
      {0, {camera, screen}, {3, 3}},               // no estimate: no limit
      {200e3, {camera, screen}, {0, 0}},           // too little even for the bases: bases still go
      {1000e3, {camera, screen}, {1, 0}},          // 800 for the bases, 150 more for the camera
      {1300e3, {camera, screen}, {1, 1}},          // 800 + 150 + 250
      {2000e3, {camera, screen}, {2, 2}},          // everything (1250 + 750)
      {1700e3, {camera, screen}, {2, 1}},          // layer 2 of the screen (500 more) does not fit
      {1100e3, {plain, camera}, {0, 1}},           // a stream without layers is only ever 0
  };
  int i = 0;
  for (const Row& r : rows) EXPECT_EQ(allocate_layers(r.budget, r.tracks), r.expected) << "row " << i++;
}
