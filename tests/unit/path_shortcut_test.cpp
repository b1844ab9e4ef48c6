// The send input shortcut on a stand-in for one input of webrtcbin 1.22
// (`_connect_input_stream`): `clocksync sync=true`, then a bin of
// `rtpulpfecenc ! rtpredenc`, into an `rtpfunnel` whose output goes to a
// harness. Packets must reach the funnel with the encoders skipped only
// while both are in the pass-through settings webrtcbin gives them when
// neither FEC nor RED is negotiated, after every event, and with the caps
// the packets were sent with.
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "media/path_shortcut.h"
#include "media/repeated_event_filter.h"
#include "util/gst_object_ptr.h"

namespace convene::media {
namespace {

constexpr char kCaps[] = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";
constexpr char kOtherCaps[] = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=98";

// A 20-byte RTP packet (a new buffer).
GstBuffer* rtp_packet(guint8 pt, guint16 seq, guint32 ssrc) {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(20, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_payload_type(&rtp, pt);
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_ssrc(&rtp, ssrc);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

// A probe counting the buffers that pass a pad (an std::atomic<int>).
GstPadProbeReturn count_buffers(GstPad*, GstPadProbeInfo*, gpointer counter) {
  ++*static_cast<std::atomic<int>*>(counter);
  return GST_PAD_PROBE_OK;
}

// Whether `pad` has the caps `text` describes (false without caps).
bool pad_has_caps(GstPad* pad, const char* text) {
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  g_autoptr(GstCaps) expected = gst_caps_from_string(text);
  return caps && gst_caps_is_equal(caps, expected);
}

// Gives `bin` a ghost pad `sink_name` for `first`'s sink pad and one
// `src_name` for `last`'s src pad.
void ghost_ends(GstElement* bin, GstElement* first, GstElement* last, const char* sink_name = "sink",
                const char* src_name = "src") {
  g_autoptr(GstPad) in = gst_element_get_static_pad(first, "sink");
  g_autoptr(GstPad) out = gst_element_get_static_pad(last, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new(sink_name, in));
  gst_element_add_pad(bin, gst_ghost_pad_new(src_name, out));
}

class SendInput : public ::testing::Test {
 protected:
  void SetUp() override {
    GstElement* bin = gst_bin_new("input");
    clocksync_ = gst_element_factory_make("clocksync", nullptr);
    g_object_set(clocksync_, "sync", TRUE, nullptr);
    ASSERT_TRUE(skip_send_input_pass_throughs(clocksync_));
    GstElement* fec = gst_bin_new(nullptr);
    ulpfecenc_ = gst_element_factory_make("rtpulpfecenc", nullptr);
    redenc_ = gst_element_factory_make("rtpredenc", nullptr);
    ASSERT_TRUE(ulpfecenc_ && redenc_) << "gstreamer1.0-plugins-good";
    gst_bin_add_many(GST_BIN(fec), ulpfecenc_, redenc_, nullptr);
    gst_element_link(ulpfecenc_, redenc_);
    ghost_ends(fec, ulpfecenc_, redenc_);
    GstElement* funnel = gst_element_factory_make("rtpfunnel", nullptr);
    gst_bin_add_many(GST_BIN(bin), clocksync_, fec, funnel, nullptr);
    gst_element_link_many(clocksync_, fec, funnel, nullptr);
    ghost_ends(bin, clocksync_, funnel);
    h_ = gst_harness_new_with_element(bin, "sink", "src");
    gst_object_unref(bin);  // the harness holds it
    // The harness's test clock would hold clocksync at running time 0 (where
    // it syncs a packet without a timestamp) until the test advanced it.
    gst_harness_use_systemclock(h_);
    g_autoptr(GstPad) fec_input = gst_element_get_static_pad(ulpfecenc_, "sink");
    gst_pad_add_probe(fec_input, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &full_path_, nullptr);
  }
  void TearDown() override { gst_harness_teardown(h_); }

  // What webrtcbin sets when the answer has neither FEC nor RED.
  void negotiate_no_fec_no_red() {
    g_object_set(ulpfecenc_, "pt", 255u, nullptr);
    g_object_set(redenc_, "pt", 0, "allow-no-red-blocks", FALSE, nullptr);
  }
  GstFlowReturn push(guint16 seq) {
    return gst_harness_push(h_, rtp_packet(96, seq, 1234));  // no timestamp: clocksync waits for running time 0, long past
  }
  // The payload type and sequence number of the next packet out.
  std::pair<int, int> pull() {
    GstBuffer* buffer = gst_harness_try_pull(h_);
    if (!buffer) return {-1, -1};
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp);
    std::pair<int, int> out{gst_rtp_buffer_get_payload_type(&rtp), gst_rtp_buffer_get_seq(&rtp)};
    gst_rtp_buffer_unmap(&rtp);
    gst_buffer_unref(buffer);
    return out;
  }
  // The funnel's pad for this input (a reference).
  GstPad* funnel_input() {
    g_autoptr(GstPad) fec_src = gst_element_get_static_pad(redenc_, "src");
    g_autoptr(GstPad) ghost = gst_pad_get_peer(fec_src);  // the fec bin's "src", through its internal pad
    g_autoptr(GstPad) fec_out = ghost ? GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost))) : nullptr;
    return fec_out ? gst_pad_get_peer(fec_out) : nullptr;
  }
  // The caps the funnel took for this input (its output has its own).
  bool caps_are(const char* text) {
    g_autoptr(GstPad) input = funnel_input();
    return input && pad_has_caps(input, text);
  }
  std::string caps_out() {
    g_autoptr(GstPad) input = funnel_input();
    g_autoptr(GstCaps) caps = input ? gst_pad_get_current_caps(input) : nullptr;
    g_autofree char* text = caps ? gst_caps_to_string(caps) : nullptr;
    return text ? text : "";
  }

