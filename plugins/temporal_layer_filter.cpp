#include "temporal_layer_filter.h"

namespace convene::rtp {

bool TemporalLayerFilter::admit(uint32_t timestamp, const Vp8Descriptor& d) {
  if (!have_frame_ || timestamp != frame_timestamp_) {
    have_frame_ = true;
    frame_timestamp_ = timestamp;
    frame_admitted_ = decide(d);
    if (!frame_admitted_ && d.has_picture_id) ++dropped_frames_;
  }
  return frame_admitted_;
}

bool TemporalLayerFilter::decide(const Vp8Descriptor& d) {
  layered_ = d.has_tid;
  if (!d.has_tid) return true;  // one layer: nothing to choose
  if (d.tid > top_seen_) top_seen_ = d.tid;
  if (d.keyframe) {
    current_ = target_;  // everything after a key frame can be decoded
    return true;
  }
  if (target_ < current_) current_ = target_;
  if (d.tid <= current_) return true;
  if (d.tid <= target_ && d.layer_sync) {
    current_ = d.tid;
    return true;
  }
  return false;
}

uint16_t TemporalLayerFilter::picture_id_out(const Vp8Descriptor& d) const {
  const uint16_t mask = d.picture_id_15bit ? 0x7fff : 0x7f;
  return static_cast<uint16_t>((d.picture_id - dropped_frames_) & mask);
}

}  // namespace convene::rtp
