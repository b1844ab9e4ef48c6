// convenertxsend under GstHarness: packets pass unchanged; a
// GstRTPRetransmissionRequest from downstream (rtpsession's, for a NACK) is
// answered at once, on the asking thread, with an RFC 4588 packet; what is
// not kept, not mapped or not retransmittable is not answered.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "convene_rtx_send.h"

namespace {

constexpr guint32 kVideoSsrc = 0x1234;
constexpr guint32 kVideoRtxSsrc = 0x5678;
constexpr guint32 kAudioSsrc = 0x9abc;

struct HarnessFree {
  void operator()(GstHarness* h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessFree>;

// VP8 (96) retransmitted as 97; the video SSRC paired with its RTX SSRC,
// as webrtc_endpoint.cpp sets them from the SDP.
HarnessPtr make_harness(guint history = 0) {
  static bool registered = convene_rtx_send_register(nullptr);
  EXPECT_TRUE(registered);
  HarnessPtr h(gst_harness_new("convenertxsend"));
  g_autoptr(GstStructure) pts = gst_structure_new("application/x-rtp-pt-map", "96", G_TYPE_UINT, 97u, nullptr);
  g_autoptr(GstStructure) ssrcs = gst_structure_new_empty("application/x-rtp-ssrc-map");
  gst_structure_set(ssrcs, std::to_string(kVideoSsrc).c_str(), G_TYPE_UINT, kVideoRtxSsrc, nullptr);
  g_object_set(h->element, "payload-type-map", pts, "ssrc-map", ssrcs, nullptr);
  if (history) g_object_set(h->element, "max-size-packets", history, nullptr);
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp");
  return h;
}

// An RTP packet of `ssrc` with a payload of `payload_len` bytes of `seq`'s
// low byte, a one-byte header extension, and optionally padding.
GstBuffer* rtp(guint32 ssrc, guint8 pt, guint16 seq, guint payload_len = 10, bool padded = false) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(payload_len, padded ? 4 : 0, 0);
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &r);
  gst_rtp_buffer_set_ssrc(&r, ssrc);
  gst_rtp_buffer_set_seq(&r, seq);
  gst_rtp_buffer_set_payload_type(&r, pt);
  gst_rtp_buffer_set_timestamp(&r, 9000u * seq);
  gst_rtp_buffer_set_marker(&r, seq % 2);
  std::memset(gst_rtp_buffer_get_payload(&r), seq & 0xff, payload_len);
  const guint8 level = 0x55;
  gst_rtp_buffer_add_extension_onebyte_header(&r, 1, &level, 1);
  gst_rtp_buffer_unmap(&r);
  GST_BUFFER_PTS(b) = seq * GST_MSECOND;
  return b;
}

void ask_for(GstHarness* h, guint32 ssrc, guint seq) {
  EXPECT_TRUE(gst_harness_push_upstream_event(
      h, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                              gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, seq, "ssrc",
                                                G_TYPE_UINT, ssrc, nullptr))));
}

struct Packet {
  guint32 ssrc;
  guint8 pt;
  guint16 seq;
  guint32 ts;
  bool marker, padded, retransmission;
  std::vector<guint8> payload;
  std::vector<guint8> extension;
};

Packet read(GstBuffer* b) {
  Packet p{};
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  EXPECT_TRUE(gst_rtp_buffer_map(b, GST_MAP_READ, &r));
  p.ssrc = gst_rtp_buffer_get_ssrc(&r);
  p.pt = gst_rtp_buffer_get_payload_type(&r);
  p.seq = gst_rtp_buffer_get_seq(&r);
  p.ts = gst_rtp_buffer_get_timestamp(&r);
  p.marker = gst_rtp_buffer_get_marker(&r);
  p.padded = gst_rtp_buffer_get_padding(&r);
  auto* payload = static_cast<guint8*>(gst_rtp_buffer_get_payload(&r));
  p.payload.assign(payload, payload + gst_rtp_buffer_get_payload_len(&r));
  gpointer ext = nullptr;
  guint ext_size = 0;
  if (gst_rtp_buffer_get_extension_onebyte_header(&r, 1, 0, &ext, &ext_size))
    p.extension.assign(static_cast<guint8*>(ext), static_cast<guint8*>(ext) + ext_size);
  gst_rtp_buffer_unmap(&r);
  p.retransmission = GST_BUFFER_FLAG_IS_SET(b, GST_RTP_BUFFER_FLAG_RETRANSMISSION);
  return p;
}

