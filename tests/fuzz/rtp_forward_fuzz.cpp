// What convenertpforward does with a published track's packets, without
// GStreamer: the VP8 payload descriptor (parse, picture id rewrite), the
// H.264/VP8 keyframe detectors, TemporalLayerFilter and RtpRewriter, over a
// stream of packets and control changes a subscriber's life brings.
//
// Input: one byte of codec choice, then records. A record is a control
// byte and, when it says "packet", a 12-byte header (SSRC, sequence number,
// timestamp; 2 bytes of arrival time step), a length byte and that many
// payload bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rtp_rewriter.h"
#include "temporal_layer_filter.h"
#include "vp8_descriptor.h"

namespace {

using namespace convene::rtp;

// Takes n bytes off the front of the input; false when it has fewer.
struct Reader {
  const uint8_t* p;
  size_t left;
  bool take(void* out, size_t n) {
    if (left < n) return false;
    if (n) memcpy(out, p, n);
    p += n;
    left -= n;
    return true;
  }
};

void check_descriptor(std::vector<uint8_t> payload) {
  Vp8Descriptor d;
  if (!parse_vp8_descriptor(payload.data(), payload.size(), &d)) return;
  if (d.has_tid && d.tid > TemporalLayerFilter::kTopLayer) __builtin_trap();
  if (!d.has_picture_id) return;
  // The rewrite stays inside the descriptor and changes nothing but the id.
  const uint16_t id = static_cast<uint16_t>(d.picture_id + 12345);
  write_vp8_picture_id(payload.data(), d, id);
  Vp8Descriptor again;
  if (!parse_vp8_descriptor(payload.data(), payload.size(), &again)) __builtin_trap();
  const uint16_t mask = d.picture_id_15bit ? 0x7fff : 0x7f;
  if (again.picture_id != (id & mask) || again.picture_id_15bit != d.picture_id_15bit ||
      again.tid != d.tid || again.keyframe != d.keyframe || again.layer_sync != d.layer_sync)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  uint8_t first = 0;
  if (!in.take(&first, 1)) return 0;
  const Codec codec = static_cast<Codec>(first % 4);
  const bool video = codec == Codec::Vp8 || codec == Codec::H264;
  RtpRewriter rewriter(0x1234, video ? 90000 : 48000, video && (first & 0x10));
  uint64_t arrival_ms = 1000;
  uint32_t out_ssrc = 0x1234;

  uint8_t control = 0;
  while (in.take(&control, 1)) {
    switch (control >> 5) {
      case 0: rewriter.set_muted(control & 1); break;
      case 1: rewriter.set_max_temporal_layer(control & 0x1f); break;
      case 2: rewriter.resync(); break;
      case 3:
        out_ssrc = 0x1234u + (control & 0x1f);
        rewriter.set_out_ssrc(out_ssrc);
        break;
      default: {  // a packet
        uint8_t header[12];
        uint8_t length = 0;
        if (!in.take(header, sizeof header) || !in.take(&length, 1)) return 0;
        std::vector<uint8_t> payload(length);
        if (!in.take(payload.data(), payload.size())) return 0;
        InPacket p{};
        memcpy(&p.ssrc, header, 4);
        memcpy(&p.seq, header + 4, 2);
        memcpy(&p.timestamp, header + 6, 4);
        uint16_t step = 0;
        memcpy(&step, header + 10, 2);
        arrival_ms += step;
        p.arrival_ms = arrival_ms;
        // As the element does: VP8's descriptor when it parses, else the detector.
        Vp8Descriptor vp8;
        if (codec == Codec::Vp8 && parse_vp8_descriptor(payload.data(), payload.size(), &vp8)) {
          p.vp8 = &vp8;
          p.keyframe = vp8.keyframe;
        } else {
          p.keyframe = payload_is_keyframe(codec, payload.data(), payload.size());
        }
        if (codec == Codec::Vp8) check_descriptor(payload);
        const bool muted = rewriter.muted();
        OutPacket out = rewriter.process(p);
        if (out.forward) {
          if (muted || out.ssrc != out_ssrc) __builtin_trap();
          if (out.picture_id_changed) {
            if (!p.vp8 || !p.vp8->has_picture_id) __builtin_trap();
            write_vp8_picture_id(payload.data(), vp8, out.picture_id);
          }
        }
        if (rewriter.temporal_layer() > TemporalLayerFilter::kTopLayer) __builtin_trap();
      }
    }
  }
  return 0;
}
