// VP8 payload descriptors and temporal layer selection, table by table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtp_rewriter.h"
#include "temporal_layer_filter.h"
#include "vp8_descriptor.h"

using namespace convene::rtp;

namespace {

// A first packet of a frame as rtpvp8pay writes it with temporal layers:
// X=1 S=1 PID=0; I L T set; 15-bit picture id; TL0PICIDX; TID/Y; then the
// VP8 payload header (P bit 0 on a key frame).
std::vector<uint8_t> vp8_packet(uint16_t picture_id, uint8_t tl0, uint8_t tid, bool sync, bool key,
                                bool start = true) {
  return {static_cast<uint8_t>(0x80 | (start ? 0x10 : 0x00)),
          0xe0,
          static_cast<uint8_t>(0x80 | (picture_id >> 8)),
          static_cast<uint8_t>(picture_id & 0xff),
          tl0,
          static_cast<uint8_t>((tid << 6) | (sync ? 0x20 : 0)),
          static_cast<uint8_t>(key ? 0x00 : 0x01)};
}

Vp8Descriptor parse(const std::vector<uint8_t>& p) {
  Vp8Descriptor d;
  EXPECT_TRUE(parse_vp8_descriptor(p.data(), p.size(), &d));
  return d;
}

}  // namespace

TEST(Vp8Descriptor, ReadsEveryField) {
  Vp8Descriptor d = parse(vp8_packet(0x1234, 7, 2, true, false));
  EXPECT_TRUE(d.starts_frame());
  EXPECT_TRUE(d.has_picture_id);
  EXPECT_TRUE(d.picture_id_15bit);
  EXPECT_EQ(d.picture_id, 0x1234);
  EXPECT_TRUE(d.has_tl0picidx);
  EXPECT_EQ(d.tl0picidx, 7);
  EXPECT_TRUE(d.has_tid);
  EXPECT_EQ(d.tid, 2);
  EXPECT_TRUE(d.layer_sync);
  EXPECT_FALSE(d.keyframe);
  EXPECT_TRUE(parse(vp8_packet(1, 1, 0, false, true)).keyframe);
  // Only the first packet of a frame can say key frame.
  EXPECT_FALSE(parse(vp8_packet(1, 1, 0, false, true, false)).keyframe);

  // The minimal descriptor: no extension, so no layers.
  const std::vector<uint8_t> plain = {0x10, 0x00, 0x9d};
  Vp8Descriptor p = parse(plain);
  EXPECT_FALSE(p.has_tid);
  EXPECT_FALSE(p.has_picture_id);
  EXPECT_TRUE(p.keyframe);
  // 7-bit picture id, K without T: a key index but no layer.
  const std::vector<uint8_t> seven = {0x90, 0x90, 0x55, 0x1f, 0x01};
  Vp8Descriptor s = parse(seven);
  EXPECT_FALSE(s.picture_id_15bit);
  EXPECT_EQ(s.picture_id, 0x55);
  EXPECT_FALSE(s.has_tid);
}

TEST(Vp8Descriptor, RefusesTruncatedPayloads) {
  Vp8Descriptor d;
  const std::vector<std::vector<uint8_t>> truncated = {{}, {0x80}, {0x90, 0x80}, {0x90, 0x80, 0x81}, {0x90, 0x60, 0x01}};
  for (const auto& t : truncated) EXPECT_FALSE(parse_vp8_descriptor(t.data(), t.size(), &d)) << t.size() << " bytes";
}

TEST(Vp8Descriptor, RewritesThePictureIdInItsOwnForm) {
  auto p = vp8_packet(0x7ffe, 1, 0, false, false);
  Vp8Descriptor d = parse(p);
  write_vp8_picture_id(p.data(), d, 0x8003);  // beyond 15 bits: wraps
  EXPECT_EQ(parse(p).picture_id, 3);
  EXPECT_EQ(parse(p).tid, 0);  // nothing else moved
  write_vp8_tl0picidx(p.data(), d, 200);
  EXPECT_EQ(parse(p).tl0picidx, 200);
  EXPECT_EQ(parse(p).picture_id, 3);
  std::vector<uint8_t> seven = {0x90, 0x80, 0x55, 0x00};
  Vp8Descriptor s = parse(seven);
  write_vp8_picture_id(seven.data(), s, 0x81);
  EXPECT_EQ(parse(seven).picture_id, 1);
  EXPECT_FALSE(parse(seven).picture_id_15bit);
}

// The L1T3 pattern with sync flags as libvpx and Chromium produce it:
// frame n has layer {0,2,1,2}[n%4], sync on the first 2 and 1 of a period
// only every other period, the first frame a key frame.
struct Frame {
  uint16_t picture_id;
  uint8_t tid;
  bool sync;
  bool key;
};
std::vector<Frame> l1t3(int frames) {
  std::vector<Frame> out;
  for (int n = 0; n < frames; ++n) {
    static const uint8_t tids[] = {0, 2, 1, 2};
    bool sync = (n % 8 == 1 || n % 8 == 2);
    out.push_back({static_cast<uint16_t>(100 + n), tids[n % 4], sync, n == 0});
  }
  return out;
}

