// The decisions of Convene's RTP forwarder, free of GStreamer so they can be
// tested with tables: which packets of a published track go to one
// subscriber, and how their SSRC, sequence numbers and timestamps are
// rewritten so the subscriber sees one continuous stream even when the
// source restarts or is switched (new SSRC, jumps in seq/timestamps, VP8
// picture ids and TL0PICIDX that have nothing to do with the last ones).
//
// Threads: used by one streaming thread at a time (the forwarder's sink pad).
#pragma once

#include <cstddef>
#include <cstdint>

#include "temporal_layer_filter.h"
#include "vp8_descriptor.h"

namespace convene::rtp {

enum class Codec { Unknown, Vp8, H264, Opus };

// Whether an RTP payload starts a keyframe (VP8: RFC 7741; H.264: IDR or SPS,
// also inside STAP-A and at the start of FU-A). Audio never needs one.
bool payload_is_keyframe(Codec codec, const uint8_t* payload, size_t size);

struct InPacket {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t timestamp;
  bool keyframe;
  uint64_t arrival_ms;  // monotonic, to bridge a source switch
  // VP8's payload descriptor, when the track is VP8: its temporal layer
  // decides whether the packet goes out, its picture id is renumbered.
  const Vp8Descriptor* vp8 = nullptr;
};

struct OutPacket {
  bool forward;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t timestamp;
  bool picture_id_changed = false;  // VP8: write `picture_id` into the payload
  uint16_t picture_id = 0;
  bool tl0picidx_changed = false;   // VP8: write `tl0picidx` into the payload
  uint8_t tl0picidx = 0;
};

class RtpRewriter {
 public:
  // clock_rate: RTP clock of the codec (90000 video, 48000 Opus).
  RtpRewriter(uint32_t out_ssrc, uint32_t clock_rate, bool needs_keyframe);

  OutPacket process(const InPacket& in);

  // Video waits for a keyframe after start, unmute and source switches.
  bool waiting_for_keyframe() const { return waiting_for_keyframe_; }
  void set_muted(bool muted);
  // Video: forward nothing until the next keyframe (the subscriber missed one).
  void resync() { if (needs_keyframe_) waiting_for_keyframe_ = true; }
  // The next packet starts a stream anew, even from the same SSRC (a
  // spatial layer switched back to, forwarding resumed after a pause): it
  // is mapped to follow what was sent last, whatever was skipped meanwhile.
  void restart_source() { have_source_ = false; }
  bool muted() const { return muted_; }
  void set_out_ssrc(uint32_t ssrc) { out_ssrc_ = ssrc; }
  // The input's RTP clock (bridges source switches in time); 0 keeps 90 kHz.
  void set_clock_rate(uint32_t clock_rate) { clock_rate_ = clock_rate ? clock_rate : 90000; }
  // VP8 temporal layers: the highest to forward, and the one forwarded now
  // (-1 while the stream shows none).
  void set_max_temporal_layer(uint8_t layer) { layers_.set_target(layer); }
  int temporal_layer() const { return layers_.current(); }

 private:
  uint32_t out_ssrc_;
  uint32_t clock_rate_;
  bool needs_keyframe_;
  bool waiting_for_keyframe_;
  bool muted_ = false;

  bool have_source_ = false;  // an input stream is mapped
  uint32_t in_ssrc_ = 0;
  uint16_t seq_offset_ = 0;   // out = in + offset (mod 2^16)
  uint32_t ts_offset_ = 0;    // out = in + offset (mod 2^32)
  bool have_output_ = false;  // something went out already
  uint16_t last_out_seq_ = 0;
  uint32_t last_out_ts_ = 0;
  uint64_t last_out_arrival_ms_ = 0;
  uint16_t highest_in_seq_ = 0;
  TemporalLayerFilter layers_;

  // VP8 picture ids and TL0PICIDX: out = in + offset, the offsets set at a
  // new source's first packet that carries the field so that it follows the
  // last one sent (the layers' numbers are unrelated).
  bool remap_picture_id_ = false;
  uint16_t picture_id_offset_ = 0;
  bool have_out_picture_id_ = false;
  uint16_t last_out_picture_id_ = 0;
  bool remap_tl0picidx_ = false;
  uint8_t tl0picidx_offset_ = 0;
  bool have_out_tl0picidx_ = false;
  uint8_t last_out_tl0picidx_ = 0;

  void map_vp8_ids(const Vp8Descriptor& d, bool in_order, OutPacket* out);

  // A packet of the mapped input that is dropped on purpose: later ones
  // move up a number so the subscriber sees no gap (it would ask again for
  // what was never meant to arrive).
  void close_gap(const InPacket& in);
};

}  // namespace convene::rtp
