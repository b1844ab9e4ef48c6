// What convenertpforward does with a published track's packets, without
// GStreamer: the VP8 payload descriptor (parse, picture id rewrite), the
// H.264/VP8 keyframe detectors, TemporalLayerFilter, SpatialLayerSwitch and
// RtpRewriter, over a stream of packets and control changes a subscriber's
// life brings.
//
// Input: one byte of codec choice (bit 0x20: spatial layers, as the layer
// pads do), then records. A record is a control byte and, when it says
// "packet", a 12-byte header (SSRC, sequence number, timestamp; 2 bytes of
// arrival time step), a length byte and that many payload bytes. With
// layers, a packet's control byte names its layer (low two bits; 3 is no
// layer) and the resync control's low bits choose a layer control.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rtp_rewriter.h"
#include "spatial_layer_switch.h"
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
  const bool layered = first & 0x20;
  SpatialLayerSwitch layers;
  for (int l = 0; l < SpatialLayerSwitch::kMaxLayers; ++l) layers.add_layer(l);
  bool have_out = false;
  uint16_t last_out_seq = 0;

  uint8_t control = 0;
  while (in.take(&control, 1)) {
    switch (control >> 5) {
      case 0: rewriter.set_muted(control & 1); break;
      case 1: rewriter.set_max_temporal_layer(control & 0x1f); break;
      case 2: {
        const int op = control & 0x1f;
        if (!layered || op == 0) {
          rewriter.resync();
          layers.restart();
        } else if (op <= 3) {
          layers.set_target(op - 1);
        } else if (op == 4 || op == 5) {
          layers.set_paused(op == 4);
        } else if (op <= 8) {
          layers.remove_layer(op - 6);
        } else if (op <= 11) {
          layers.add_layer(op - 9);
        } else {
          layers.restart();
        }
        break;
      }
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
        // With layers, as the element does: only the packets the switch
        // passes reach the rewriter, a newly started layer as a new source.
        bool starts = false;
        if (layered) {
          const int layer = control & 0x03;
          const int wanted = layers.wanted();
          const SpatialLayerSwitch::Decision d = layers.on_packet(layer, p.keyframe);
          if (!d.forward) continue;
          if (layer != layers.current()) __builtin_trap();
          if (d.starts && (!p.keyframe || layer != wanted)) __builtin_trap();
          starts = d.starts;
          if (starts) rewriter.restart_source();
        }
        const bool muted = rewriter.muted();
        OutPacket out = rewriter.process(p);
        if (out.forward) {
          if (muted || out.ssrc != out_ssrc) __builtin_trap();
          // A layer taking over follows what went out last, whatever its own numbers.
          if (starts && have_out && static_cast<uint16_t>(out.seq - last_out_seq) != 1) __builtin_trap();
          if (!have_out || static_cast<int16_t>(out.seq - last_out_seq) > 0) last_out_seq = out.seq;
          have_out = true;
          if (out.picture_id_changed) {
            if (!p.vp8 || !p.vp8->has_picture_id) __builtin_trap();
            write_vp8_picture_id(payload.data(), vp8, out.picture_id);
          }
          if (out.tl0picidx_changed) {
            if (!p.vp8 || !p.vp8->has_tl0picidx) __builtin_trap();
            write_vp8_tl0picidx(payload.data(), vp8, out.tl0picidx);
          }
        }
        if (rewriter.temporal_layer() > TemporalLayerFilter::kTopLayer) __builtin_trap();
      }
    }
  }
  return 0;
}
