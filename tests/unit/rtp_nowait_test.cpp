// The receive side without a jitter buffer: RtpGapTracker's decisions as
// tables, and convenertpnowait under GstHarness (packets out at once and in
// arrival order, retransmission requests upstream, rtpbin's properties).
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "convene_rtp_nowait.h"
#include "rtp_gap_tracker.h"

using convene::rtp::RtpGapTracker;

namespace {

std::vector<uint16_t> feed(RtpGapTracker& t, uint16_t seq, uint64_t now_ms) {
  std::vector<uint16_t> ask;
  t.on_packet(seq, now_ms, &ask);
  return ask;
}

}  // namespace

TEST(RtpGapTracker, InOrderAsksForNothing) {
  RtpGapTracker t;
  for (uint16_t s = 65530, n = 0; n < 20; ++s, ++n) EXPECT_TRUE(feed(t, s, n).empty()) << "seq " << s;
  EXPECT_EQ(t.stats().received, 20u);
  EXPECT_EQ(t.stats().requests, 0u);
}

TEST(RtpGapTracker, AGapIsAskedForAtOnceAcrossTheWrap) {
  RtpGapTracker t;
  feed(t, 65534, 0);
  EXPECT_EQ(feed(t, 2, 1), (std::vector<uint16_t>{65535, 0, 1}));
  EXPECT_EQ(t.pending(), 3u);
  EXPECT_TRUE(feed(t, 0, 2).empty()) << "a retransmission asks for nothing";
  EXPECT_EQ(t.stats().recovered, 1u);
  EXPECT_EQ(t.pending(), 2u);
}

TEST(RtpGapTracker, RetriesAfterRetryMsThenGivesUp) {
  RtpGapTracker::Settings s;
  s.retry_ms = 40;
  s.give_up_ms = 200;
  s.max_tries = 3;
  RtpGapTracker t(s);
  feed(t, 10, 0);
  EXPECT_EQ(feed(t, 12, 0), (std::vector<uint16_t>{11}));
  EXPECT_TRUE(feed(t, 13, 39).empty()) << "not before retry_ms";
  EXPECT_EQ(feed(t, 14, 40), (std::vector<uint16_t>{11}));
  EXPECT_EQ(feed(t, 15, 80), (std::vector<uint16_t>{11}));
  EXPECT_TRUE(feed(t, 16, 120).empty()) << "max_tries reached";
  EXPECT_EQ(t.stats().lost, 0u);
  feed(t, 17, 200);
  EXPECT_EQ(t.stats().lost, 1u) << "given up at give_up_ms";
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.stats().requests, 3u);
  feed(t, 11, 210);
  EXPECT_EQ(t.stats().duplicates, 1u) << "too late: not counted as recovered";
}

TEST(RtpGapTracker, ARestartedSourceIsNoLoss) {
  RtpGapTracker t;
  feed(t, 100, 0);
  EXPECT_TRUE(feed(t, 30000, 1).empty());
  EXPECT_TRUE(feed(t, 30001, 2).empty());
  EXPECT_EQ(t.stats().requests, 0u);
}

TEST(RtpGapTracker, DuplicatesAreCounted) {
  RtpGapTracker t;
  feed(t, 5, 0);
  feed(t, 6, 1);
  feed(t, 6, 2);
  feed(t, 5, 3);
  EXPECT_EQ(t.stats().duplicates, 2u);
  EXPECT_EQ(t.stats().requests, 0u);
}

TEST(RtpGapTracker, PendingIsBounded) {
  RtpGapTracker::Settings s;
  s.max_pending = 8;
  s.max_gap = 100;
  RtpGapTracker t(s);
  feed(t, 0, 0);
  feed(t, 50, 1);  // 49 missing
  EXPECT_EQ(t.pending(), 8u);
  EXPECT_EQ(t.stats().lost, 41u);
}