  GstHarness* h_ = nullptr;
  GstElement* clocksync_ = nullptr;
  GstElement* ulpfecenc_ = nullptr;
  GstElement* redenc_ = nullptr;
  std::atomic<int> full_path_{0};
};

TEST_F(SendInput, WithoutFecOrRedPacketsSkipToTheFunnelAfterTheFirst) {
  negotiate_no_fec_no_red();
  gst_harness_set_src_caps_str(h_, kCaps);
  for (guint16 seq = 1; seq <= 10; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  for (int seq = 1; seq <= 10; ++seq) EXPECT_EQ(pull(), std::make_pair(96, seq)) << "every packet, in order, unchanged";
  EXPECT_EQ(full_path_.load(), 0) << "the caps went through the encoders unchanged: every packet skips them";
  EXPECT_TRUE(path_is_skipping(clocksync_));
  EXPECT_TRUE(caps_are(kCaps)) << caps_out();
}

// rtpredenc, made with forced RED blocks (its default, until webrtcbin
// applies an answer), turns the caps into RED's and puts the input's back
// only with the next packet it passes: until then nothing may skip it.
TEST_F(SendInput, NoPacketSkipsBeforeTheFunnelHasTheInputsCaps) {
  gst_harness_set_src_caps_str(h_, kCaps);  // through a rtpredenc that still forces RED blocks
  negotiate_no_fec_no_red();
  ASSERT_EQ(push(1), GST_FLOW_OK);
  ASSERT_EQ(push(2), GST_FLOW_OK);
  EXPECT_EQ(full_path_.load(), 1) << "the first packet puts the caps right, the second skips";
  EXPECT_EQ(pull(), std::make_pair(96, 1));
  EXPECT_EQ(pull(), std::make_pair(96, 2));
  EXPECT_TRUE(caps_are(kCaps)) << caps_out();
}

TEST_F(SendInput, WithRedNegotiatedEveryPacketIsEncoded) {
  g_object_set(ulpfecenc_, "pt", 255u, nullptr);
  g_object_set(redenc_, "pt", 100, "allow-no-red-blocks", TRUE, nullptr);
  gst_harness_set_src_caps_str(h_, kCaps);
  for (guint16 seq = 1; seq <= 5; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  EXPECT_EQ(full_path_.load(), 5);
  EXPECT_FALSE(path_is_skipping(clocksync_));
  for (int seq = 1; seq <= 5; ++seq) EXPECT_EQ(pull().first, 100) << "a RED packet";
}

// A renegotiation that turns RED on while packets skip: the next packet is
// encoded again.
TEST_F(SendInput, AnEncoderSettingChangedTakesPacketsBackThroughTheEncoders) {
  negotiate_no_fec_no_red();
  gst_harness_set_src_caps_str(h_, kCaps);
  for (guint16 seq = 1; seq <= 3; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  ASSERT_TRUE(path_is_skipping(clocksync_));
  g_object_set(redenc_, "pt", 100, "allow-no-red-blocks", TRUE, nullptr);
  EXPECT_FALSE(path_is_skipping(clocksync_));
  ASSERT_EQ(push(4), GST_FLOW_OK);
  EXPECT_EQ(full_path_.load(), 1);
  for (int seq = 1; seq <= 3; ++seq) EXPECT_EQ(pull(), std::make_pair(96, seq));
  EXPECT_EQ(pull().first, 100) << "encoded as RED";
}

// Events take the full path (every element on it passes them on at once),
// and the checks are made again before the next packet skips: new caps are
// at the funnel before the first packet sent with them.
TEST_F(SendInput, APacketNeverOvertakesAnEvent) {
  negotiate_no_fec_no_red();
  gst_harness_set_src_caps_str(h_, kCaps);
  for (guint16 seq = 1; seq <= 3; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  ASSERT_TRUE(path_is_skipping(clocksync_));
  gst_harness_set_src_caps_str(h_, kOtherCaps);
  EXPECT_FALSE(path_is_skipping(clocksync_)) << "an event stops the skipping until the checks pass";
  EXPECT_TRUE(caps_are(kOtherCaps)) << caps_out();
  ASSERT_EQ(push(4), GST_FLOW_OK);
  EXPECT_TRUE(path_is_skipping(clocksync_));
  EXPECT_EQ(full_path_.load(), 0);
  for (int seq = 1; seq <= 4; ++seq) EXPECT_EQ(pull().second, seq);
}

// An input relinked elsewhere: the shortcut is off for good, the packets
// still arrive (through the full path).
TEST_F(SendInput, ARelinkedInputTurnsTheShortcutOff) {
  negotiate_no_fec_no_red();
  gst_harness_set_src_caps_str(h_, kCaps);
  for (guint16 seq = 1; seq <= 2; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  ASSERT_TRUE(path_is_skipping(clocksync_));
  g_autoptr(GstPad) clocksync_src = gst_element_get_static_pad(clocksync_, "src");
  g_autoptr(GstPad) fec_sink = gst_pad_get_peer(clocksync_src);
  gst_pad_unlink(clocksync_src, fec_sink);
  EXPECT_FALSE(path_is_skipping(clocksync_));
  ASSERT_EQ(gst_pad_link(clocksync_src, fec_sink), GST_PAD_LINK_OK);
  gst_harness_set_src_caps_str(h_, kCaps);  // sticky events again, as after a relink
  for (guint16 seq = 3; seq <= 5; ++seq) ASSERT_EQ(push(seq), GST_FLOW_OK);
  EXPECT_EQ(full_path_.load(), 3) << "all after the relink";
  EXPECT_FALSE(path_is_skipping(clocksync_));
  for (int seq = 1; seq <= 5; ++seq) EXPECT_EQ(pull().second, seq);
}

TEST(SendInputShortcut, OnlyClocksyncsTakeItAndOnlyOnce) {
  g_autoptr(GstElement) clocksync = GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("clocksync", nullptr)));
  g_autoptr(GstElement) identity = GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("identity", nullptr)));
  EXPECT_FALSE(skip_send_input_pass_throughs(identity));
  EXPECT_TRUE(skip_send_input_pass_throughs(clocksync));
  EXPECT_FALSE(skip_send_input_pass_throughs(clocksync)) << "once";
}

// Two of webrtcbin's inputs (audio and video) into the bundle's rtpfunnel,
// whose output has the repeated-event filter and goes through a bin's ghost
// pad to the RTX sender's stand-in (a fakesink). Packets skip the funnel
// once it has sent its own events, and each reaches the end while the
// segment there is its own input's: once an input has a segment of its own,
// every packet goes through the funnel, which sends each input's segment
// when it switches to it.
class PastTheFunnel : public ::testing::Test {
 protected:
  struct Input {
    GstPad* src = nullptr;  // the test pushes here (a reference)
    GstElement* clocksync = nullptr;
    guint32 ssrc = 0;
  };
  void SetUp() override {
    pipeline_ = gst_pipeline_new(nullptr);
    funnel_ = gst_element_factory_make("rtpfunnel", nullptr);
    GstElement* rtx_bin = gst_bin_new(nullptr);
    end_ = gst_element_factory_make("fakesink", nullptr);
    g_object_set(end_, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE, nullptr);
    gst_bin_add(GST_BIN(rtx_bin), end_);
    g_autoptr(GstPad) end_sink = gst_element_get_static_pad(end_, "sink");
    gst_element_add_pad(rtx_bin, gst_ghost_pad_new("sink", end_sink));
    gst_bin_add_many(GST_BIN(pipeline_), funnel_, rtx_bin, nullptr);
    ASSERT_TRUE(gst_element_link(funnel_, rtx_bin));
    g_autoptr(GstPad) funnel_src = gst_element_get_static_pad(funnel_, "src");
    drop_repeated_sticky_events(funnel_src);
    g_signal_connect(end_, "handoff", G_CALLBACK(on_handoff), this);
    for (auto [input, ssrc, caps] : {std::tuple{&audio_, 1111u, kAudioCaps}, std::tuple{&video_, 2222u, kVideoCaps}}) {
      input->ssrc = ssrc;
      input->clocksync = gst_element_factory_make("clocksync", nullptr);
      ASSERT_TRUE(skip_send_input_pass_throughs(input->clocksync));
      GstElement* fec = gst_bin_new(nullptr);
      GstElement* ulpfecenc = gst_element_factory_make("rtpulpfecenc", nullptr);
      GstElement* redenc = gst_element_factory_make("rtpredenc", nullptr);
      g_object_set(ulpfecenc, "pt", 255u, nullptr);  // neither FEC nor RED negotiated
      g_object_set(redenc, "pt", 0, "allow-no-red-blocks", FALSE, nullptr);
      gst_bin_add_many(GST_BIN(fec), ulpfecenc, redenc, nullptr);
      gst_element_link(ulpfecenc, redenc);
      ghost_ends(fec, ulpfecenc, redenc);
      gst_bin_add_many(GST_BIN(pipeline_), input->clocksync, fec, nullptr);
      ASSERT_TRUE(gst_element_link_many(input->clocksync, fec, funnel_, nullptr));
      g_autoptr(GstPad) fec_src = gst_element_get_static_pad(fec, "src");
      g_autoptr(GstPad) funnel_input = gst_pad_get_peer(fec_src);
      gst_pad_add_probe(funnel_input, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &through_funnel_, nullptr);
      input->src = gst_pad_new(nullptr, GST_PAD_SRC);
      gst_pad_set_active(input->src, TRUE);
      g_autoptr(GstPad) sink = gst_element_get_static_pad(input->clocksync, "sink");
      ASSERT_EQ(gst_pad_link(input->src, sink), GST_PAD_LINK_OK);
    }
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    for (auto [input, caps] : {std::pair{&audio_, kAudioCaps}, std::pair{&video_, kVideoCaps}}) {
      gst_pad_push_event(input->src, gst_event_new_stream_start(caps));
      g_autoptr(GstCaps) c = gst_caps_from_string(caps);
      gst_pad_push_event(input->src, gst_event_new_caps(c));
      push_segment(*input, 0);
    }
  }
  void TearDown() override {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (Input* input : {&audio_, &video_}) gst_object_unref(input->src);
    gst_object_unref(pipeline_);
  }
  static void push_segment(const Input& input, GstClockTime base) {
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    segment.base = base;
    gst_pad_push_event(input.src, gst_event_new_segment(&segment));
  }
  GstFlowReturn push(const Input& input, guint16 seq) {
    return gst_pad_push(input.src, rtp_packet(input.ssrc == 1111 ? 111 : 96, seq, input.ssrc));
  }
  // Each packet at the end: its SSRC, sequence number, and the base of the segment the end had.
  struct Arrival {
    guint32 ssrc;
    guint16 seq;
    GstClockTime segment_base;
  };
  static void on_handoff(GstElement*, GstBuffer* buffer, GstPad* pad, gpointer data) {
    auto* self = static_cast<PastTheFunnel*>(data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
    Arrival a{gst_rtp_buffer_get_ssrc(&rtp), gst_rtp_buffer_get_seq(&rtp), GST_CLOCK_TIME_NONE};
    gst_rtp_buffer_unmap(&rtp);
    g_autoptr(GstEvent) event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    const GstSegment* segment = nullptr;
    if (event) gst_event_parse_segment(event, &segment);
    if (segment) a.segment_base = segment->base;
    self->arrivals_.push_back(a);
  }

  static constexpr const char* kAudioCaps =
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,ssrc=(uint)1111";
  static constexpr const char* kVideoCaps =
      "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,ssrc=(uint)2222";
  GstElement* pipeline_ = nullptr;
  GstElement* funnel_ = nullptr;
  GstElement* end_ = nullptr;
  Input audio_, video_;
  std::atomic<int> through_funnel_{0};
  std::vector<Arrival> arrivals_;  // the pushing thread's (this one)
};

TEST_F(PastTheFunnel, PacketsSkipTheFunnelAfterTheFirstOfEachInput) {
  for (guint16 seq = 1; seq <= 10; ++seq) {
    ASSERT_EQ(push(audio_, seq), GST_FLOW_OK);
    ASSERT_EQ(push(video_, seq), GST_FLOW_OK);
  }
  ASSERT_EQ(arrivals_.size(), 20u);
  for (size_t i = 0; i < arrivals_.size(); ++i) {
    EXPECT_EQ(arrivals_[i].ssrc, i % 2 ? 2222u : 1111u) << i;
    EXPECT_EQ(arrivals_[i].seq, i / 2 + 1) << i;
  }
  EXPECT_EQ(through_funnel_.load(), 1) << "only the first: the funnel's own events went out with it";
  EXPECT_TRUE(path_is_skipping(audio_.clocksync));
  EXPECT_TRUE(path_is_skipping(video_.clocksync));
  g_autoptr(GstPad) end_sink = gst_element_get_static_pad(end_, "sink");
  g_autoptr(GstPad) funnel_src = gst_element_get_static_pad(funnel_, "src");
  g_autoptr(GstCaps) funnels = gst_pad_get_current_caps(funnel_src);
  g_autoptr(GstCaps) at_end = gst_pad_get_current_caps(end_sink);
  EXPECT_TRUE(funnels && at_end && gst_caps_is_equal(funnels, at_end)) << "the funnel's own caps, as without the shortcut";
}

TEST_F(PastTheFunnel, EveryPacketReachesTheEndUnderItsOwnInputsSegment) {
  // Video first: the only packet through the funnel, which then counts video
  // as the input it last passed on, and would not send video's next segment.
  for (guint16 seq = 1; seq <= 3; ++seq) {
    ASSERT_EQ(push(video_, seq), GST_FLOW_OK);
    ASSERT_EQ(push(audio_, seq), GST_FLOW_OK);
  }
  ASSERT_TRUE(path_is_skipping(audio_.clocksync));
  ASSERT_TRUE(path_is_skipping(video_.clocksync));
  // The video input's segment changes (as a relinked or restarted source's would).
  push_segment(video_, GST_SECOND);
  for (guint16 seq = 4; seq <= 12; ++seq) {
    ASSERT_EQ(push(video_, seq), GST_FLOW_OK);
    ASSERT_EQ(push(audio_, seq), GST_FLOW_OK);
  }
  ASSERT_EQ(arrivals_.size(), 24u);
  for (const Arrival& a : arrivals_) {
    const GstClockTime expected = a.ssrc == 2222 && a.seq >= 4 ? GST_SECOND : 0;
    EXPECT_EQ(a.segment_base, expected) << "ssrc " << a.ssrc << " seq " << a.seq;
  }
  // With the segments differing, every switch between the inputs goes through the funnel.
  EXPECT_EQ(through_funnel_.load(), 1 + 18) << "after the change, every packet";
  EXPECT_FALSE(path_is_skipping(audio_.clocksync));
}

// rtpbin's receive path after the jitter buffer's stand-in (an identity
// here): `rtpptdemux`, whose pads webrtcbin links out of rtpbin (a bin's
// ghost pad, then the end: a fakesink). A packet of a payload type the
// demuxer has a pad for skips it; others take the full way, where it makes
// their pad; new caps reach the end with the first packet after them.
class PastThePayloadDemuxer : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_ = gst_pipeline_new(nullptr);
    start_ = gst_element_factory_make("identity", nullptr);
    demuxer_ = gst_element_factory_make("rtpptdemux", nullptr);
    gst_bin_add_many(GST_BIN(pipeline_), start_, demuxer_, nullptr);
    ASSERT_TRUE(gst_element_link(start_, demuxer_));
    g_signal_connect(demuxer_, "pad-added", G_CALLBACK(on_pad_added), this);
    g_signal_connect(demuxer_, "request-pt-map", G_CALLBACK(on_request_pt_map), nullptr);
    g_autoptr(GstPad) start_src = gst_element_get_static_pad(start_, "src");
    ASSERT_TRUE(skip_receive_pass_throughs_after(start_src, "test"));
    g_autoptr(GstPad) demuxer_sink = gst_element_get_static_pad(demuxer_, "sink");
    gst_pad_add_probe(demuxer_sink, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &full_way_, nullptr);
    src_ = gst_pad_new(nullptr, GST_PAD_SRC);
    gst_pad_set_active(src_, TRUE);
    g_autoptr(GstPad) start_sink = gst_element_get_static_pad(start_, "sink");
    ASSERT_EQ(gst_pad_link(src_, start_sink), GST_PAD_LINK_OK);
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    gst_pad_push_event(src_, gst_event_new_stream_start("demuxed"));
    set_caps(kCaps);
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(src_, gst_event_new_segment(&segment));
  }
  void TearDown() override {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(src_);
    gst_object_unref(pipeline_);
  }
  void set_caps(const char* text) {
    g_autoptr(GstCaps) caps = gst_caps_from_string(text);
    gst_pad_push_event(src_, gst_event_new_caps(caps));
  }
  GstFlowReturn push(guint8 pt, guint16 seq) {
    return gst_pad_push(src_, rtp_packet(pt, seq, 4321));
  }
  // webrtcbin's part: each new payload type's pad leaves through a bin's ghost pad.
  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<PastThePayloadDemuxer*>(data);
    GstElement* out = gst_bin_new(nullptr);
    GstElement* end = gst_element_factory_make("fakesink", nullptr);
    g_object_set(end, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE, nullptr);
    g_signal_connect(end, "handoff", G_CALLBACK(on_handoff), self);
    gst_bin_add(GST_BIN(out), end);
    g_autoptr(GstPad) end_sink = gst_element_get_static_pad(end, "sink");
    GstPad* ghost = gst_ghost_pad_new("sink", end_sink);
    gst_element_add_pad(out, ghost);
    gst_bin_add(GST_BIN(self->pipeline_), out);
    gst_element_sync_state_with_parent(out);
    gst_pad_link(pad, ghost);
    self->ends_[GST_PAD_NAME(pad)] = end;
  }
  static GstCaps* on_request_pt_map(GstElement*, guint pt, gpointer) {
    return pt == 97 ? gst_caps_from_string("application/x-rtp,media=video,encoding-name=RTX,clock-rate=90000,payload=97")
                    : nullptr;
  }
  static void on_handoff(GstElement* end, GstBuffer* buffer, GstPad*, gpointer data) {
    auto* self = static_cast<PastThePayloadDemuxer*>(data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
    self->arrivals_.emplace_back(end, gst_rtp_buffer_get_seq(&rtp));
    gst_rtp_buffer_unmap(&rtp);
  }
  std::vector<guint16> arrived_at(const char* pad_name) {
    std::vector<guint16> out;
    for (const auto& [end, seq] : arrivals_)
      if (ends_.count(pad_name) && end == ends_[pad_name]) out.push_back(seq);
    return out;
  }
  bool end_caps_have(const char* pad_name, const char* field) {
    if (!ends_.count(pad_name)) return false;
    g_autoptr(GstPad) sink = gst_element_get_static_pad(ends_[pad_name], "sink");
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(sink);
    return caps && gst_structure_has_field(gst_caps_get_structure(caps, 0), field);
  }

  static constexpr const char* kCaps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";
  GstElement* pipeline_ = nullptr;
  GstElement* start_ = nullptr;
  GstElement* demuxer_ = nullptr;
  GstPad* src_ = nullptr;
  std::atomic<int> full_way_{0};
  std::map<std::string, GstElement*> ends_;  // payload type pad name -> its fakesink
  std::vector<std::pair<GstElement*, guint16>> arrivals_;
};

