// convenertpforward under GstHarness: real buffers in, real buffers out.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "convene_rtp_forward.h"
#include "vp8_temporal_layers.h"

namespace {

struct HarnessFree {
  void operator()(GstHarness* h) const { gst_harness_teardown(h); }
};
using HarnessPtr = std::unique_ptr<GstHarness, HarnessFree>;

HarnessPtr make_harness(const char* caps) {
  static bool registered = convene_rtp_forward_register(nullptr);
  EXPECT_TRUE(registered);
  HarnessPtr h(gst_harness_new("convenertpforward"));
  gst_harness_set_src_caps_str(h.get(), caps);
  return h;
}

GstBuffer* rtp(uint32_t ssrc, uint16_t seq, uint32_t ts, const std::vector<uint8_t>& payload, uint8_t pt = 96) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(static_cast<guint>(payload.size()), 0, 0);
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &r);
  gst_rtp_buffer_set_ssrc(&r, ssrc);
  gst_rtp_buffer_set_seq(&r, seq);
  gst_rtp_buffer_set_timestamp(&r, ts);
  gst_rtp_buffer_set_payload_type(&r, pt);
  memcpy(gst_rtp_buffer_get_payload(&r), payload.data(), payload.size());
  gst_rtp_buffer_unmap(&r);
  return b;
}

struct Header {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  uint8_t pt;
};

Header header_of(GstBuffer* b) {
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_READ, &r);
  Header h{gst_rtp_buffer_get_ssrc(&r), gst_rtp_buffer_get_seq(&r), gst_rtp_buffer_get_timestamp(&r),
           gst_rtp_buffer_get_payload_type(&r)};
  gst_rtp_buffer_unmap(&r);
  gst_buffer_unref(b);
  return h;
}

guint64 counter_of(GstElement* e, const char* name) {
  guint64 v = 0;
  g_object_get(e, name, &v, nullptr);
  return v;
}
guint64 counter(GstHarness* h, const char* name) { return counter_of(h->element, name); }

const std::vector<uint8_t> kKey = {0x10, 0x00, 0x9d, 0x01, 0x2a};
const std::vector<uint8_t> kDelta = {0x10, 0x01, 0x00};
constexpr const char* kVp8Caps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";

// Runs `pipeline` until its source's end has reached the forwarder `fwd`
// (which keeps an EOS to itself, so the pipeline never ends): everything
// before it has then been pushed through. Counts the warnings and errors
// posted meanwhile; false when the end never came.
bool run_until_forwarder_ends(GstElement* pipeline, GstElement* fwd, int* problems) {
  g_autoptr(GstPad) in = gst_element_get_static_pad(fwd, "sink");
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  const gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!GST_PAD_IS_EOS(in)) {
    if (g_get_monotonic_time() > deadline) return false;
    g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(
        bus, 10 * GST_MSECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (!msg) continue;
    ++*problems;  // a decoder warning means a frame it could not decode
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) return false;
  }
  return true;
}

}  // namespace

TEST(RtpForward, GatesOnAKeyframeAsksUpstreamOnceAndRewrites) {
  auto h = make_harness(kVp8Caps);
  g_object_set(h->element, "ssrc", 0x1234u, "payload-type", 100, nullptr);
  for (uint16_t i = 0; i < 3; ++i) EXPECT_EQ(gst_harness_push(h.get(), rtp(55, 10 + i, 1000, kDelta)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  EXPECT_EQ(counter(h.get(), "keyframes-forwarded"), 0u);
  // One keyframe request upstream, not three (rate-limited).
  guint upstream_fku = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h.get())) {
    upstream_fku += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(upstream_fku, 1u);
  EXPECT_EQ(counter(h.get(), "keyframe-requests"), 1u);

  gst_harness_push(h.get(), rtp(55, 13, 4000, kKey));
  gst_harness_push(h.get(), rtp(55, 14, 4000, kDelta));
  Header a = header_of(gst_harness_pull(h.get()));
  Header b = header_of(gst_harness_pull(h.get()));
  EXPECT_EQ(a.ssrc, 0x1234u);
  EXPECT_EQ(a.pt, 100);
  EXPECT_EQ(static_cast<uint16_t>(b.seq - a.seq), 1);
  EXPECT_EQ(counter(h.get(), "packets-forwarded"), 2u);
  EXPECT_EQ(counter(h.get(), "packets-dropped"), 3u);
  EXPECT_EQ(counter(h.get(), "keyframes-forwarded"), 1u) << "the keyframe, not the delta after it";
  EXPECT_GT(counter(h.get(), "bytes-forwarded"), 0u);
  // The outgoing caps name our SSRC, for the subscriber's SDP.
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(h->sinkpad);
  guint ssrc = 0;
  gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc);
  EXPECT_EQ(ssrc, 0x1234u);
}

