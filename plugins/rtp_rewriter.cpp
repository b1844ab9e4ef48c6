#include "rtp_rewriter.h"

namespace convene::rtp {

bool payload_is_keyframe(Codec codec, const uint8_t* p, size_t size) {
  if (!p || size == 0) return false;
  switch (codec) {
    case Codec::Vp8: {
      Vp8Descriptor d;
      return parse_vp8_descriptor(p, size, &d) && d.keyframe;
    }
    case Codec::H264: {
      uint8_t type = p[0] & 0x1f;
      if (type == 5 || type == 7) return true;  // IDR slice, SPS
      if (type == 24) {                          // STAP-A: 16-bit sizes then NALs
        size_t i = 1;
        while (i + 2 < size) {
          size_t n = (static_cast<size_t>(p[i]) << 8) | p[i + 1];
          i += 2;
          if (i < size && ((p[i] & 0x1f) == 5 || (p[i] & 0x1f) == 7)) return true;
          i += n;
        }
        return false;
      }
      if (type == 28 && size >= 2) {  // FU-A: start bit and the inner type
        bool start = p[1] & 0x80;
        uint8_t inner = p[1] & 0x1f;
        return start && (inner == 5 || inner == 7);
      }
      return false;
    }
    case Codec::Opus:
    case Codec::Unknown:
      return false;
  }
  return false;
}

RtpRewriter::RtpRewriter(uint32_t out_ssrc, uint32_t clock_rate, bool needs_keyframe)
    : out_ssrc_(out_ssrc),
      clock_rate_(clock_rate ? clock_rate : 90000),
      needs_keyframe_(needs_keyframe),
      waiting_for_keyframe_(needs_keyframe) {}

void RtpRewriter::set_muted(bool muted) {
  if (muted_ && !muted && needs_keyframe_) waiting_for_keyframe_ = true;  // resume on a clean picture
  muted_ = muted;
}

void RtpRewriter::close_gap(const InPacket& in) {
  if (!have_source_ || in.ssrc != in_ssrc_) return;
  if (static_cast<int16_t>(in.seq - highest_in_seq_) <= 0) return;  // already counted
  highest_in_seq_ = in.seq;
  --seq_offset_;
}

OutPacket RtpRewriter::process(const InPacket& in) {
  OutPacket out{false, out_ssrc_, 0, 0};
  if (muted_) {
    close_gap(in);
    return out;
  }

  bool new_source = !have_source_ || in.ssrc != in_ssrc_;
  if (new_source && needs_keyframe_) waiting_for_keyframe_ = true;
  if (waiting_for_keyframe_ && !in.keyframe) {
    close_gap(in);
    return out;
  }
  waiting_for_keyframe_ = false;

  bool in_order = true;
  if (new_source) {
    // Map the new input so its first packet follows the last one sent.
    have_source_ = true;
    in_ssrc_ = in.ssrc;
    uint16_t next_seq = have_output_ ? static_cast<uint16_t>(last_out_seq_ + 1) : in.seq;
    seq_offset_ = static_cast<uint16_t>(next_seq - in.seq);
    uint32_t next_ts = in.timestamp;
    if (have_output_) {
      uint64_t gap_ms = in.arrival_ms > last_out_arrival_ms_ ? in.arrival_ms - last_out_arrival_ms_ : 0;
      uint64_t ticks = gap_ms * clock_rate_ / 1000;
      next_ts = last_out_ts_ + static_cast<uint32_t>(ticks ? ticks : 1);
    }
    ts_offset_ = next_ts - in.timestamp;
    highest_in_seq_ = in.seq;
    remap_picture_id_ = remap_tl0picidx_ = true;
    layers_.restart();
  } else if (static_cast<int16_t>(in.seq - highest_in_seq_) > 0) {
    highest_in_seq_ = in.seq;
  } else {
    // Older than what we sent (reordered or a retransmission): forwarded as
    // is, mapped through the same offsets.
    in_order = false;
  }

  if (in.vp8 && in_order && !layers_.admit(in.timestamp, *in.vp8)) {
    --seq_offset_;  // a frame above the subscriber's layer: leave no gap
    return out;
  }

  out.forward = true;
  out.seq = static_cast<uint16_t>(in.seq + seq_offset_);
  out.timestamp = in.timestamp + ts_offset_;
  if (in.vp8) map_vp8_ids(*in.vp8, in_order, &out);
  if (!have_output_ || static_cast<int16_t>(out.seq - last_out_seq_) > 0) {
    last_out_seq_ = out.seq;
    last_out_ts_ = out.timestamp;
    last_out_arrival_ms_ = in.arrival_ms;
  }
  have_output_ = true;
  return out;
}

void RtpRewriter::map_vp8_ids(const Vp8Descriptor& d, bool in_order, OutPacket* out) {
  if (d.has_picture_id) {
    const uint16_t mask = d.picture_id_15bit ? 0x7fff : 0x7f;
    const uint16_t filtered = layers_.picture_id_out(d);  // dropped frames closed up
    if (remap_picture_id_ && in_order) {
      remap_picture_id_ = false;
      picture_id_offset_ = have_out_picture_id_ ? static_cast<uint16_t>(last_out_picture_id_ + 1 - filtered) : 0;
    }
    out->picture_id = static_cast<uint16_t>((filtered + picture_id_offset_) & mask);
    out->picture_id_changed = out->picture_id != d.picture_id;
    if (in_order) {
      have_out_picture_id_ = true;
      last_out_picture_id_ = out->picture_id;
    }
  }
  if (d.has_tl0picidx) {
    if (remap_tl0picidx_ && in_order) {
      remap_tl0picidx_ = false;
      // A new stream starts at a key frame, a base layer frame: the next index.
      tl0picidx_offset_ = have_out_tl0picidx_ ? static_cast<uint8_t>(last_out_tl0picidx_ + 1 - d.tl0picidx) : 0;
    }
    out->tl0picidx = static_cast<uint8_t>(d.tl0picidx + tl0picidx_offset_);
    out->tl0picidx_changed = out->tl0picidx != d.tl0picidx;
    if (in_order) {
      have_out_tl0picidx_ = true;
      last_out_tl0picidx_ = out->tl0picidx;
    }
  }
}

}  // namespace convene::rtp