TEST_F(PastThePayloadDemuxer, PacketsOfThePayloadTypeWithAPadSkipIt) {
  for (guint16 seq = 1; seq <= 10; ++seq) ASSERT_EQ(push(96, seq), GST_FLOW_OK);
  EXPECT_EQ(arrived_at("src_96"), (std::vector<guint16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(full_way_.load(), 1) << "the first made the demuxer's pad";
  g_autoptr(GstPad) start_src = gst_element_get_static_pad(start_, "src");
  EXPECT_TRUE(path_is_skipping(start_src));
}

TEST_F(PastThePayloadDemuxer, AnotherPayloadTypeTakesTheFullWay) {
  for (guint16 seq = 1; seq <= 3; ++seq) ASSERT_EQ(push(96, seq), GST_FLOW_OK);
  ASSERT_EQ(push(97, 4), GST_FLOW_OK);
  for (guint16 seq = 5; seq <= 7; ++seq) ASSERT_EQ(push(96, seq), GST_FLOW_OK);
  ASSERT_EQ(push(97, 8), GST_FLOW_OK);
  EXPECT_EQ(arrived_at("src_96"), (std::vector<guint16>{1, 2, 3, 5, 6, 7}));
  EXPECT_EQ(arrived_at("src_97"), (std::vector<guint16>{4, 8})) << "the demuxer made their pad and sent them there";
  EXPECT_EQ(full_way_.load(), 3) << "the first, and both of the other payload type";
}

TEST_F(PastThePayloadDemuxer, NewCapsReachTheEndWithTheFirstPacketAfterThem) {
  for (guint16 seq = 1; seq <= 3; ++seq) ASSERT_EQ(push(96, seq), GST_FLOW_OK);
  ASSERT_FALSE(end_caps_have("src_96", "rtcp-fb-nack"));
  set_caps("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,rtcp-fb-nack=(boolean)true");
  ASSERT_EQ(push(96, 4), GST_FLOW_OK);
  EXPECT_TRUE(end_caps_have("src_96", "rtcp-fb-nack")) << "the demuxer sent the new caps with that packet";
  for (guint16 seq = 5; seq <= 7; ++seq) ASSERT_EQ(push(96, seq), GST_FLOW_OK);
  EXPECT_EQ(arrived_at("src_96"), (std::vector<guint16>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(full_way_.load(), 2) << "the first, and the first after the caps";
}

// The ghost pads between two elements, as webrtcbin nests them: `from`'s
// output leaves its bin ("out"), then enters two bins ("outer", "inner")
// before `to`. A packet on the full way passes six ghost and internal pads.
class GhostPads : public ::testing::Test {
 protected:
  void SetUp() override {
    GstElement* top = gst_bin_new("top");
    GstElement* out = gst_bin_new("out");
    from_ = gst_element_factory_make("identity", "from");
    gst_bin_add(GST_BIN(out), from_);
    ghost_ends(out, from_, from_);
    GstElement* outer = gst_bin_new("outer");
    GstElement* inner = gst_bin_new("inner");
    to_ = gst_element_factory_make("identity", "to");
    gst_bin_add(GST_BIN(inner), to_);
    gst_bin_add(GST_BIN(outer), inner);
    g_autoptr(GstPad) to_sink = gst_element_get_static_pad(to_, "sink");
    g_autoptr(GstPad) to_src = gst_element_get_static_pad(to_, "src");
    GstPad* inner_sink = gst_ghost_pad_new("sink", to_sink);
    gst_element_add_pad(inner, inner_sink);
    gst_element_add_pad(inner, gst_ghost_pad_new("src", to_src));
    outer_sink_ = gst_ghost_pad_new("sink", inner_sink);
    gst_element_add_pad(outer, outer_sink_);
    g_autoptr(GstPad) inner_src = gst_element_get_static_pad(inner, "src");
    gst_element_add_pad(outer, gst_ghost_pad_new("src", inner_src));
    gst_bin_add_many(GST_BIN(top), out, outer, nullptr);
    gst_element_link(out, outer);
    ghost_ends(top, out, outer);
    h_ = gst_harness_new_with_element(top, "sink", "src");
    gst_object_unref(top);
    from_src_ = gst_element_get_static_pad(from_, "src");
    gst_pad_add_probe(outer_sink_, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &full_way_, nullptr);
  }
  void TearDown() override {
    gst_object_unref(from_src_);
    gst_harness_teardown(h_);
  }
  // Blocks as transportsendbin does until the DTLS key is set, dropping
  // events and buffers (a test thread cannot wait).
  static GstPadProbeReturn block(GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_DROP; }
  GstFlowReturn push(guint64 offset) {
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, 12, nullptr);
    GST_BUFFER_OFFSET(buffer) = offset;
    return gst_harness_push(h_, buffer);
  }
  std::vector<guint64> pulled() {
    std::vector<guint64> out;
    while (GstBuffer* b = gst_harness_try_pull(h_)) {
      out.push_back(GST_BUFFER_OFFSET(b));
      gst_buffer_unref(b);
    }
    return out;
  }
  bool to_has_caps(const char* text) {
    g_autoptr(GstPad) to_sink = gst_element_get_static_pad(to_, "sink");
    return pad_has_caps(to_sink, text);
  }

  GstHarness* h_ = nullptr;
  GstElement* from_ = nullptr;
  GstElement* to_ = nullptr;
  GstPad* from_src_ = nullptr;
  GstPad* outer_sink_ = nullptr;
  std::atomic<int> full_way_{0};
};

TEST_F(GhostPads, TheWayIsEveryGhostAndInternalPadUpToTheNextElement) {
  GstObjectPtr<GstPad> end;
  std::vector<GstObjectPtr<GstPad>> way = ghost_pads_after(from_src_, &end);
  std::vector<std::string> names;
  for (const auto& pad : way) {
    g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(pad.get()));
    names.push_back(std::string(parent ? GST_OBJECT_NAME(parent) : "(internal)") + ":" + GST_OBJECT_NAME(pad.get()));
  }
  way.clear();
  ASSERT_NE(end, nullptr);
  g_autoptr(GstObject) end_parent = gst_object_get_parent(GST_OBJECT(end.get()));
  EXPECT_STREQ(GST_OBJECT_NAME(end_parent), "to");
  EXPECT_STREQ(GST_OBJECT_NAME(end.get()), "sink");
  end.reset();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[1], "out:src") << "out of the bin";
  EXPECT_EQ(names[2], "outer:sink") << "into the next";
  EXPECT_EQ(names[4], "inner:sink") << "and the one inside it";
}

TEST_F(GhostPads, PacketsSkipToTheNextElementOnceItHasTheirEvents) {
  ASSERT_TRUE(skip_ghost_pads_after(from_src_, "test"));
  EXPECT_FALSE(skip_ghost_pads_after(from_src_, "test")) << "once";
  gst_harness_set_src_caps_str(h_, "application/x-rtp");
  for (guint64 i = 1; i <= 5; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 0) << "the events went ahead on the full way: every packet skips";
  EXPECT_TRUE(path_is_skipping(from_src_));
  EXPECT_EQ(pulled(), (std::vector<guint64>{1, 2, 3, 4, 5}));
}

// A probe at the start of the way that changes the caps it passes on (as
// the transport-cc tag does on a forwarder's output) does not keep packets
// from skipping: the end has the caps the next pad was given.
TEST_F(GhostPads, CapsChangedByAProbeAtTheStartStillLetPacketsSkip) {
  gst_pad_add_probe(
      from_src_, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer) {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        g_autoptr(GstCaps) tagged = gst_caps_copy(caps);
        gst_caps_set_simple(tagged, "extmap-3", G_TYPE_STRING, "tagged", nullptr);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(tagged);
        gst_event_unref(event);
        return GST_PAD_PROBE_OK;
      },
      nullptr, nullptr);
  ASSERT_TRUE(skip_ghost_pads_after(from_src_, "test"));
  gst_harness_set_src_caps_str(h_, "application/x-rtp");
  for (guint64 i = 1; i <= 3; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);
  EXPECT_TRUE(to_has_caps("application/x-rtp,extmap-3=tagged"));
  EXPECT_EQ(full_way_.load(), 0);
  EXPECT_EQ(pulled(), (std::vector<guint64>{1, 2, 3}));
}