TEST(RtpForward, SourceSwitchKeepsTheOutputContinuous) {
  auto h = make_harness(kVp8Caps);
  gst_harness_push(h.get(), rtp(1, 65534, 10, kKey));
  gst_harness_push(h.get(), rtp(1, 65535, 3010, kDelta));
  Header a = header_of(gst_harness_pull(h.get()));
  Header b = header_of(gst_harness_pull(h.get()));
  gst_harness_push(h.get(), rtp(2, 100, 777777, kKey));  // restarted publisher
  Header c = header_of(gst_harness_pull(h.get()));
  EXPECT_EQ(a.ssrc, c.ssrc);
  EXPECT_EQ(static_cast<uint16_t>(b.seq - a.seq), 1);
  EXPECT_EQ(static_cast<uint16_t>(c.seq - b.seq), 1);
  EXPECT_LT(c.ts - b.ts, 90000u);
}

TEST(RtpForward, MutedDropsEverything) {
  auto h = make_harness(kVp8Caps);
  g_object_set(h->element, "muted", TRUE, nullptr);
  for (uint16_t i = 0; i < 5; ++i) gst_harness_push(h.get(), rtp(1, i, 0, kKey));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u);
  g_object_set(h->element, "muted", FALSE, nullptr);
  gst_harness_push(h.get(), rtp(1, 5, 3000, kKey));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 1u);
}

TEST(RtpForward, AudioNeedsNoKeyframe) {
  auto h = make_harness("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111");
  gst_harness_push(h.get(), rtp(9, 1, 960, {0xfc, 0xff}, 111));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 1u);
}

TEST(RtpForward, SubscriberKeyframeRequestsAreRateLimited) {
  auto h = make_harness(kVp8Caps);
  g_object_set(h->element, "keyframe-min-interval", 60000u, nullptr);
  gst_harness_push(h.get(), rtp(1, 1, 0, kKey));
  for (int i = 0; i < 3; ++i)
    gst_harness_push_upstream_event(h.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  guint seen = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h.get())) {
    seen += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(seen, 1u);
}

// End to end in a real pipeline: every frame encoded goes through the
// forwarder and decodes on the far side.
TEST(RtpForward, EncodedVideoThroughTheForwarderDecodes) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  g_autoptr(GError) err = nullptr;
  g_autoptr(GstElement) pipeline = gst_parse_launch(
      "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=180,framerate=30/1 ! vp8enc deadline=1 ! "
      "rtpvp8pay ! convenertpforward name=fwd ssrc=4242 ! rtpvp8depay ! vp8dec ! "
      "fakesink name=sink signal-handoffs=true sync=false",
      &err);
  ASSERT_TRUE(pipeline) << (err ? err->message : "");
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_autoptr(GstElement) fwd = gst_bin_get_by_name(GST_BIN(pipeline), "fwd");
  int frames = 0;
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer n) { ++*static_cast<int*>(n); }),
                   &frames);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int problems = 0;
  EXPECT_TRUE(run_until_forwarder_ends(pipeline, fwd, &problems));
  EXPECT_EQ(problems, 0);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  EXPECT_EQ(frames, 30);
  EXPECT_GT(counter_of(fwd, "packets-forwarded"), 0u);
}

