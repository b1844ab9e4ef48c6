// Which spatial layer of a camera one subscriber receives, and when it
// changes: the decision core of convenertpforward's layer pads, free of
// GStreamer so it can be tested with tables.
//
// A publisher sends the same camera as up to three independent streams
// (q 320x180, h 640x360, f 1280x720), each on its own SSRC with its own
// keyframes. The subscriber sees one stream: the forwarder passes the
// packets of one layer (`current`) and drops the others. A new layer can
// only start at one of its keyframes (nothing before it decodes), so a
// switch to the target is decided at the target's keyframe; until then the
// current layer keeps flowing, and the forwarder asks upstream for that
// keyframe (`awaited()`). When nothing can flow (at start, after a pause,
// after the current layer went away) the subscriber waits for the target's
// keyframe with nothing. A target with no layer present is served by the
// nearest present one (lower first): a track published with fewer layers.
//
// Threads: none of its own; the forwarder calls it under its object lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace convene::rtp {

class SpatialLayerSwitch {
 public:
  static constexpr int kMaxLayers = 3;  // q, h, f
  static constexpr int kNone = -1;

  struct Decision {
    bool forward = false;
    // This packet starts the forwarding of its layer (a switch, a start or a
    // resume): the rewriter maps it anew, as a new source.
    bool starts = false;
  };

  // A packet of `layer` (its pad's index); `keyframe`: it starts a keyframe.
  Decision on_packet(int layer, bool keyframe);
  // Whether a packet of `layer` could be forwarded now (it is the current
  // layer or the one a switch waits for): the others are dropped without
  // more ado.
  bool candidate(int layer) const;

  void set_target(int layer);
  int target() const { return target_; }
  // Nothing is forwarded while paused; resuming waits for a keyframe of the
  // target.
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  // Start again from a keyframe of the target (the subscriber lost what
  // went before: its connection was not up, it asked to resync).
  void restart() { current_ = kNone; }

  // A layer's pad is there (requested) or gone (released or EOS). The
  // current layer going away stops forwarding until the target's keyframe.
  void add_layer(int layer);
  void remove_layer(int layer);
  bool has_layer(int layer) const { return valid(layer) && present_[static_cast<std::size_t>(layer)]; }

  // The layer forwarded now (kNone: none).
  int current() const { return current_; }
  // The layer a switch waits for a keyframe of (kNone: no switch pending).
  int awaited() const;
  // The present layer that serves the target (kNone: no layer present).
  int wanted() const;
  // Changes of the forwarded layer from one layer to another (a pause or a
  // restart on the same layer is none).
  uint64_t switches() const { return switches_; }

  static bool valid(int layer) { return layer >= 0 && layer < kMaxLayers; }

 private:
  int target_ = 0;
  bool paused_ = false;
  int current_ = kNone;
  int last_forwarded_ = kNone;  // survives pauses and restarts, to count switches
  std::array<bool, kMaxLayers> present_{};
  uint64_t switches_ = 0;
};

}  // namespace convene::rtp