// transportsendbin blocks its way until the DTLS key is set: nothing skips
// a blocked pad, and an event it dropped meanwhile reaches the next element
// (with the next packet that passes there) before anything skips again.
TEST_F(GhostPads, NothingSkipsABlockedPadOrOvertakesWhatItHeld) {
  ASSERT_TRUE(skip_ghost_pads_after(from_src_, "test"));
  gst_harness_set_src_caps_str(h_, "application/x-rtp,payload=96");
  ASSERT_EQ(push(1), GST_FLOW_OK);
  ASSERT_TRUE(path_is_skipping(from_src_));
  // On the src pad before the next element, as transportsendbin blocks it.
  g_autoptr(GstPad) outer_internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(outer_sink_)));
  const gulong blocked = gst_pad_add_probe(outer_internal, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM),
                                           block, nullptr, nullptr);
  gst_harness_set_src_caps_str(h_, "application/x-rtp,payload=97");
  ASSERT_EQ(push(2), GST_FLOW_OK);
  EXPECT_FALSE(path_is_skipping(from_src_));
  EXPECT_TRUE(to_has_caps("application/x-rtp,payload=96")) << "the new caps were dropped at the block";
  gst_pad_remove_probe(outer_internal, blocked);
  const int before = full_way_.load();
  ASSERT_EQ(push(3), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), before + 1) << "the first packet after the block takes the full way";
  EXPECT_TRUE(to_has_caps("application/x-rtp,payload=97")) << "and carries the caps the block dropped";
  ASSERT_EQ(push(4), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), before + 1) << "then packets skip again";
  EXPECT_EQ(pulled(), (std::vector<guint64>{1, 3, 4})) << "2 was dropped by the block, as without the shortcut";
}