Packet pull(GstHarness* h) {
  GstBuffer* b = gst_harness_try_pull(h);
  EXPECT_NE(b, nullptr) << "a packet was expected";
  if (!b) return Packet{};
  Packet p = read(b);
  gst_buffer_unref(b);
  return p;
}

guint num(GstHarness* h, const char* property) {
  guint n = 0;
  g_object_get(h->element, property, &n, nullptr);
  return n;
}

}  // namespace

TEST(RtxSend, PacketsPassUnchanged) {
  HarnessPtr h = make_harness();
  for (guint16 seq = 100; seq < 105; ++seq) {
    GstBuffer* in = rtp(kVideoSsrc, 96, seq);
    gst_buffer_ref(in);
    ASSERT_EQ(gst_harness_push(h.get(), in), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h.get());
    EXPECT_EQ(out, in) << "the same buffer, not a copy";
    gst_buffer_unref(out);
    gst_buffer_unref(in);
  }
}

TEST(RtxSend, ANackedPacketIsRetransmittedAsRtxAtOnce) {
  HarnessPtr h = make_harness();
  for (guint16 seq = 65530; seq != 5; ++seq) {
    gst_harness_push(h.get(), rtp(kVideoSsrc, 96, seq, 10 + seq % 7, seq == 65534));
    gst_buffer_unref(gst_harness_pull(h.get()));
  }
  ask_for(h.get(), kVideoSsrc, 65534);
  ask_for(h.get(), kVideoSsrc, 1);
  // Pushed on this (the asking) thread, before the event call returned.
  Packet a = pull(h.get()), b = pull(h.get());
  EXPECT_EQ(gst_harness_buffers_in_queue(h.get()), 0u);

  EXPECT_EQ(a.ssrc, kVideoRtxSsrc);
  EXPECT_EQ(a.pt, 97);
  EXPECT_TRUE(a.retransmission);
  EXPECT_FALSE(a.padded) << "RFC 4588: the padding is not retransmitted";
  EXPECT_EQ(a.ts, 9000u * 65534) << "the original's timestamp";
  EXPECT_EQ(a.marker, false);
  EXPECT_EQ(a.extension, std::vector<guint8>{0x55}) << "the header extensions are kept";
  const guint len = 10 + 65534 % 7;
  ASSERT_EQ(a.payload.size(), 2 + len);
  EXPECT_EQ((a.payload[0] << 8) | a.payload[1], 65534) << "the original sequence number first";
  EXPECT_EQ(a.payload[2], 65534 & 0xff);
  EXPECT_EQ(a.payload.back(), 65534 & 0xff);

  EXPECT_EQ(b.ssrc, kVideoRtxSsrc);
  EXPECT_EQ((b.payload[0] << 8) | b.payload[1], 1);
  EXPECT_EQ(b.marker, true);
  EXPECT_EQ(static_cast<guint16>(b.seq - a.seq), 1) << "RTX has its own consecutive sequence numbers";
  EXPECT_EQ(num(h.get(), "num-rtx-requests"), 2u);
  EXPECT_EQ(num(h.get(), "num-rtx-packets"), 2u);
}

