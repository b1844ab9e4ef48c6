// transport-cc plumbing: the extension every packet into a subscribe
// connection gets (plugins/transport_cc), and how rtpsession's feedback
// becomes the estimator's input (media/congestion_feedback).
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "media/congestion_feedback.h"
#include "transport_cc.h"

using namespace convene;

namespace {

constexpr guint8 kId = media::CongestionFeedback::kExtensionId;
const guint8 kPayload[6] = {0x90, 0x80, 0x12, 0x34, 0x56, 0x78};

GstBuffer* rtp_packet() {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(sizeof kPayload, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  gst_rtp_buffer_set_seq(&rtp, 4242);
  memcpy(gst_rtp_buffer_get_payload(&rtp), kPayload, sizeof kPayload);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

// What a packet carries: its one-byte extensions by id (size of each), and
// whether the payload and header came through.
struct Carried {
  guint16 profile = 0;
  std::vector<std::pair<int, guint>> extensions;
  bool payload_intact = false;
  guint16 seq = 0;
};

Carried carried(GstBuffer* buffer) {
  Carried c;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  EXPECT_TRUE(gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp));
  gpointer data = nullptr;
  guint words = 0;
  gst_rtp_buffer_get_extension_data(&rtp, &c.profile, &data, &words);
  for (int id = 1; id < 15; ++id) {
    gpointer ext = nullptr;
    guint size = 0;
    if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, static_cast<guint8>(id), 0, &ext, &size))
      c.extensions.emplace_back(id, size);
  }
  c.payload_intact = gst_rtp_buffer_get_payload_len(&rtp) == sizeof kPayload &&
                     !memcmp(gst_rtp_buffer_get_payload(&rtp), kPayload, sizeof kPayload);
  c.seq = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  return c;
}

}  // namespace

TEST(TransportCc, APacketWithoutExtensionsGetsAnEmptyTransportWideSequence) {
  GstBuffer* out = rtp::with_transport_cc(rtp_packet(), kId);
  Carried c = carried(out);
  EXPECT_EQ(c.profile, 0xBEDE);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.extensions[0], std::make_pair(static_cast<int>(kId), 2u));
  EXPECT_TRUE(c.payload_intact);
  EXPECT_EQ(c.seq, 4242);
  gst_buffer_unref(out);
}

TEST(TransportCc, ThePublishersExtensionsAreReplaced) {
  // What a browser's packet may carry from the publish connection: ids that
  // mean something else on the subscribe connection, ours among them.
  GstBuffer* in = rtp_packet();
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(in, GST_MAP_READWRITE, &rtp);
  const guint8 level[1] = {0x7f}, abs_send_time[3] = {1, 2, 3}, other[4] = {9, 9, 9, 9};
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 1, level, sizeof level);
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 2, abs_send_time, sizeof abs_send_time);
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, kId, other, sizeof other);
  gst_rtp_buffer_unmap(&rtp);
  GstBuffer* out = rtp::with_transport_cc(in, kId);
  Carried c = carried(out);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.extensions[0], std::make_pair(static_cast<int>(kId), 2u));
  EXPECT_TRUE(c.payload_intact);
  gst_buffer_unref(out);

  // A two-byte header block (RFC 8285) too.
  in = rtp_packet();
  gst_rtp_buffer_map(in, GST_MAP_READWRITE, &rtp);
  gst_rtp_buffer_add_extension_twobytes_header(&rtp, 0, 5, other, sizeof other);
  gst_rtp_buffer_unmap(&rtp);
  out = rtp::with_transport_cc(in, kId);
  c = carried(out);
  EXPECT_EQ(c.profile, 0xBEDE);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_TRUE(c.payload_intact);
  gst_buffer_unref(out);
}

TEST(TransportCc, ATaggedPacketIsLeftAsItIs) {
  GstBuffer* tagged = rtp::with_transport_cc(rtp_packet(), kId);
  GstBuffer* again = rtp::with_transport_cc(tagged, kId);
  EXPECT_EQ(again, tagged);
  gst_buffer_unref(again);
}

