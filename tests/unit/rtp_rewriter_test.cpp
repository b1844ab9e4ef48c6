// The forwarding decisions, table by table.
#include <gtest/gtest.h>

#include <vector>

#include "rtp_rewriter.h"

using namespace convene::rtp;

namespace {

// VP8 payloads: descriptor S=1 PID=0 (0x10), then the payload header (P bit 0 = key).
const std::vector<uint8_t> kVp8Key = {0x10, 0x00, 0x9d, 0x01, 0x2a};
const std::vector<uint8_t> kVp8Delta = {0x10, 0x01, 0x00};
const std::vector<uint8_t> kVp8Continuation = {0x00, 0x00};  // S=0

}  // namespace

TEST(KeyframeDetection, Vp8AndH264) {
  EXPECT_TRUE(payload_is_keyframe(Codec::Vp8, kVp8Key.data(), kVp8Key.size()));
  EXPECT_FALSE(payload_is_keyframe(Codec::Vp8, kVp8Delta.data(), kVp8Delta.size()));
  EXPECT_FALSE(payload_is_keyframe(Codec::Vp8, kVp8Continuation.data(), kVp8Continuation.size()));
  // With the extension byte and a 15-bit picture id: X=1, I=1, M=1.
  const std::vector<uint8_t> ext_key = {0x90, 0x80, 0x81, 0x23, 0x00};
  EXPECT_TRUE(payload_is_keyframe(Codec::Vp8, ext_key.data(), ext_key.size()));
  const uint8_t idr[] = {0x65, 0x88}, slice[] = {0x41, 0x9a};
  const uint8_t stap_sps[] = {0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce};
  const uint8_t fua_idr_start[] = {0x7c, 0x85}, fua_idr_middle[] = {0x7c, 0x05};
  EXPECT_TRUE(payload_is_keyframe(Codec::H264, idr, sizeof idr));
  EXPECT_FALSE(payload_is_keyframe(Codec::H264, slice, sizeof slice));
  EXPECT_TRUE(payload_is_keyframe(Codec::H264, stap_sps, sizeof stap_sps));
  EXPECT_TRUE(payload_is_keyframe(Codec::H264, fua_idr_start, sizeof fua_idr_start));
  EXPECT_FALSE(payload_is_keyframe(Codec::H264, fua_idr_middle, sizeof fua_idr_middle));
  EXPECT_FALSE(payload_is_keyframe(Codec::Opus, idr, sizeof idr));
}

TEST(RtpRewriter, VideoWaitsForAKeyframeThenRewrites) {
  RtpRewriter r(0xABCD, 90000, true);
  EXPECT_FALSE(r.process({1, 100, 1000, false, 0}).forward);
  EXPECT_FALSE(r.process({1, 101, 1000, false, 0}).forward);
  OutPacket k = r.process({1, 102, 4000, true, 33});
  ASSERT_TRUE(k.forward);
  EXPECT_EQ(k.ssrc, 0xABCDu);
  OutPacket n = r.process({1, 103, 4000, false, 33});
  EXPECT_EQ(static_cast<uint16_t>(n.seq - k.seq), 1);
  EXPECT_EQ(n.timestamp, k.timestamp);
}

TEST(RtpRewriter, SourceSwitchStaysContinuous) {
  RtpRewriter r(7, 90000, true);
  OutPacket last{};
  for (uint16_t i = 0; i < 5; ++i) last = r.process({1, static_cast<uint16_t>(65533 + i), 3000u * i, i == 0, i * 33u});
  ASSERT_TRUE(last.forward);
  // A new source with unrelated numbers: nothing until its keyframe...
  EXPECT_FALSE(r.process({2, 5000, 900000, false, 200}).forward);
  OutPacket first = r.process({2, 5001, 903000, true, 233});
  ASSERT_TRUE(first.forward);
  // ...then it continues the old numbering: next sequence number, later timestamp.
  EXPECT_EQ(static_cast<uint16_t>(first.seq - last.seq), 1);
  uint32_t gap = first.timestamp - last.timestamp;
  EXPECT_GT(gap, 0u);
  EXPECT_LT(gap, 90000u);  // about the wall-clock gap (233-132 ms), not the input's jump
  EXPECT_EQ(first.ssrc, 7u);
  OutPacket next = r.process({2, 5002, 906000, false, 266});
  EXPECT_EQ(static_cast<uint16_t>(next.seq - first.seq), 1);
  EXPECT_EQ(next.timestamp - first.timestamp, 3000u);
}

TEST(RtpRewriter, MutedDropsAndVideoResumesOnAKeyframe) {
  RtpRewriter r(7, 90000, true);
  ASSERT_TRUE(r.process({1, 1, 0, true, 0}).forward);
  r.set_muted(true);
  EXPECT_FALSE(r.process({1, 2, 3000, true, 33}).forward);
  r.set_muted(false);
  EXPECT_FALSE(r.process({1, 3, 6000, false, 66}).forward);
  OutPacket k = r.process({1, 4, 9000, true, 99});
  ASSERT_TRUE(k.forward);
}

TEST(RtpRewriter, AudioFlowsAtOnceAndReorderingIsKept) {
  RtpRewriter r(9, 48000, false);
  OutPacket a = r.process({5, 10, 960, false, 0});
  ASSERT_TRUE(a.forward);
  OutPacket c = r.process({5, 12, 2880, false, 40});
  OutPacket b = r.process({5, 11, 1920, false, 41});  // late: still mapped, still forwarded
  ASSERT_TRUE(b.forward);
  EXPECT_EQ(static_cast<uint16_t>(b.seq - a.seq), 1);
  EXPECT_EQ(static_cast<uint16_t>(c.seq - a.seq), 2);
}