TEST_F(GhostPads, AChangedLinkTurnsTheShortcutOffForGood) {
  ASSERT_TRUE(skip_ghost_pads_after(from_src_, "test"));
  gst_harness_set_src_caps_str(h_, "application/x-rtp");
  ASSERT_EQ(push(1), GST_FLOW_OK);
  ASSERT_TRUE(path_is_skipping(from_src_));
  g_autoptr(GstPad) inner_sink = gst_ghost_pad_get_target(GST_GHOST_PAD(outer_sink_));
  g_autoptr(GstPad) outer_internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(outer_sink_)));
  gst_pad_unlink(outer_internal, inner_sink);
  EXPECT_FALSE(path_is_skipping(from_src_));
  ASSERT_EQ(gst_pad_link(outer_internal, inner_sink), GST_PAD_LINK_OK);
  gst_harness_set_src_caps_str(h_, "application/x-rtp");
  for (guint64 i = 2; i <= 4; ++i) ASSERT_EQ(push(i), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 3) << "every packet after the relink takes the full way";
  EXPECT_FALSE(path_is_skipping(from_src_));
  EXPECT_EQ(pulled(), (std::vector<guint64>{1, 2, 3, 4}));
}


// A stand-in for rtpbin's receive path after rtpsession, as webrtcbin 1.22
// builds it: `from`, webrtcbin's auxiliary receiver (a bin of
// `rtprtxreceive ! rtpreddec`), rtpbin's `rtpstorage`, then `to` (the SSRC
// demuxer). A packet on the full way enters rtprtxreceive.
class ReceivePassThroughs : public ::testing::Test {
 protected:
  static constexpr guint kSsrc = 1234;
  static constexpr guint kRtxSsrc = 5678;