// CSRCs and padding come through; the result is one memory of its own that
// can be written in place, and the packet it came from is not touched.
TEST(TransportCc, CsrcsAndPaddingComeThroughInOneMemoryOfItsOwn) {
  GstBuffer* in = gst_rtp_buffer_new_allocate(sizeof kPayload, 4, 2);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(in, GST_MAP_READWRITE, &rtp);
  gst_rtp_buffer_set_seq(&rtp, 4242);
  gst_rtp_buffer_set_csrc(&rtp, 0, 0xc0ffee01);
  gst_rtp_buffer_set_csrc(&rtp, 1, 0xc0ffee02);
  memcpy(gst_rtp_buffer_get_payload(&rtp), kPayload, sizeof kPayload);
  const guint8 level[1] = {0x7f};
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 1, level, sizeof level);
  gst_rtp_buffer_unmap(&rtp);
  const gsize size_in = gst_buffer_get_size(in);
  gst_buffer_ref(in);  // shared, as a tee's packet
  GstBuffer* out = rtp::with_transport_cc(in, kId);
  ASSERT_NE(out, in);
  EXPECT_EQ(gst_buffer_n_memory(out), 1u);
  EXPECT_TRUE(gst_buffer_is_writable(out));
  EXPECT_TRUE(gst_memory_is_writable(gst_buffer_peek_memory(out, 0)));
  Carried c = carried(out);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.extensions[0], std::make_pair(static_cast<int>(kId), 2u));
  EXPECT_TRUE(c.payload_intact);
  EXPECT_EQ(c.seq, 4242);
  ASSERT_TRUE(gst_rtp_buffer_map(out, GST_MAP_READ, &rtp));
  EXPECT_EQ(gst_rtp_buffer_get_csrc_count(&rtp), 2);
  EXPECT_EQ(gst_rtp_buffer_get_csrc(&rtp, 1), 0xc0ffee02u);
  EXPECT_TRUE(gst_rtp_buffer_get_padding(&rtp));
  gst_rtp_buffer_unmap(&rtp);
  // The shared packet still has its own extension.
  EXPECT_EQ(gst_buffer_get_size(in), size_in);
  Carried original = carried(in);
  ASSERT_EQ(original.extensions.size(), 1u);
  EXPECT_EQ(original.extensions[0].first, 1);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
}

TEST(TransportCc, CapsNameTheExtensionAlone) {
  GstCaps* in = gst_caps_from_string(
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,ssrc=(uint)1,"
      "extmap-2=(string)http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time,"
      "extmap-4=(string)urn:ietf:params:rtp-hdrext:sdes:mid");
  GstCaps* out = rtp::caps_with_transport_cc(in, kId);
  const GstStructure* s = gst_caps_get_structure(out, 0);
  EXPECT_FALSE(gst_structure_has_field(s, "extmap-2"));
  EXPECT_FALSE(gst_structure_has_field(s, "extmap-4"));
  EXPECT_STREQ(gst_structure_get_string(s, ("extmap-" + std::to_string(kId)).c_str()), rtp::kTransportCcUri);
  EXPECT_STREQ(gst_structure_get_string(s, "encoding-name"), "VP8");
  guint ssrc = 0;
  EXPECT_TRUE(gst_structure_get_uint(s, "ssrc", &ssrc));
  EXPECT_EQ(ssrc, 1u);
  gst_caps_unref(in);
  gst_caps_unref(out);
}

// The probe on a pad (as on each sink pad of a subscribe connection's
// webrtcbin): caps and every packet through it are tagged.
TEST(TransportCc, APadTagsCapsAndPacketsGoingThrough) {
  GstHarness* h = gst_harness_new("identity");
  g_autoptr(GstPad) sink = gst_element_get_static_pad(h->element, "sink");
  rtp::tag_transport_cc(sink, kId, std::make_shared<std::atomic<bool>>(true));
  gst_harness_set_src_caps_str(h, "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,"
                                  "extmap-1=(string)urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(gst_harness_push(h, rtp_packet()), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    Carried c = carried(out);
    ASSERT_EQ(c.extensions.size(), 1u);
    EXPECT_EQ(c.extensions[0].first, kId);
    gst_buffer_unref(out);
  }
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_TRUE(caps);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  EXPECT_FALSE(gst_structure_has_field(s, "extmap-1"));
  EXPECT_TRUE(gst_structure_has_field(s, ("extmap-" + std::to_string(kId)).c_str()));
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}

