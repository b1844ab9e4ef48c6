#include "media/layer_allocation.h"

#include <algorithm>
#include <cstdlib>

namespace convene::media {

namespace {

struct NominalLayer {
  const char* name;
  int width, height;
  double bps;
};
// The layers clients publish (docs/protocol.md, publish-offer).
constexpr NominalLayer kLayers[kSpatialLayers] = {
    {"q", 320, 180, 100000}, {"h", 640, 360, 300000}, {"f", 1280, 720, 900000}};

// Who gives up bandwidth first when the estimate is short.
int lowering_order(TrackRole role) {
  switch (role) {
    case TrackRole::Camera: return 0;
    case TrackRole::ActiveSpeaker: return 1;
    case TrackRole::Screen: return 2;
  }
  return 0;
}

double cost(const LayerAllocationInput& t, int layer) {
  if (layer < 0) return 0;
  return t.bps[layer] > 0 ? t.bps[layer] : nominal_layer_bps(layer);
}

// The next layer below `layer` that the track has, or -1.
int lower_present(int layer, unsigned present) {
  for (int l = layer - 1; l >= 0; --l)
    if (present & (1u << l)) return l;
  return -1;
}

}  // namespace

const char* spatial_layer_name(int layer) {
  return layer >= 0 && layer < kSpatialLayers ? kLayers[layer].name : "";
}

std::optional<int> spatial_layer_index(const std::string& name) {
  for (int i = 0; i < kSpatialLayers; ++i)
    if (name == kLayers[i].name) return i;
  return std::nullopt;
}

int spatial_layer_for_size(int width, int height) {
  for (int i = 0; i < kSpatialLayers; ++i)
    if (width <= kLayers[i].width && height <= kLayers[i].height) return i;
  return kSpatialLayers - 1;
}

int nearest_present_layer(int layer, unsigned present) {
  int best = -1;
  for (int i = 0; i < kSpatialLayers; ++i) {
    if (!(present & (1u << i))) continue;
    if (best < 0 || std::abs(i - layer) < std::abs(best - layer)) best = i;  // ties keep the lower
  }
  return best;
}

double nominal_layer_bps(int layer) { return layer >= 0 && layer < kSpatialLayers ? kLayers[layer].bps : 0; }

std::vector<int> allocate_layers(const std::vector<LayerAllocationInput>& tracks, double estimate_bps) {
  std::vector<int> layers(tracks.size(), -1);
  double total = 0;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const LayerAllocationInput& t = tracks[i];
    if (!t.visible) continue;
    // What the loss ladder allows, of what the viewer asked for; never
    // nothing for a visible tile while the track has any layer.
    const int want = std::clamp(std::min(t.wanted, t.cap), 0, kSpatialLayers - 1);
    int layer = nearest_present_layer(want, t.present);
    if (layer > want) {
      const int below = lower_present(layer, t.present);
      if (below >= 0) layer = below;  // nearest was above the cap: the one under it fits the rule
    }
    layers[i] = layer;
    total += cost(t, layer);
  }
  if (estimate_bps <= 0) return layers;
  // Short: one step down at a time, from the least important track holding
  // the largest layer, until the sum fits or nothing can go lower.
  while (total > estimate_bps) {
    int pick = -1;
    for (size_t i = 0; i < tracks.size(); ++i) {
      if (layers[i] <= 0 || lower_present(layers[i], tracks[i].present) < 0) continue;
      if (pick < 0) {
        pick = static_cast<int>(i);
        continue;
      }
      const int order = lowering_order(tracks[i].role), best = lowering_order(tracks[pick].role);
      if (order < best || (order == best && layers[i] > layers[pick])) pick = static_cast<int>(i);
    }
    if (pick < 0) break;
    const LayerAllocationInput& t = tracks[pick];
    const int lower = lower_present(layers[pick], t.present);
    total += cost(t, lower) - cost(t, layers[pick]);
    layers[pick] = lower;
  }
  return layers;
}

LossLadder::Step LossLadder::step(int temporal_top) const {
  temporal_top = std::max(0, temporal_top);
  const int rung = std::max(0, temporal_top + kSpatialLayers - 1 - down_);
  if (rung <= temporal_top) return Step{0, rung};
  return Step{rung - temporal_top, temporal_top};
}

LossLadder::Step LossLadder::on_report(double fraction_lost, int temporal_top) {
  const int bottom = std::max(0, temporal_top) + kSpatialLayers - 1;  // steps from the top to q's base layer
  down_ = std::min(down_, bottom);
  if (fraction_lost > kHighLoss) {
    down_ = std::min(bottom, down_ + 1);
    clean_reports_ = 0;
  } else if (fraction_lost < kLowLoss) {
    if (++clean_reports_ >= kCleanReportsToClimb) {
      clean_reports_ = 0;
      down_ = std::max(0, down_ - 1);
    }
  } else {
    clean_reports_ = 0;  // in between: hold
  }
  return step(temporal_top);
}

}  // namespace convene::media