// rtpsession (1.22.0) learns a sending stream's clock rate only from caps
// naming its SSRC; without them it asks at the stream's first report, from
// inside a walk of its sources (src/media/send_stream_announcer.h).
TEST(RtxSend, DownstreamIsToldOfAnRtxStreamBeforeItsFirstPacketOnly) {
  HarnessPtr h = make_harness();
  // What goes out, in order: caps naming an SSRC ("caps 22136"), other caps ("caps"), packets ("rtp 22136").
  std::vector<std::string> out;
  g_autoptr(GstPad) src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, [](GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* seen = static_cast<std::vector<std::string>*>(data);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
      GstRTPBuffer r = GST_RTP_BUFFER_INIT;
      if (gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &r)) {
        seen->push_back("rtp " + std::to_string(gst_rtp_buffer_get_ssrc(&r)));
        gst_rtp_buffer_unmap(&r);
      }
    } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(GST_PAD_PROBE_INFO_EVENT(info), &caps);
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      guint ssrc = 0;
      gint pt = 0, rate = 0;
      if (gst_structure_get_uint(s, "ssrc", &ssrc) && gst_structure_get_int(s, "payload", &pt) &&
          gst_structure_get_int(s, "clock-rate", &rate))
        seen->push_back("caps " + std::to_string(ssrc) + " pt " + std::to_string(pt) + " " + std::to_string(rate));
      else
        seen->push_back("caps");
    }
    return GST_PAD_PROBE_OK;
  }, &out, nullptr);
  // Caps naming the video stream, as send_stream_announcer sends them; then the funnel's own.
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,ssrc=(uint)4660,payload=96,clock-rate=90000");
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp");
  for (guint16 seq = 1; seq <= 3; ++seq) gst_buffer_unref(gst_harness_push_and_pull(h.get(), rtp(kVideoSsrc, 96, seq)));
  out.clear();
  ask_for(h.get(), kVideoSsrc, 2);
  ask_for(h.get(), kVideoSsrc, 3);
  const std::string rtx = "rtp " + std::to_string(kVideoRtxSsrc);
  EXPECT_EQ(out, (std::vector<std::string>{"caps " + std::to_string(kVideoRtxSsrc) + " pt 97 90000", "caps", rtx, rtx}));
  g_autoptr(GstCaps) now = gst_pad_get_current_caps(src);
  g_autoptr(GstCaps) before = gst_caps_from_string("application/x-rtp");
  EXPECT_TRUE(gst_caps_is_equal(now, before)) << "the caps of before again";
}

TEST(RtxSend, WhatIsNotKeptIsNotAnswered) {
  HarnessPtr h = make_harness(16);
  for (guint16 seq = 0; seq < 40; ++seq) {
    gst_harness_push(h.get(), rtp(kVideoSsrc, 96, seq));
    gst_harness_push(h.get(), rtp(kAudioSsrc, 111, seq));
  }
  while (GstBuffer* b = gst_harness_try_pull(h.get())) gst_buffer_unref(b);

  ask_for(h.get(), kVideoSsrc, 10);   // older than the last 16
  ask_for(h.get(), kVideoSsrc, 40);   // not sent yet
  ask_for(h.get(), kAudioSsrc, 39);   // no retransmission type for 111
  ask_for(h.get(), 0x4242, 39);       // not ours
  EXPECT_EQ(gst_harness_buffers_in_queue(h.get()), 0u);
  ask_for(h.get(), kVideoSsrc, 24);   // the oldest kept
  Packet p = pull(h.get());
  EXPECT_EQ((p.payload[0] << 8) | p.payload[1], 24);
  EXPECT_EQ(num(h.get(), "num-rtx-requests"), 5u);
  EXPECT_EQ(num(h.get(), "num-rtx-packets"), 1u);
}

TEST(RtxSend, AnSsrcWithoutAnRtxSsrcIsNotRetransmitted) {
  HarnessPtr h = make_harness();
  gst_harness_push(h.get(), rtp(0x7777, 96, 1));
  gst_buffer_unref(gst_harness_pull(h.get()));
  ask_for(h.get(), 0x7777, 1);
  EXPECT_EQ(gst_harness_buffers_in_queue(h.get()), 0u) << "its receiver could not tell the RTX stream apart";

  // A renegotiation names it: from then on it is.
  g_autoptr(GstStructure) ssrcs = gst_structure_new_empty("application/x-rtp-ssrc-map");
  gst_structure_set(ssrcs, std::to_string(0x7777).c_str(), G_TYPE_UINT, 0x8888u, nullptr);
  g_object_set(h->element, "ssrc-map", ssrcs, nullptr);
  ask_for(h.get(), 0x7777, 1);
  EXPECT_EQ(pull(h.get()).ssrc, 0x8888u);
}