// VP8 with three temporal layers (as browsers send with L1T3) through the
// forwarder at each layer limit: the receiver decodes every frame that
// reaches it — a quarter, a half or all of them — without a decoding error.
namespace {

struct LayerRun {
  int decoded = 0;
  int errors = 0;
  guint64 dropped = 0;
  int layer_seen = -2;
};

LayerRun run_layers(guint max_layer, int frames) {
  static bool registered = convene_rtp_forward_register(nullptr);
  EXPECT_TRUE(registered);
  g_autoptr(GError) err = nullptr;
  std::string description =
      "videotestsrc num-buffers=" + std::to_string(frames) +
      " ! video/x-raw,width=320,height=180,framerate=30/1 ! vp8enc name=enc deadline=1 ! "
      "rtpvp8pay picture-id-mode=15-bit ! convenertpforward name=fwd ssrc=4242 max-temporal-layer=" +
      std::to_string(max_layer) + " ! rtpvp8depay ! vp8dec ! fakesink name=sink signal-handoffs=true sync=false";
  g_autoptr(GstElement) pipeline = gst_parse_launch(description.c_str(), &err);
  EXPECT_TRUE(pipeline) << (err ? err->message : "");
  LayerRun run;
  if (!pipeline) return run;
  g_autoptr(GstElement) enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
  convene::testing::configure_vp8_temporal_layers(enc);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_autoptr(GstElement) fwd = gst_bin_get_by_name(GST_BIN(pipeline), "fwd");
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer n) { ++*static_cast<int*>(n); }),
                   &run.decoded);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  if (!run_until_forwarder_ends(pipeline, fwd, &run.errors)) ++run.errors;
  run.dropped = counter_of(fwd, "packets-dropped");
  g_object_get(fwd, "temporal-layer", &run.layer_seen, nullptr);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return run;
}

}  // namespace

TEST(RtpForward, TemporalLayersAreForwardedUpToTheLimit) {
  const int frames = 32;  // eight periods of four
  LayerRun base = run_layers(0, frames), middle = run_layers(1, frames), all = run_layers(2, frames);
  EXPECT_EQ(base.decoded, frames / 4);
  EXPECT_EQ(middle.decoded, frames / 2);
  EXPECT_EQ(all.decoded, frames);
  EXPECT_EQ(base.errors + middle.errors + all.errors, 0);
  EXPECT_GT(base.dropped, middle.dropped);
  EXPECT_EQ(all.dropped, 0u);
  EXPECT_EQ(base.layer_seen, 0);
  EXPECT_EQ(all.layer_seen, 2);
}

// A reused subscriber slot: its forwarder is unlinked from one track's tee
// and linked to another's, whose sticky caps (same codec, another SSRC)
// reach the forwarder with the next buffer. The subscriber must see one
// continuous stream: the next sequence number, a timestamp a little later.
namespace {

// Gives a tee a stream of its own, as a publisher's webrtcbin pad would:
// stream-start, caps and segment stay sticky on its sink pad.
void start_stream(GstElement* tee, const char* id, const std::string& caps) {
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee, "sink");
  gst_pad_send_event(sink, gst_event_new_stream_start(id));
  g_autoptr(GstCaps) c = gst_caps_from_string(caps.c_str());
  gst_pad_send_event(sink, gst_event_new_caps(c));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_send_event(sink, gst_event_new_segment(&segment));
}

GstFlowReturn chain_into(GstElement* tee, GstBuffer* buffer) {
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee, "sink");
  return gst_pad_chain(sink, buffer);
}

// What reached the end of a test pipeline.
struct Received {
  std::vector<Header> headers;  // every packet's, in order
  bool eos = false;
};

// A fakesink (not syncing to the clock) that records what reaches it.
GstElement* recording_sink(Received* into) {
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    [](GstPad*, GstPadProbeInfo* info, gpointer d) {
                      auto* r = static_cast<Received*>(d);
                      if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
                        r->headers.push_back(header_of(gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info))));
                      else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS)
                        r->eos = true;
                      return GST_PAD_PROBE_OK;
                    },
                    into, nullptr);
  return sink;
}

}  // namespace

