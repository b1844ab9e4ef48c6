// Spatial layer choice per subscriber, table by table.
#include <gtest/gtest.h>

#include "media/layer_allocation.h"

using namespace convene::media;

TEST(LayerAllocation, NamesAndSizes) {
  EXPECT_STREQ(spatial_layer_name(0), "q");
  EXPECT_STREQ(spatial_layer_name(2), "f");
  EXPECT_STREQ(spatial_layer_name(3), "");
  EXPECT_EQ(spatial_layer_index("h"), 1);
  EXPECT_EQ(spatial_layer_index("x"), std::nullopt);
  struct Row {
    int width, height, layer;
  };
  const Row rows[] = {{0, 0, 0},      {160, 90, 0},   {320, 180, 0},  {321, 180, 1},  {320, 181, 1},
                      {640, 360, 1},  {641, 200, 2},  {1280, 720, 2}, {1920, 1080, 2}, {200, 400, 2}};
  for (const Row& r : rows) EXPECT_EQ(spatial_layer_for_size(r.width, r.height), r.layer) << r.width << "x" << r.height;
}

TEST(LayerAllocation, NearestPresentLayer) {
  struct Row {
    int layer;
    unsigned present;
    int expected;
  };
  const Row rows[] = {{0, 0b111, 0}, {2, 0b111, 2}, {2, 0b011, 1}, {0, 0b110, 1},
                      {1, 0b101, 0},  // a tie keeps the lower
                      {2, 0b001, 0}, {1, 0b000, -1}};
  for (const Row& r : rows) EXPECT_EQ(nearest_present_layer(r.layer, r.present), r.expected) << r.layer << "/" << r.present;
}

namespace {
LayerAllocationInput track(TrackRole role, int wanted, bool visible = true, unsigned present = 0b111, int cap = 2) {
  LayerAllocationInput t;
  t.role = role;
  t.wanted = wanted;
  t.visible = visible;
  t.present = present;
  t.cap = cap;
  return t;
}
}  // namespace

TEST(LayerAllocation, WhatTheViewerAskedForWithoutAnEstimate) {
  const std::vector<LayerAllocationInput> tracks = {
      track(TrackRole::Camera, 0), track(TrackRole::Camera, 2), track(TrackRole::Camera, 2, false),
      track(TrackRole::Camera, 2, true, 0b011), track(TrackRole::Camera, 2, true, 0b111, 0),
      track(TrackRole::Camera, 1, true, 0b000)};
  const std::vector<int> expected = {0, 2, -1, 1, 0, -1};
  EXPECT_EQ(allocate_layers(tracks, 0), expected);
}

TEST(LayerAllocation, ShortEstimateLowersCamerasThenSpeakerThenScreen) {
  // Nominal costs: q 100k, h 300k, f 900k.
  std::vector<LayerAllocationInput> tracks = {track(TrackRole::Camera, 2), track(TrackRole::ActiveSpeaker, 2),
                                              track(TrackRole::Screen, 2), track(TrackRole::Camera, 1)};
  struct Row {
    double estimate;
    std::vector<int> expected;
  };
  const Row rows[] = {
      {0, {2, 2, 2, 1}},        // no estimate: as asked (3000k)
      {5000000, {2, 2, 2, 1}},  // fits
      {2500000, {1, 2, 2, 1}},  // the largest other camera goes first
      {2300000, {0, 2, 2, 1}},  // then the largest again (a tie: the first)
      {2100000, {0, 2, 2, 0}},  // cameras down to q
      {1500000, {0, 1, 2, 0}},  // then the speaker
      {1200000, {0, 0, 2, 0}},
      {900000, {0, 0, 1, 0}},   // the screen last
      {100000, {0, 0, 0, 0}},   // never below q: the temporal rule thins further
  };
  for (const Row& r : rows) EXPECT_EQ(allocate_layers(tracks, r.estimate), r.expected) << r.estimate;
}

TEST(LayerAllocation, MeasuredRatesCountOverNominal) {
  std::vector<LayerAllocationInput> tracks = {track(TrackRole::Camera, 2), track(TrackRole::Camera, 2)};
  tracks[0].bps = {50000, 150000, 400000};
  tracks[1].bps = {50000, 150000, 400000};
  EXPECT_EQ(allocate_layers(tracks, 850000), (std::vector<int>{2, 2}));
  EXPECT_EQ(allocate_layers(tracks, 600000), (std::vector<int>{1, 2}));
  // Invisible tiles cost nothing.
  tracks[1].visible = false;
  EXPECT_EQ(allocate_layers(tracks, 450000), (std::vector<int>{2, -1}));
}

TEST(LossLadder, SpatialFirstThenTemporalAndBack) {
  LossLadder ladder;
  struct Row {
    double loss;
    int spatial, temporal;
  };
  // A publisher with temporal layers 0..2: rungs q/t0 q/t1 q/t2 h/t2 f/t2.
  const Row rows[] = {{0.00, 2, 2}, {0.30, 1, 2}, {0.30, 0, 2}, {0.30, 0, 1}, {0.30, 0, 0}, {0.30, 0, 0},
                      {0.05, 0, 0}, {0.00, 0, 0}, {0.00, 0, 0}, {0.00, 0, 1},  // three clean reports a step
                      {0.00, 0, 1}, {0.00, 0, 1}, {0.00, 0, 2}, {0.00, 0, 2}, {0.00, 0, 2}, {0.00, 1, 2},
                      {0.00, 1, 2}, {0.00, 1, 2}, {0.00, 2, 2}, {0.00, 2, 2}};
  int i = 0;
  for (const Row& r : rows) {
    LossLadder::Step s = ladder.on_report(r.loss, 2);
    EXPECT_EQ(s.spatial_cap, r.spatial) << "row " << i;
    EXPECT_EQ(s.temporal_cap, r.temporal) << "row " << i++;
  }
}

TEST(LossLadder, StartsAtTheTopWhateverTheTemporalLayers) {
  LossLadder ladder;
  EXPECT_EQ(ladder.step(0).spatial_cap, 2);
  EXPECT_EQ(ladder.on_report(0.0, 0).temporal_cap, 0);
  EXPECT_EQ(ladder.on_report(0.5, 0).spatial_cap, 1);
  EXPECT_EQ(ladder.on_report(0.5, 3).spatial_cap, 0);  // two steps down, now with more temporal layers
  EXPECT_EQ(ladder.step(3).temporal_cap, 3);
  EXPECT_EQ(ladder.step(0).spatial_cap, 0);
}