TEST(RtxSend, AFlushForgetsWhatWasSent) {
  HarnessPtr h = make_harness();
  gst_harness_push(h.get(), rtp(kVideoSsrc, 96, 7));
  gst_buffer_unref(gst_harness_pull(h.get()));
  ASSERT_TRUE(gst_harness_push_event(h.get(), gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(h.get(), gst_event_new_flush_stop(TRUE)));
  ask_for(h.get(), kVideoSsrc, 7);
  EXPECT_EQ(gst_harness_buffers_in_queue(h.get()), 0u);
}

TEST(RtxSend, OtherUpstreamEventsPassThrough) {
  HarnessPtr h = make_harness();
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h.get())) gst_event_unref(e);
  ASSERT_TRUE(gst_harness_push_upstream_event(h.get(), gst_video_event_new_upstream_force_key_unit(
                                                            GST_CLOCK_TIME_NONE, TRUE, 0)));
  ask_for(h.get(), kVideoSsrc, 1);
  GstEvent* e = gst_harness_try_pull_upstream_event(h.get());
  ASSERT_NE(e, nullptr) << "a keyframe request goes on upstream";
  EXPECT_TRUE(gst_video_event_is_force_key_unit(e));
  gst_event_unref(e);
  EXPECT_EQ(gst_harness_try_pull_upstream_event(h.get()), nullptr) << "a retransmission request stops here";
}

// The streaming thread stores while the RTCP thread asks: both push into the
// same pad, the history is shared under the object lock (ASan and UBSan
// run this too).
TEST(RtxSend, RequestsWhileStreamingFromAnotherThread) {
  HarnessPtr h = make_harness(64);
  constexpr int kPackets = 3000;
  std::atomic<int> sent{0};
  std::thread streaming([&] {
    for (int i = 0; i < kPackets; ++i) {
      gst_harness_push(h.get(), rtp(kVideoSsrc, 96, static_cast<guint16>(i)));
      sent.store(i + 1);
    }
  });
  int asked = 0;
  while (sent.load() < kPackets) {
    const int newest = sent.load() - 1;
    if (newest < 0) continue;
    ask_for(h.get(), kVideoSsrc, static_cast<guint>(newest - g_random_int_range(0, 32)) & 0xffff);
    ++asked;
  }
  streaming.join();
  guint originals = 0, retransmissions = 0;
  while (GstBuffer* b = gst_harness_try_pull(h.get())) {
    Packet p = read(b);
    if (p.ssrc == kVideoRtxSsrc) {
      ++retransmissions;
      EXPECT_EQ(p.payload.size(), 12u) << "OSN + the 10 bytes";
      EXPECT_EQ(p.payload[2], p.payload[1]) << "the payload of the packet it names";
    } else {
      ++originals;
    }
    gst_buffer_unref(b);
  }
  EXPECT_EQ(originals, static_cast<guint>(kPackets));
  EXPECT_EQ(retransmissions, num(h.get(), "num-rtx-packets"));
  EXPECT_EQ(num(h.get(), "num-rtx-requests"), static_cast<guint>(asked));
  std::printf("%d requests while streaming, %u answered\n", asked, retransmissions);
}