TEST(RtpForward, RelinkedToAnotherTeeWithStickyCapsStaysContinuous) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* tee1 = gst_element_factory_make("tee", "track-1");
  GstElement* tee2 = gst_element_factory_make("tee", "track-2");
  GstElement* fwd = gst_element_factory_make("convenertpforward", nullptr);
  Received received;
  const std::vector<Header>& out = received.headers;
  GstElement* sink = recording_sink(&received);
  g_object_set(tee1, "allow-not-linked", TRUE, nullptr);
  g_object_set(tee2, "allow-not-linked", TRUE, nullptr);
  g_object_set(fwd, "ssrc", 0x1234u, nullptr);
  gst_bin_add_many(GST_BIN(pipeline), tee1, tee2, fwd, sink, nullptr);
  ASSERT_TRUE(gst_element_link(fwd, sink));
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  start_stream(tee1, "track-1", std::string(kVp8Caps) + ",ssrc=(uint)111");
  start_stream(tee2, "track-2", std::string(kVp8Caps) + ",ssrc=(uint)222");
  g_autoptr(GstPad) fwd_sink = gst_element_get_static_pad(fwd, "sink");

  GstPad* from1 = gst_element_request_pad_simple(tee1, "src_%u");
  ASSERT_EQ(gst_pad_link(from1, fwd_sink), GST_PAD_LINK_OK);
  EXPECT_EQ(chain_into(tee1, rtp(111, 100, 4000, kKey)), GST_FLOW_OK);
  EXPECT_EQ(chain_into(tee1, rtp(111, 101, 7000, kDelta)), GST_FLOW_OK);
  ASSERT_EQ(out.size(), 2u);

  // The slot moves to track 2 (nothing flows meanwhile, so unlink at once).
  gst_pad_unlink(from1, fwd_sink);
  gst_element_release_request_pad(tee1, from1);
  gst_object_unref(from1);
  GstPad* from2 = gst_element_request_pad_simple(tee2, "src_%u");
  ASSERT_EQ(gst_pad_link(from2, fwd_sink), GST_PAD_LINK_OK);
  EXPECT_EQ(chain_into(tee2, rtp(222, 5000, 777777, kKey)), GST_FLOW_OK);
  EXPECT_EQ(chain_into(tee2, rtp(222, 5001, 780777, kDelta)), GST_FLOW_OK);
  ASSERT_EQ(out.size(), 4u) << "track 2's keyframe and the frame after it are forwarded";
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(fwd_sink);
  guint in_ssrc = 0;
  gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &in_ssrc);
  EXPECT_EQ(in_ssrc, 222u) << "the second tee's sticky caps reached the forwarder";

  for (const Header& h : out) EXPECT_EQ(h.ssrc, 0x1234u);
  EXPECT_EQ(static_cast<uint16_t>(out[2].seq - out[1].seq), 1) << "seq " << out[1].seq << " -> " << out[2].seq;
  EXPECT_EQ(static_cast<uint16_t>(out[3].seq - out[2].seq), 1);
  const uint32_t step = out[2].ts - out[1].ts;
  EXPECT_GT(step, 0u) << "ts " << out[1].ts << " -> " << out[2].ts;
  EXPECT_LT(step, 90000u) << "ts " << out[1].ts << " -> " << out[2].ts << ": at most the second that passed";
  EXPECT_EQ(out[3].ts - out[2].ts, 3000u);

  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_pad_unlink(from2, fwd_sink);
  gst_element_release_request_pad(tee2, from2);
  gst_object_unref(from2);
  gst_object_unref(pipeline);
}

// Until its subscriber's connection is up the forwarder pushes nothing (a
// webrtcbin could hold the push, and the publisher's thread with it); once
// connected, video starts from a keyframe it asks for.
TEST(RtpForward, DropsUntilConnectedThenStartsFromAKeyframe) {
  auto h = make_harness(kVp8Caps);
  g_object_set(h->element, "connected", FALSE, nullptr);
  gst_harness_push(h.get(), rtp(1, 1, 0, kKey));
  gst_harness_push(h.get(), rtp(1, 2, 3000, kDelta));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u) << "nothing goes out before the connection is up";
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h.get())) gst_event_unref(e);

  g_object_set(h->element, "connected", TRUE, nullptr);
  guint asked = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h.get())) {
    asked += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(asked, 1u) << "connecting asks for a keyframe";
  gst_harness_push(h.get(), rtp(1, 3, 6000, kDelta));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 0u) << "video waits for that keyframe";
  gst_harness_push(h.get(), rtp(1, 4, 9000, kKey));
  gst_harness_push(h.get(), rtp(1, 5, 12000, kDelta));
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 2u);
}