// A receiver that did not take the extension sends no feedback, and
// rtpsession keeps a record of each numbered packet until feedback reports
// it: its packets go out with no extension at all (nothing numbered, nothing
// kept), each in one memory of its own; the setting is read per packet.
TEST(TransportCc, PacketsToAReceiverWithoutTheExtensionCarryNone) {
  GstHarness* h = gst_harness_new("identity");
  g_autoptr(GstPad) sink = gst_element_get_static_pad(h->element, "sink");
  auto in_use = std::make_shared<std::atomic<bool>>(false);
  rtp::tag_transport_cc(sink, kId, in_use);
  gst_harness_set_src_caps_str(h, "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
  // As a publisher's packet comes: an extension of its own, header and
  // payload in two memories.
  GstBuffer* published = rtp::with_transport_cc(rtp_packet(), 5);
  GstBuffer* split = gst_buffer_copy_region(published, GST_BUFFER_COPY_ALL, 0, 20);
  GstBuffer* rest = gst_buffer_copy_region(published, GST_BUFFER_COPY_MEMORY, 20, gst_buffer_get_size(published) - 20);
  split = gst_buffer_append(split, rest);
  gst_buffer_unref(published);
  ASSERT_GT(gst_buffer_n_memory(split), 1u);
  ASSERT_EQ(gst_harness_push(h, split), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  Carried c = carried(out);
  EXPECT_TRUE(c.extensions.empty()) << "no transport-cc, and not the publisher's";
  EXPECT_EQ(c.profile, 0u) << "no extension block";
  EXPECT_TRUE(c.payload_intact);
  EXPECT_EQ(c.seq, 4242);
  EXPECT_EQ(gst_buffer_n_memory(out), 1u);
  gst_buffer_unref(out);

  in_use->store(true);  // an answer that takes it
  ASSERT_EQ(gst_harness_push(h, rtp_packet()), GST_FLOW_OK);
  out = gst_harness_pull(h);
  c = carried(out);
  ASSERT_EQ(c.extensions.size(), 1u);
  EXPECT_EQ(c.extensions[0].first, kId);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(CongestionFeedback, TheAnswerSaysWhetherTheExtensionIsInUse) {
  GstElement* bin = gst_bin_new("sub-answer");
  {
    media::CongestionFeedback feedback(bin);
    EXPECT_TRUE(feedback.in_use()) << "until an answer says";
    feedback.answered("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n");
    EXPECT_FALSE(feedback.in_use()) << "an answer without it (webrtcbin 1.22 answers so)";
    feedback.answered(std::string("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:3 ") + rtp::kTransportCcUri +
                      "\r\n");
    EXPECT_TRUE(feedback.in_use());
  }
  gst_object_unref(bin);
}

namespace {

// What rtpsession puts in its "RTPTWCCPackets" event.
GstStructure* twcc_packets(const std::vector<media::CongestionFeedback::Reported>& packets) {
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GValueArray* array = g_value_array_new(0);
  for (const auto& p : packets) {
    GstStructure* s = gst_structure_new("RTPTWCCPacket", "seqnum", G_TYPE_UINT, static_cast<guint>(p.sequence),
                                        "local-ts", G_TYPE_UINT64, p.local_ns, "remote-ts", G_TYPE_UINT64,
                                        p.remote_ns, "payload-type", G_TYPE_UCHAR, 96, "size", G_TYPE_UINT, p.size,
                                        "lost", G_TYPE_BOOLEAN, p.lost, nullptr);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure(&v, s);
    gst_structure_free(s);
    g_value_array_append(array, &v);
    g_value_unset(&v);
  }
  GstStructure* out = gst_structure_new_empty("RTPTWCCPackets");
  GValue value = G_VALUE_INIT;
  g_value_init(&value, g_value_array_get_type());
  g_value_take_boxed(&value, array);
  gst_structure_take_value(out, "packets", &value);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return out;
}

}  // namespace

TEST(CongestionFeedback, ParsesWhatRtpsessionReports) {
  constexpr guint64 kNone = GST_CLOCK_TIME_NONE;
  GstStructure* s = twcc_packets({{7, 1'000'000, 5'000'000, 1200, false},
                                  {8, 1'100'000, kNone, 1200, true},
                                  {9, kNone, 5'300'000, 300, false}});
  const auto parsed = media::CongestionFeedback::parse(s);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].sequence, 7);
  EXPECT_EQ(parsed[0].local_ns, 1'000'000u);
  EXPECT_EQ(parsed[0].remote_ns, 5'000'000u);
  EXPECT_FALSE(parsed[0].lost);
  EXPECT_TRUE(parsed[1].lost);
  EXPECT_EQ(parsed[2].local_ns, kNone);
  EXPECT_EQ(parsed[2].size, 300u);
  gst_structure_free(s);
  EXPECT_TRUE(media::CongestionFeedback::parse(nullptr).empty());
}

TEST(CongestionFeedback, UnwrapsSequenceNumbersAndTurnsLossIntoALossReport) {
  GstElement* bin = gst_bin_new("sub-test");
  media::CongestionFeedback feedback(bin);
  EXPECT_EQ(feedback.packets_reported(), 0u);
  // 30 frames a second of two 1200-byte packets, across the 16-bit wrap.
  int64_t now_ms = 0;
  guint16 sequence = 65500;
  auto second = [&](int lost_every) {
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<media::CongestionFeedback::Reported> packets;
      for (int frame = 0; frame < 3; ++frame, now_ms += 33)
        for (int i = 0; i < 2; ++i, ++sequence) {
          const guint64 sent_ns = static_cast<guint64>(now_ms) * 1'000'000 + i * 100'000;
          const bool lost = lost_every && sequence % lost_every == 0;
          packets.push_back({sequence, sent_ns, lost ? GST_CLOCK_TIME_NONE : sent_ns + 20'000'000, 1200, lost});
        }
      feedback.on_reported(packets, now_ms);
    }
  };
  for (int i = 0; i < 5; ++i) second(0);
  EXPECT_EQ(feedback.packets_reported(), 300u);
  const double clean = feedback.estimate_bps();
  EXPECT_GT(feedback.estimator().acked_bps(), 500'000) << "the wrap did not reset the arrivals";
  EXPECT_EQ(feedback.estimator().state(), media::BandwidthUsage::Normal);
  for (int i = 0; i < 3; ++i) second(4);  // a quarter lost
  EXPECT_LT(feedback.estimate_bps(), clean * 0.9) << "over 10 % lost lowers the estimate";
  gst_object_unref(bin);
}
