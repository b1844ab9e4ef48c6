#include "vp8_descriptor.h"

namespace convene::rtp {

bool parse_vp8_descriptor(const uint8_t* p, size_t size, Vp8Descriptor* out) {
  *out = Vp8Descriptor{};
  if (!p || size == 0) return false;
  size_t i = 0;
  const uint8_t b0 = p[i++];  // X R N S R PID(3)
  out->start_of_partition = b0 & 0x10;
  out->partition_id = b0 & 0x07;
  if (b0 & 0x80) {
    if (i >= size) return false;
    const uint8_t ext = p[i++];  // I L T K RSV(4)
    if (ext & 0x80) {
      if (i >= size) return false;
      out->has_picture_id = true;
      out->picture_id_offset = i;
      if (p[i] & 0x80) {
        if (i + 1 >= size) return false;
        out->picture_id_15bit = true;
        out->picture_id = static_cast<uint16_t>(((p[i] & 0x7f) << 8) | p[i + 1]);
        i += 2;
      } else {
        out->picture_id = p[i] & 0x7f;
        i += 1;
      }
    }
    if (ext & 0x40) {
      if (i >= size) return false;
      out->has_tl0picidx = true;
      out->tl0picidx_offset = i;
      out->tl0picidx = p[i++];
    }
    if (ext & 0x30) {  // T or K: one byte TID(2) Y(1) KEYIDX(5)
      if (i >= size) return false;
      if (ext & 0x20) {
        out->has_tid = true;
        out->tid = static_cast<uint8_t>(p[i] >> 6);
        out->layer_sync = p[i] & 0x20;
      }
      i += 1;
    }
  }
  // The VP8 payload header follows; its P bit is 0 on a key frame.
  if (out->starts_frame() && i < size) out->keyframe = (p[i] & 0x01) == 0;
  return i <= size;
}

void write_vp8_picture_id(uint8_t* p, const Vp8Descriptor& d, uint16_t picture_id) {
  if (!d.has_picture_id) return;
  uint8_t* field = p + d.picture_id_offset;
  if (d.picture_id_15bit) {
    field[0] = static_cast<uint8_t>(0x80 | ((picture_id >> 8) & 0x7f));
    field[1] = static_cast<uint8_t>(picture_id & 0xff);
  } else {
    field[0] = static_cast<uint8_t>(picture_id & 0x7f);
  }
}

void write_vp8_tl0picidx(uint8_t* p, const Vp8Descriptor& d, uint8_t tl0picidx) {
  if (d.has_tl0picidx) p[d.tl0picidx_offset] = tl0picidx;
}

}  // namespace convene::rtp