  void SetUp() override {
    GstElement* top = gst_bin_new("top");
    from_ = gst_element_factory_make("identity", "from");
    GstElement* aux = gst_bin_new("aux");
    rtxreceive_ = gst_element_factory_make("rtprtxreceive", nullptr);
    reddec_ = gst_element_factory_make("rtpreddec", nullptr);
    storage_ = gst_element_factory_make("rtpstorage", nullptr);
    to_ = gst_element_factory_make("identity", "to");
    ASSERT_TRUE(rtxreceive_ && reddec_ && storage_) << "gstreamer1.0-plugins-good";
    gst_bin_add_many(GST_BIN(aux), rtxreceive_, reddec_, nullptr);
    gst_element_link(rtxreceive_, reddec_);
    ghost_ends(aux, rtxreceive_, reddec_, "sink_0", "src_0");
    gst_bin_add_many(GST_BIN(top), from_, aux, storage_, to_, nullptr);
    ASSERT_TRUE(gst_element_link_many(from_, aux, storage_, to_, nullptr));
    ghost_ends(top, from_, to_);
    h_ = gst_harness_new_with_element(top, "sink", "src");
    gst_object_unref(top);
    from_src_ = gst_element_get_static_pad(from_, "src");
    g_autoptr(GstPad) aux_in = gst_element_get_static_pad(rtxreceive_, "sink");
    gst_pad_add_probe(aux_in, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &full_way_, nullptr);
  }
  void TearDown() override {
    gst_object_unref(from_src_);
    gst_harness_teardown(h_);
  }
  // What Convene and webrtcbin set with RTX but neither RED nor FEC negotiated.
  void negotiate_rtx_only() {
    GstStructure* map = gst_structure_new("application/x-rtp-pt-map", "96", G_TYPE_UINT, 97u, nullptr);
    g_object_set(rtxreceive_, "payload-type-map", map, nullptr);
    gst_structure_free(map);
    g_object_set(storage_, "size-time", guint64{0}, nullptr);
    gst_harness_set_src_caps_str(h_, "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
  }
  static GstBuffer* packet(guint8 pt, guint ssrc, guint16 seq, guint16 original_seq = 0) {
    GstBuffer* buffer = gst_rtp_buffer_new_allocate(4, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_payload_type(&rtp, pt);
    gst_rtp_buffer_set_seq(&rtp, seq);
    gst_rtp_buffer_set_ssrc(&rtp, ssrc);
    auto* payload = static_cast<guint8*>(gst_rtp_buffer_get_payload(&rtp));
    payload[0] = original_seq >> 8;  // an RTX payload starts with the original sequence number
    payload[1] = original_seq & 0xff;
    payload[2] = payload[3] = 0xab;
    gst_rtp_buffer_unmap(&rtp);
    return buffer;
  }
  struct Out {
    int pt, seq;
    guint ssrc;
    bool operator==(const Out& o) const { return pt == o.pt && seq == o.seq && ssrc == o.ssrc; }
  };
  std::vector<Out> pulled() {
    std::vector<Out> out;
    while (GstBuffer* b = gst_harness_try_pull(h_)) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map(b, GST_MAP_READ, &rtp);
      out.push_back({gst_rtp_buffer_get_payload_type(&rtp), gst_rtp_buffer_get_seq(&rtp), gst_rtp_buffer_get_ssrc(&rtp)});
      gst_rtp_buffer_unmap(&rtp);
      gst_buffer_unref(b);
    }
    return out;
  }

  GstHarness* h_ = nullptr;
  GstElement* from_ = nullptr;
  GstElement* rtxreceive_ = nullptr;
  GstElement* reddec_ = nullptr;
  GstElement* storage_ = nullptr;
  GstElement* to_ = nullptr;
  GstPad* from_src_ = nullptr;
  std::atomic<int> full_way_{0};
};

TEST_F(ReceivePassThroughs, TheWayRunsThroughTheAuxiliaryReceiverAndTheStorageToTheDemuxer) {
  GstObjectPtr<GstPad> end;
  std::vector<GstObjectPtr<GstElement>> elements;
  std::vector<GstObjectPtr<GstPad>> way = receive_pass_throughs_after(from_src_, &end, &elements);
  EXPECT_EQ(way.size(), 10u) << "the bin's two ghost pads and their internal pads, two pads of each element";
  way.clear();
  std::vector<std::string> factories;
  for (const auto& element : elements) factories.emplace_back(GST_OBJECT_NAME(gst_element_get_factory(element.get())));
  elements.clear();
  EXPECT_EQ(factories, (std::vector<std::string>{"rtprtxreceive", "rtpreddec", "rtpstorage"}));
  ASSERT_NE(end, nullptr);
  g_autoptr(GstObject) end_parent = gst_object_get_parent(GST_OBJECT(end.get()));
  EXPECT_STREQ(GST_OBJECT_NAME(end_parent), "to");
  end.reset();
  // Ghost pads only: the way stops at rtprtxreceive.
  GstObjectPtr<GstPad> ghost_end;
  ghost_pads_after(from_src_, &ghost_end);
  ASSERT_NE(ghost_end, nullptr);
  g_autoptr(GstElement) ghost_end_owner = gst_pad_get_parent_element(ghost_end.get());
  EXPECT_EQ(ghost_end_owner, rtxreceive_);
  ghost_end.reset();
}

TEST_F(ReceivePassThroughs, WithNeitherRedNorFecPacketsSkipToTheDemuxer) {
  ASSERT_TRUE(skip_receive_pass_throughs_after(from_src_, "test"));
  EXPECT_FALSE(skip_receive_pass_throughs_after(from_src_, "test")) << "once";
  negotiate_rtx_only();
  for (guint16 seq = 1; seq <= 5; ++seq) ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, seq)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 0) << "the events went ahead on the full way: every packet skips";
  EXPECT_TRUE(path_is_skipping(from_src_));
  EXPECT_EQ(pulled(), (std::vector<Out>{{96, 1, kSsrc}, {96, 2, kSsrc}, {96, 3, kSsrc}, {96, 4, kSsrc}, {96, 5, kSsrc}}));
}