namespace {

struct HarnessFree {
  void operator()(GstHarness* h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessFree>;

HarnessPtr make_harness() {
  static bool registered = convene_rtp_nowait_register(nullptr);
  EXPECT_TRUE(registered);
  HarnessPtr h(gst_harness_new("convenertpnowait"));
  gst_harness_set_src_caps_str(h.get(), "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
  return h;
}

GstBuffer* rtp(uint16_t seq) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(4, 0, 0);
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &r);
  gst_rtp_buffer_set_ssrc(&r, 0x1234);
  gst_rtp_buffer_set_seq(&r, seq);
  gst_rtp_buffer_set_payload_type(&r, 96);
  gst_rtp_buffer_unmap(&r);
  return b;
}

uint16_t seq_of(GstBuffer* b) {
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_READ, &r);
  uint16_t s = gst_rtp_buffer_get_seq(&r);
  gst_rtp_buffer_unmap(&r);
  return s;
}

// The retransmission requests that reached upstream, in order.
std::vector<guint> requested(GstHarness* h) {
  std::vector<guint> out;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) {
    const GstStructure* s = gst_event_get_structure(e);
    if (GST_EVENT_TYPE(e) == GST_EVENT_CUSTOM_UPSTREAM && gst_structure_has_name(s, "GstRTPRetransmissionRequest")) {
      guint seq = 0, ssrc = 0;
      EXPECT_TRUE(gst_structure_get_uint(s, "seqnum", &seq));
      EXPECT_TRUE(gst_structure_get_uint(s, "ssrc", &ssrc));
      EXPECT_EQ(ssrc, 0x1234u);
      out.push_back(seq);
    }
    gst_event_unref(e);
  }
  return out;
}

}  // namespace

TEST(RtpNowait, PassesEveryPacketOnAtOnceInArrivalOrder) {
  HarnessPtr h = make_harness();
  g_object_set(h->element, "do-retransmission", TRUE, nullptr);
  for (uint16_t s : {1, 2, 4, 3, 5}) {
    ASSERT_EQ(gst_harness_push(h.get(), rtp(s)), GST_FLOW_OK);
    // Out before the next one goes in: nothing is held.
    GstBuffer* out = gst_harness_try_pull(h.get());
    ASSERT_NE(out, nullptr) << "seq " << s << " held back";
    EXPECT_EQ(seq_of(out), s);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(requested(h.get()), (std::vector<guint>{3})) << "the gap at 3 is asked for, once";
  GstStructure* stats = nullptr;
  g_object_get(h->element, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  guint64 pushed = 0, recovered = 0, lost = 0;
  EXPECT_TRUE(gst_structure_get(stats, "num-pushed", G_TYPE_UINT64, &pushed, "rtx-success-count", G_TYPE_UINT64,
                                &recovered, "num-lost", G_TYPE_UINT64, &lost, nullptr));
  EXPECT_EQ(pushed, 5u);
  EXPECT_EQ(recovered, 1u);
  EXPECT_EQ(lost, 0u);
  gst_structure_free(stats);
}

TEST(RtpNowait, AsksNothingWithoutDoRetransmission) {
  HarnessPtr h = make_harness();
  for (uint16_t s : {1, 5, 9}) gst_harness_push(h.get(), rtp(s));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 3u);
  EXPECT_TRUE(requested(h.get()).empty());
}

// What rtpbin sets on a jitter buffer unconditionally, and webrtcbin after.
TEST(RtpNowait, HasThePropertiesRtpbinAndWebrtcbinSet) {
  HarnessPtr h = make_harness();
  g_object_set(h->element, "latency", 50u, "do-retransmission", TRUE, nullptr);
  guint latency = 0;
  gboolean nack = FALSE;
  g_object_get(h->element, "latency", &latency, "do-retransmission", &nack, nullptr);
  EXPECT_EQ(latency, 50u);
  EXPECT_TRUE(nack);
}
