// The VP8 RTP payload descriptor (RFC 7741 section 4.2): what a forwarder
// needs to know of a packet without decoding it (frame start, keyframe,
// temporal layer, picture id) and the fields it rewrites (picture id,
// TL0PICIDX).
//
// Threads: plain functions, no state.
#pragma once

#include <cstddef>
#include <cstdint>

namespace convene::rtp {

struct Vp8Descriptor {
  bool start_of_partition = false;  // S
  uint8_t partition_id = 0;         // PID
  bool has_picture_id = false;      // I
  bool picture_id_15bit = false;    // M: 15 bits, else 7
  uint16_t picture_id = 0;
  size_t picture_id_offset = 0;     // where it starts in the payload
  bool has_tl0picidx = false;       // L
  uint8_t tl0picidx = 0;
  size_t tl0picidx_offset = 0;      // where it is in the payload
  bool has_tid = false;             // T: the sender uses temporal layers
  uint8_t tid = 0;                  // temporal layer of this frame, 0 = base
  bool layer_sync = false;          // Y: depends only on the base layer
  bool keyframe = false;            // starts a key frame (first packet only)

  // The first packet of a frame: partition 0 starts here.
  bool starts_frame() const { return start_of_partition && partition_id == 0; }
};

// Parses the descriptor at the start of an RTP payload. False when the
// payload is too short for what its flags announce.
bool parse_vp8_descriptor(const uint8_t* payload, size_t size, Vp8Descriptor* out);

// Writes `picture_id` into the field `d` describes (same 7- or 15-bit form,
// taken modulo its range). Does nothing when the packet has none.
void write_vp8_picture_id(uint8_t* payload, const Vp8Descriptor& d, uint16_t picture_id);

// Writes `tl0picidx` into the field `d` describes. Does nothing when the
// packet has none.
void write_vp8_tl0picidx(uint8_t* payload, const Vp8Descriptor& d, uint8_t tl0picidx);

}  // namespace convene::rtp