// A retransmission (the RTX payload type) takes the full way, where
// rtprtxreceive turns it back into the packet it repeats; the packets
// around it skip.
TEST_F(ReceivePassThroughs, ARetransmissionIsRestoredOnTheFullWay) {
  ASSERT_TRUE(skip_receive_pass_throughs_after(from_src_, "test"));
  negotiate_rtx_only();
  ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, 1)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, 3)), GST_FLOW_OK);
  // The NACK for 2 goes upstream through rtprtxreceive, which then knows
  // which stream the retransmission repeats.
  GstStructure* request = gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, 2u, "ssrc",
                                            G_TYPE_UINT, kSsrc, nullptr);
  ASSERT_TRUE(gst_harness_push_upstream_event(h_, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, request)));
  ASSERT_EQ(gst_harness_push(h_, packet(97, kRtxSsrc, 1, 2)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 1) << "only the retransmission";
  ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, 4)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 1);
  EXPECT_EQ(pulled(), (std::vector<Out>{{96, 1, kSsrc}, {96, 3, kSsrc}, {96, 2, kSsrc}, {96, 4, kSsrc}}));
}

// A storage that keeps packets (FEC negotiated) or a RED decoder with a
// payload type acts on every packet: all take the full way until the
// setting changes back.
TEST_F(ReceivePassThroughs, KeptForFecOrWithRedEveryPacketTakesTheFullWay) {
  ASSERT_TRUE(skip_receive_pass_throughs_after(from_src_, "test"));
  negotiate_rtx_only();
  g_object_set(storage_, "size-time", 150 * GST_MSECOND, nullptr);
  for (guint16 seq = 1; seq <= 3; ++seq) ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, seq)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 3);
  EXPECT_FALSE(path_is_skipping(from_src_));
  g_object_set(storage_, "size-time", guint64{0}, nullptr);
  ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, 4)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 3) << "skipping again once the storage keeps nothing";
  EXPECT_TRUE(path_is_skipping(from_src_));
  g_object_set(reddec_, "pt", 100, nullptr);
  EXPECT_FALSE(path_is_skipping(from_src_)) << "a setting changed: the checks are made again";
  ASSERT_EQ(gst_harness_push(h_, packet(96, kSsrc, 5)), GST_FLOW_OK);
  EXPECT_EQ(full_way_.load(), 4) << "RED negotiated: the decoder keeps a history of every packet";
  EXPECT_EQ(pulled().size(), 5u);
}

}  // namespace
}  // namespace convene::media