// A subscriber's connection bundles every track it receives into one RTP
// session: webrtcbin's rtpfunnel passes on an EOS from any of its inputs,
// and rtpsession then ends the whole session. So when one published track
// ends (the publisher's webrtcbin sends EOS down its pad as the screen
// share's m-line goes inactive, and its slot is not unlinked yet), the
// forwarder must keep that EOS to itself, or the subscriber loses every
// other track of the connection too (seen: bob stopped receiving alice's
// camera and microphone when she stopped sharing her screen).
TEST(RtpForward, ATracksEndDoesNotEndTheSubscribersOtherTracks) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* camera = gst_element_factory_make("tee", "camera");
  GstElement* screen = gst_element_factory_make("tee", "screen");
  GstElement* to_camera = gst_element_factory_make("convenertpforward", nullptr);
  GstElement* to_screen = gst_element_factory_make("convenertpforward", nullptr);
  GstElement* bundle = gst_element_factory_make("rtpfunnel", nullptr);
  Received seen;
  GstElement* sink = recording_sink(&seen);
  ASSERT_TRUE(bundle) << "rtpfunnel (gst-plugins-good) is missing";
  g_object_set(to_camera, "ssrc", 0x1111u, nullptr);
  g_object_set(to_screen, "ssrc", 0x2222u, nullptr);
  gst_bin_add_many(GST_BIN(pipeline), camera, screen, to_camera, to_screen, bundle, sink, nullptr);
  ASSERT_TRUE(gst_element_link(camera, to_camera));
  ASSERT_TRUE(gst_element_link(screen, to_screen));
  ASSERT_TRUE(gst_element_link(to_camera, bundle));
  ASSERT_TRUE(gst_element_link(to_screen, bundle));
  ASSERT_TRUE(gst_element_link(bundle, sink));
  auto camera_packets = [&] {
    return std::count_if(seen.headers.begin(), seen.headers.end(), [](const Header& h) { return h.ssrc == 0x1111u; });
  };
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  start_stream(camera, "camera", std::string(kVp8Caps) + ",ssrc=(uint)111");
  start_stream(screen, "screen", std::string(kVp8Caps) + ",ssrc=(uint)222");
  EXPECT_EQ(chain_into(camera, rtp(111, 1, 0, kKey)), GST_FLOW_OK);
  EXPECT_EQ(chain_into(screen, rtp(222, 1, 0, kKey)), GST_FLOW_OK);
  EXPECT_EQ(camera_packets(), 1);

  g_autoptr(GstPad) screen_in = gst_element_get_static_pad(screen, "sink");
  gst_pad_send_event(screen_in, gst_event_new_eos());  // the screen share stops
  EXPECT_FALSE(seen.eos) << "the end of one track reached the subscriber's bundle";
  EXPECT_EQ(chain_into(camera, rtp(111, 2, 3000, kDelta)), GST_FLOW_OK);
  EXPECT_EQ(chain_into(camera, rtp(111, 3, 6000, kDelta)), GST_FLOW_OK);
  EXPECT_EQ(camera_packets(), 3) << "the camera goes on after the screen share's end";

  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// The slot of an ended track is reused for the next one: a new stream
// starts on the same forwarder and flows.
TEST(RtpForward, AReusedSlotFlowsAfterItsLastTracksEnd) {
  auto h = make_harness(kVp8Caps);
  gst_harness_push(h.get(), rtp(1, 1, 0, kKey));
  ASSERT_EQ(gst_harness_buffers_received(h.get()), 1u);
  gst_harness_push_event(h.get(), gst_event_new_eos());
  bool eos = false;
  while (GstEvent* e = gst_harness_try_pull_event(h.get())) {
    eos |= GST_EVENT_TYPE(e) == GST_EVENT_EOS;
    gst_event_unref(e);
  }
  EXPECT_FALSE(eos) << "a track's end is not passed on";
  gst_harness_push_event(h.get(), gst_event_new_stream_start("next-track"));
  EXPECT_EQ(gst_harness_push(h.get(), rtp(2, 500, 90000, kKey)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h.get()), 2u);
}