TEST(TemporalLayerFilter, ForwardsOnlyUpToTheTargetAndClimbsAtSyncFrames) {
  struct Step {
    int frame;           // before this frame, set the target
    uint8_t target;
  };
  const std::vector<Step> steps = {{4, 0}, {12, 1}, {20, 2}};
  // Expected: frames 0-3 all; 4-11 only layer 0 (4, 8); from 12, layer 1 may
  // start only at a sync frame of layer 1 (n%8 == 2: frame 18); from 20,
  // layer 2 at its next sync frame (n%8 == 1: frame 25).
  const std::string expected = "1111" "10001000" "10001010" "10101" "1111111";
  TemporalLayerFilter f;
  std::string got;
  std::vector<uint16_t> ids_out;
  auto frames = l1t3(static_cast<int>(expected.size()));
  size_t next_step = 0;
  for (size_t n = 0; n < frames.size(); ++n) {
    if (next_step < steps.size() && steps[next_step].frame == static_cast<int>(n)) f.set_target(steps[next_step++].target);
    const Frame& fr = frames[n];
    auto p = vp8_packet(fr.picture_id, 0, fr.tid, fr.sync, fr.key);
    Vp8Descriptor d = parse(p);
    bool in = f.admit(static_cast<uint32_t>(n * 3000), d);
    got += in ? '1' : '0';
    if (in) ids_out.push_back(f.picture_id_out(d));
  }
  EXPECT_EQ(got, expected);
  // Renumbered without gaps: a receiver sees consecutive pictures.
  for (size_t i = 1; i < ids_out.size(); ++i) EXPECT_EQ(ids_out[i], ids_out[i - 1] + 1) << "at " << i;
  EXPECT_EQ(f.current(), 2);
}

TEST(TemporalLayerFilter, AllPacketsOfAFrameShareItsFate) {
  TemporalLayerFilter f;
  f.set_target(0);
  // Key frame in three packets, then a layer-2 frame in two: the second
  // packet has no start bit but the same timestamp.
  EXPECT_TRUE(f.admit(0, parse(vp8_packet(1, 0, 0, false, true))));
  EXPECT_TRUE(f.admit(0, parse(vp8_packet(1, 0, 0, false, false, false))));
  EXPECT_FALSE(f.admit(3000, parse(vp8_packet(2, 0, 2, true, false))));
  EXPECT_FALSE(f.admit(3000, parse(vp8_packet(2, 0, 2, true, false, false))));
  Vp8Descriptor next = parse(vp8_packet(3, 1, 0, false, false));
  EXPECT_TRUE(f.admit(6000, next));
  EXPECT_EQ(f.picture_id_out(next), 2);  // one frame dropped, one id less
}

TEST(TemporalLayerFilter, AKeyFrameOpensEveryLayerAtOnce) {
  TemporalLayerFilter f;
  f.set_target(0);
  EXPECT_TRUE(f.admit(0, parse(vp8_packet(1, 0, 0, false, true))));
  EXPECT_FALSE(f.admit(3000, parse(vp8_packet(2, 0, 2, false, false))));
  f.set_target(2);
  EXPECT_FALSE(f.admit(6000, parse(vp8_packet(3, 0, 1, false, false))));  // not a sync frame
  EXPECT_TRUE(f.admit(9000, parse(vp8_packet(4, 1, 0, false, true))));    // key frame
  EXPECT_TRUE(f.admit(12000, parse(vp8_packet(5, 1, 2, false, false))));
  EXPECT_EQ(f.current(), 2);
}

TEST(TemporalLayerFilter, AStreamWithoutLayersPassesWhole) {
  TemporalLayerFilter f;
  f.set_target(0);
  const std::vector<uint8_t> plain = {0x10, 0x01, 0x00};
  for (uint32_t ts = 0; ts < 10; ++ts) EXPECT_TRUE(f.admit(ts * 3000, parse(plain)));
  EXPECT_EQ(f.current(), -1);
}

// The rewriter leaves no sequence gap for what it drops on purpose, so the
// subscriber never asks for (NACKs) packets that were not meant for it.
TEST(RtpRewriterLayers, DroppedLayersLeaveNoSequenceGap) {
  RtpRewriter r(7, 90000, true);
  r.set_max_temporal_layer(0);
  auto frames = l1t3(12);
  std::vector<uint16_t> seqs;
  uint16_t seq = 500;
  for (size_t n = 0; n < frames.size(); ++n) {
    for (int part = 0; part < 2; ++part) {  // two packets a frame
      auto p = vp8_packet(frames[n].picture_id, 0, frames[n].tid, frames[n].sync, frames[n].key && part == 0, part == 0);
      Vp8Descriptor d = parse(p);
      InPacket in{1, seq++, static_cast<uint32_t>(n * 3000), d.keyframe, n * 33};
      in.vp8 = &d;
      OutPacket out = r.process(in);
      if (out.forward) seqs.push_back(out.seq);
    }
  }
  ASSERT_EQ(seqs.size(), 6u);  // frames 0, 4, 8
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(static_cast<uint16_t>(seqs[i] - seqs[i - 1]), 1) << i;
  EXPECT_EQ(r.temporal_layer(), 0);
}