// A packet older than max-size-time is let go of as newer ones are sent (its
// payload freed, not only unanswered), and one kept that long is refused.
TEST(RtxSend, PacketsOlderThanMaxSizeTimeAreLetGoOf) {
  HarnessPtr h = make_harness();
  // Half a second: generous against a stalled test machine, either way.
  g_object_set(h->element, "max-size-time", 500u, nullptr);
  GstBuffer* first = rtp(kVideoSsrc, 96, 1);
  gst_buffer_ref(first);  // ours, to see when the element lets go of it
  gst_harness_push(h.get(), first);
  gst_harness_push(h.get(), rtp(kVideoSsrc, 96, 2));
  while (GstBuffer* b = gst_harness_try_pull(h.get())) gst_buffer_unref(b);
  EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(first), 2) << "kept for retransmission";
  ask_for(h.get(), kVideoSsrc, 1);
  EXPECT_TRUE(pull(h.get()).retransmission) << "answered while young";

  g_usleep(700 * 1000);
  ask_for(h.get(), kVideoSsrc, 2);
  EXPECT_EQ(gst_harness_buffers_in_queue(h.get()), 0u) << "older than 500 ms: not answered";
  gst_harness_push(h.get(), rtp(kVideoSsrc, 96, 3));
  gst_buffer_unref(gst_harness_pull(h.get()));
  EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(first), 1) << "let go of once a newer packet was sent";
  ask_for(h.get(), kVideoSsrc, 3);
  EXPECT_TRUE(pull(h.get()).retransmission) << "the new one is kept";
  gst_buffer_unref(first);
}

// Without max-size-time, a packet stays until the ring reuses its place.
TEST(RtxSend, WithoutMaxSizeTimeOldPacketsStayUntilTheRingIsFull) {
  HarnessPtr h = make_harness(16);
  gst_harness_push(h.get(), rtp(kVideoSsrc, 96, 1));
  gst_buffer_unref(gst_harness_pull(h.get()));
  g_usleep(50 * 1000);
  gst_harness_push(h.get(), rtp(kVideoSsrc, 96, 2));
  gst_buffer_unref(gst_harness_pull(h.get()));
  ask_for(h.get(), kVideoSsrc, 1);
  EXPECT_TRUE(pull(h.get()).retransmission);
}

// Packets sent past the element (a subscriber's direct sender) are kept as
// copies, and the copies let go of are filled again with later packets:
// every retransmission carries its own packet's bytes and length, whatever
// the packets kept before in the same memory were.
TEST(RtxSend, CopiesOfPacketsSentElsewhereAnswerWithTheirOwnBytes) {
  HarnessPtr h = make_harness(16);
  g_object_set(h->element, "max-size-time", 500u, nullptr);
  auto payload_len = [](guint16 seq) { return 10u + (seq * 37u) % 1100u; };
  for (guint16 seq = 1; seq <= 200; ++seq) {
    GstBuffer* packet = rtp(kVideoSsrc, 96, seq, payload_len(seq));
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(packet, &map, GST_MAP_READ));
    convene_rtx_send_remember_bytes(h->element, map.data, map.size, kVideoSsrc, seq, 96);
    gst_buffer_unmap(packet, &map);
    gst_buffer_unref(packet);
    if (seq % 7) continue;
    for (guint16 back : {guint16(0), guint16(3), guint16(15)}) {
      if (back >= seq) continue;
      const guint16 asked = static_cast<guint16>(seq - back);
      g_autoptr(GstBuffer) rtx = convene_rtx_send_retransmission(h->element, kVideoSsrc, asked);
      ASSERT_NE(rtx, nullptr) << "seq " << asked;
      const Packet p = read(rtx);
      ASSERT_GE(p.payload.size(), 2u);
      EXPECT_EQ(GST_READ_UINT16_BE(p.payload.data()), asked) << "the original sequence number";
      EXPECT_EQ(p.payload.size(), 2 + payload_len(asked)) << "seq " << asked;
      EXPECT_EQ(p.payload.back(), asked & 0xff) << "seq " << asked;
      EXPECT_EQ(p.extension, std::vector<guint8>{0x55});
    }
  }
  g_autoptr(GstBuffer) audio = rtp(kAudioSsrc, 111, 7);
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(audio, &map, GST_MAP_READ));
  convene_rtx_send_remember_bytes(h->element, map.data, map.size, kAudioSsrc, 7, 111);
  gst_buffer_unmap(audio, &map);
  EXPECT_EQ(convene_rtx_send_retransmission(h->element, kAudioSsrc, 7), nullptr) << "no RTX for its payload type";
}