// The direct output (convene_rtp_forward_set_output): a forwarder whose
// output takes every packet pushes nothing, and what the output writes with
// the rewrite it is given is byte for byte what a forwarder without one
// pushes: SSRC, payload type, sequence numbers and timestamps, and the VP8
// picture ids and TL0PICIDX renumbered for the temporal layers it drops.
TEST(RtpForward, TheDirectOutputWritesWhatThePadWouldCarry) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  g_autoptr(GError) err = nullptr;
  g_autoptr(GstElement) pipeline = gst_parse_launch(
      "videotestsrc num-buffers=32 ! video/x-raw,width=320,height=180,framerate=30/1 ! vp8enc name=enc deadline=1 ! "
      "rtpvp8pay picture-id-mode=15-bit ! tee name=t "
      "t. ! convenertpforward name=pushed ssrc=4242 payload-type=100 max-temporal-layer=0 ! "
      "  fakesink name=pushed_sink signal-handoffs=true sync=false async=false "
      "t. ! convenertpforward name=direct ssrc=4242 payload-type=100 max-temporal-layer=0 ! "
      "  fakesink name=direct_sink signal-handoffs=true sync=false async=false",
      &err);
  ASSERT_TRUE(pipeline) << (err ? err->message : "");
  // Not async: the sink behind the direct output never gets a buffer to
  // preroll with (as webrtcbin never does in the SFU).
  g_autoptr(GstElement) enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
  convene::testing::configure_vp8_temporal_layers(enc);
  using Packets = std::vector<std::vector<guint8>>;
  Packets pushed, written, pushed_by_direct;
  auto collect = +[](GstElement*, GstBuffer* buffer, GstPad*, gpointer out) {
    std::vector<guint8> bytes(gst_buffer_get_size(buffer));
    gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
    static_cast<Packets*>(out)->push_back(std::move(bytes));
  };
  g_autoptr(GstElement) pushed_sink = gst_bin_get_by_name(GST_BIN(pipeline), "pushed_sink");
  g_autoptr(GstElement) direct_sink = gst_bin_get_by_name(GST_BIN(pipeline), "direct_sink");
  g_signal_connect(pushed_sink, "handoff", G_CALLBACK(collect), &pushed);
  g_signal_connect(direct_sink, "handoff", G_CALLBACK(collect), &pushed_by_direct);
  g_autoptr(GstElement) direct = gst_bin_get_by_name(GST_BIN(pipeline), "direct");
  convene_rtp_forward_set_output(
      direct,
      [](GstBuffer* packet, const ConveneRtpRewrite* rewrite, gpointer out) -> gboolean {
        std::vector<guint8> bytes(gst_buffer_get_size(packet));
        gst_buffer_extract(packet, 0, bytes.data(), bytes.size());
        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
        if (!gst_rtp_buffer_map(packet, GST_MAP_READ, &rtp)) return FALSE;
        const guint payload_at = gst_rtp_buffer_get_header_len(&rtp);
        gst_rtp_buffer_unmap(&rtp);
        convene_rtp_rewrite_apply(rewrite, bytes.data(), bytes.data() + payload_at);
        static_cast<Packets*>(out)->push_back(std::move(bytes));
        return TRUE;
      },
      &written, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstElement) pushed_fwd = gst_bin_get_by_name(GST_BIN(pipeline), "pushed");
  int problems = 0;
  EXPECT_TRUE(run_until_forwarder_ends(pipeline, pushed_fwd, &problems));
  EXPECT_TRUE(run_until_forwarder_ends(pipeline, direct, &problems));
  gst_element_set_state(pipeline, GST_STATE_NULL);
  EXPECT_EQ(problems, 0);
  EXPECT_TRUE(pushed_by_direct.empty()) << "the output took every packet: nothing on the src pad";
  ASSERT_GT(pushed.size(), 8u);
  EXPECT_GT(counter_of(direct, "packets-dropped"), 0u) << "layers 1 and 2 were dropped, so ids were renumbered";
  EXPECT_EQ(counter_of(direct, "packets-forwarded"), pushed.size());
  EXPECT_GE(counter_of(direct, "keyframes-forwarded"), 1u) << "the stream starts at a keyframe";
  EXPECT_EQ(counter_of(direct, "keyframes-forwarded"), counter_of(pushed_fwd, "keyframes-forwarded"));
  std::printf("%zu packets forwarded, %" G_GUINT64_FORMAT " dropped\n", pushed.size(), counter_of(direct, "packets-dropped"));
  ASSERT_EQ(written.size(), pushed.size());
  for (size_t i = 0; i < pushed.size(); ++i) EXPECT_EQ(written[i], pushed[i]) << "packet " << i;
}
