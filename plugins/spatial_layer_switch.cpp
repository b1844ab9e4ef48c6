#include "spatial_layer_switch.h"

namespace convene::rtp {

void SpatialLayerSwitch::set_target(int layer) {
  target_ = layer < 0 ? 0 : (layer >= kMaxLayers ? kMaxLayers - 1 : layer);
}

void SpatialLayerSwitch::set_paused(bool paused) {
  if (paused) current_ = kNone;  // what comes after a pause starts at a keyframe
  paused_ = paused;
}

void SpatialLayerSwitch::add_layer(int layer) {
  if (valid(layer)) present_[static_cast<std::size_t>(layer)] = true;
}

void SpatialLayerSwitch::remove_layer(int layer) {
  if (!valid(layer)) return;
  present_[static_cast<std::size_t>(layer)] = false;
  if (current_ == layer) current_ = kNone;
}

int SpatialLayerSwitch::wanted() const {
  if (has_layer(target_)) return target_;
  for (int distance = 1; distance < kMaxLayers; ++distance) {
    if (has_layer(target_ - distance)) return target_ - distance;
    if (has_layer(target_ + distance)) return target_ + distance;
  }
  return kNone;
}

int SpatialLayerSwitch::awaited() const {
  if (paused_) return kNone;
  const int want = wanted();
  return want == current_ ? kNone : want;
}

bool SpatialLayerSwitch::candidate(int layer) const {
  if (paused_ || !has_layer(layer)) return false;
  return layer == current_ || layer == awaited();
}

SpatialLayerSwitch::Decision SpatialLayerSwitch::on_packet(int layer, bool keyframe) {
  Decision d;
  if (!candidate(layer)) return d;
  if (layer == current_) {
    d.forward = true;  // the current layer flows until the switch happens
    return d;
  }
  // The awaited layer: it takes over at its keyframe.
  if (!keyframe) return d;
  if (last_forwarded_ != kNone && last_forwarded_ != layer) ++switches_;
  current_ = layer;
  last_forwarded_ = layer;
  d.forward = true;
  d.starts = true;
  return d;
}

}  // namespace convene::rtp
