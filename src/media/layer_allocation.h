// Which spatial layer (q 320x180, h 640x360, f 1280x720) each video track a
// subscriber receives should carry. Three inputs decide, in this order:
//  1. what the viewer asked for (track-settings: the smallest layer whose
//     nominal size covers the tile; nothing for an invisible tile),
//  2. what its network takes without loss (the loss ladder below: lower the
//     spatial layer first, then the temporal layers of the smallest one),
//  3. the subscriber's bandwidth estimate: while the sum does not fit, other
//     cameras go down first, then the active speaker, screen share last.
// Layers a publication does not have are replaced by the nearest it has.
// GStreamer-free, so it is tested with tables (tests/unit/layer_allocation_test.cpp).
//
// Threads: main loop only (the subscriber's quality timer and track-settings).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace convene::media {

constexpr int kSpatialLayers = 3;  // 0 = q, 1 = h, 2 = f
constexpr int kDefaultSpatialLayer = 1;  // "h" until a track-settings arrives

// "q" | "h" | "f" for 0..2; "" otherwise.
const char* spatial_layer_name(int layer);
// 0..2 for "q" | "h" | "f"; nullopt otherwise.
std::optional<int> spatial_layer_index(const std::string& name);
// The smallest layer whose nominal size covers width x height (f when none does).
int spatial_layer_for_size(int width, int height);
// The layer of `present` (bit i = layer i exists) nearest to `layer`, the
// lower one on a tie; -1 when `present` is empty.
int nearest_present_layer(int layer, unsigned present);
// What a layer usually costs, before it has been measured (bps).
double nominal_layer_bps(int layer);

enum class TrackRole { Camera, ActiveSpeaker, Screen };

struct LayerAllocationInput {
  TrackRole role = TrackRole::Camera;
  bool visible = true;
  int wanted = kDefaultSpatialLayer;  // from the viewer's track-settings
  int cap = kSpatialLayers - 1;       // the highest the loss ladder allows
  unsigned present = 0b111;           // the publication's layers
  std::array<double, kSpatialLayers> bps{};  // measured cost of each layer (0: not known, nominal used)
};

// One layer per input: -1 = forward nothing (invisible, or no layer at all).
// `estimate_bps` <= 0: no estimate yet, nothing is lowered for bandwidth.
std::vector<int> allocate_layers(const std::vector<LayerAllocationInput>& tracks, double estimate_bps);

// The loss rule over one layered track, as LossLayerCap for temporal layers:
// a report with more than 10 % lost is one step down, three under 2 % one
// step up. The steps, from the top: f, h, q at every temporal layer, then q
// with fewer temporal layers, down to q's base layer (a weak link gets 30 fps
// of q before it gets 7.5 fps of anything larger).
class LossLadder {
 public:
  struct Step {
    int spatial_cap;   // 0..2
    int temporal_cap;  // 0..temporal_top
  };
  static constexpr double kHighLoss = 0.10;
  static constexpr double kLowLoss = 0.02;
  static constexpr int kCleanReportsToClimb = 3;

  // `temporal_top`: the highest temporal layer the publisher sends.
  Step on_report(double fraction_lost, int temporal_top);
  Step step(int temporal_top) const;
  void reset() { *this = LossLadder{}; }

 private:
  int down_ = 0;  // steps below the top (counted from the top: the publisher's temporal layers may change)
  int clean_reports_ = 0;
};

}  // namespace convene::media
