// Selective forwarding of VP8 temporal layers to one subscriber.
//
// A publisher encoding with temporal layers (e.g. L1T3: TID 0 at 7.5 fps,
// TID 1 adds 7.5, TID 2 adds 15) lets the server halve or quarter the frame
// rate of one subscriber by dropping whole frames of the upper layers,
// without decoding: frames of layer n reference only layers <= n. Going
// down may happen at any frame; going up only at a frame of the new layer
// that is a layer sync point (Y bit: it references the base layer only) or
// at a key frame, else the subscriber would decode a frame whose reference
// it never got. The picture ids of what is forwarded are renumbered without
// the gaps of dropped frames, as a receiver treats a gap as a loss.
//
// Threads: one streaming thread at a time (the forwarder's chain function).
#pragma once

#include <cstdint>

#include "vp8_descriptor.h"

namespace convene::rtp {

class TemporalLayerFilter {
 public:
  static constexpr uint8_t kTopLayer = 3;  // TID is two bits

  // The highest layer to forward from now on.
  void set_target(uint8_t layer) { target_ = layer > kTopLayer ? kTopLayer : layer; }
  uint8_t target() const { return target_; }
  // The highest layer forwarded at the moment; -1 while the stream has
  // shown no temporal layers.
  int current() const { return layered_ ? (current_ < top_seen_ ? current_ : top_seen_) : -1; }

  // Another stream follows (a spatial layer switch, a restarted source),
  // from one of its key frames: forget what the last one showed. The target
  // stays; picture ids keep closing up what was dropped.
  void restart() {
    have_frame_ = false;
    layered_ = false;
    top_seen_ = 0;
  }

  // Packets in sequence order; `timestamp` tells one frame from the next.
  // True when the packet goes to the subscriber.
  bool admit(uint32_t timestamp, const Vp8Descriptor& d);
  // The picture id an admitted packet carries to the subscriber.
  uint16_t picture_id_out(const Vp8Descriptor& d) const;

 private:
  bool decide(const Vp8Descriptor& d);

  uint8_t target_ = kTopLayer;
  uint8_t current_ = kTopLayer;
  bool layered_ = false;
  uint8_t top_seen_ = 0;  // the highest layer the stream has shown
  bool have_frame_ = false;
  uint32_t frame_timestamp_ = 0;
  bool frame_admitted_ = true;
  uint16_t dropped_frames_ = 0;  // picture ids to close up
};

}  // namespace convene::rtp