TEST(RtpRewriterLayers, MutedAndKeyframeWaitsLeaveNoGapEither) {
  RtpRewriter r(7, 90000, true);
  OutPacket first = r.process({1, 10, 0, true, 0});
  ASSERT_TRUE(first.forward);
  r.set_muted(true);
  EXPECT_FALSE(r.process({1, 11, 3000, false, 33}).forward);
  r.set_muted(false);
  EXPECT_FALSE(r.process({1, 12, 6000, false, 66}).forward);  // waits for a key frame
  OutPacket key = r.process({1, 13, 9000, true, 99});
  ASSERT_TRUE(key.forward);
  EXPECT_EQ(static_cast<uint16_t>(key.seq - first.seq), 1);
}

// Spatial layer switches feed the rewriter another stream (another SSRC,
// unrelated picture ids and TL0PICIDX) from one of its key frames: the
// subscriber sees consecutive sequence numbers, picture ids and TL0PICIDX,
// with temporal layers still capped inside each stream.
TEST(RtpRewriterLayers, PictureIdsAndTl0PicIdxStayContinuousAcrossSources) {
  RtpRewriter r(7, 90000, true);
  r.set_max_temporal_layer(0);
  struct Source {
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts;
    uint16_t picture_id;
    uint8_t tl0;
  };
  Source sources[] = {{11, 100, 5000, 0x7ff0, 250}, {22, 40000, 123456, 900, 17}, {11, 0, 0, 0, 0}};
  std::vector<OutPacket> out;
  std::vector<bool> keys;
  uint64_t now = 0;
  for (int s = 0; s < 3; ++s) {
    Source& src = sources[s];
    if (s == 2) {
      // Back to the first source after a while (a pause, a switch back):
      // its numbers went on meanwhile.
      src = sources[0];
      src.seq += 500;
      src.ts += 90000 * 5;
      src.picture_id = static_cast<uint16_t>((src.picture_id + 150) & 0x7fff);
      src.tl0 = static_cast<uint8_t>(src.tl0 + 40);
      r.restart_source();
    }
    auto frames = l1t3(12);
    for (size_t n = 0; n < frames.size(); ++n) {
      if (frames[n].tid == 0 && n) ++src.tl0;
      auto p = vp8_packet(static_cast<uint16_t>((src.picture_id + n) & 0x7fff), src.tl0, frames[n].tid,
                          frames[n].sync, frames[n].key);
      Vp8Descriptor d = parse(p);
      InPacket in{src.ssrc, static_cast<uint16_t>(src.seq + n), static_cast<uint32_t>(src.ts + n * 3000),
                  d.keyframe, now += 33};
      in.vp8 = &d;
      OutPacket o = r.process(in);
      if (!o.forward) continue;
      // What the subscriber reads: the rewritten field where changed.
      if (!o.picture_id_changed) o.picture_id = d.picture_id;
      if (!o.tl0picidx_changed) o.tl0picidx = d.tl0picidx;
      out.push_back(o);
      keys.push_back(d.keyframe);
    }
  }
  ASSERT_EQ(out.size(), 9u);  // frames 0, 4, 8 of each source: the base layer only
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(out[i].seq - out[i - 1].seq), 1) << "seq at " << i;
    EXPECT_EQ((out[i].picture_id - out[i - 1].picture_id) & 0x7fff, 1) << "picture id at " << i;
    EXPECT_EQ(static_cast<uint8_t>(out[i].tl0picidx - out[i - 1].tl0picidx), 1) << "TL0PICIDX at " << i;
    EXPECT_GT(out[i].timestamp - out[i - 1].timestamp, 0u) << "ts at " << i;
    EXPECT_LT(out[i].timestamp - out[i - 1].timestamp, 90000u) << "ts at " << i;
  }
  EXPECT_TRUE(keys[3] && keys[6]) << "each source starts at its key frame";
  EXPECT_EQ(r.temporal_layer(), 0);
}

// A stream's first source keeps its own picture ids (nothing to follow yet).
TEST(RtpRewriterLayers, TheFirstSourceKeepsItsNumbers) {
  RtpRewriter r(7, 90000, true);
  auto p = vp8_packet(1234, 77, 0, false, true);
  Vp8Descriptor d = parse(p);
  InPacket in{1, 10, 0, true, 0};
  in.vp8 = &d;
  OutPacket o = r.process(in);
  ASSERT_TRUE(o.forward);
  EXPECT_FALSE(o.picture_id_changed);
  EXPECT_FALSE(o.tl0picidx_changed);
}
