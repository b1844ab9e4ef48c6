// convenertpforward's spatial layer pads under GstHarness: one harness per
// layer pad (sink_0..2) feeding one element, the subscriber's side on the
// first one's src.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "convene_rtp_forward.h"
#include "vp8_descriptor.h"

namespace {

constexpr const char* kVp8Caps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";

// The three layers of one camera: their own SSRCs, sequence numbers,
// timestamps and picture ids, as three encoders would send them.
struct LayerStream {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  uint16_t picture_id;
  uint8_t tl0;
};

// A VP8 packet with 15-bit picture id, TL0PICIDX and TID (layer 0) as
// rtpvp8pay writes it, first of its frame; `key`: a key frame.
std::vector<uint8_t> vp8_payload(uint16_t picture_id, uint8_t tl0, bool key, uint8_t tid = 0, bool sync = false) {
  return {0x90, 0xe0, static_cast<uint8_t>(0x80 | (picture_id >> 8)), static_cast<uint8_t>(picture_id & 0xff), tl0,
          static_cast<uint8_t>((tid << 6) | (sync ? 0x20 : 0)), static_cast<uint8_t>(key ? 0x00 : 0x01), 0x00};
}

GstBuffer* rtp(uint32_t ssrc, uint16_t seq, uint32_t ts, const std::vector<uint8_t>& payload) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(static_cast<guint>(payload.size()), 0, 0);
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &r);
  gst_rtp_buffer_set_ssrc(&r, ssrc);
  gst_rtp_buffer_set_seq(&r, seq);
  gst_rtp_buffer_set_timestamp(&r, ts);
  gst_rtp_buffer_set_payload_type(&r, 96);
  memcpy(gst_rtp_buffer_get_payload(&r), payload.data(), payload.size());
  gst_rtp_buffer_unmap(&r);
  return b;
}

struct Out {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  uint16_t picture_id;
  uint8_t tl0;
  bool key;
};

Out out_of(GstBuffer* b) {
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_READ, &r);
  convene::rtp::Vp8Descriptor d;
  convene::rtp::parse_vp8_descriptor(static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&r)),
                                     gst_rtp_buffer_get_payload_len(&r), &d);
  Out o{gst_rtp_buffer_get_ssrc(&r), gst_rtp_buffer_get_seq(&r), gst_rtp_buffer_get_timestamp(&r), d.picture_id,
        d.tl0picidx, d.keyframe};
  gst_rtp_buffer_unmap(&r);
  gst_buffer_unref(b);
  return o;
}

// What reaches the subscriber's side (the harness's sink pad), in the order
// it arrives from whichever thread pushed it; dropped there. Read it once
// the pushing threads are joined.
class Collected {
 public:
  explicit Collected(GstPad* sinkpad) : pad_(sinkpad) {
    probe_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
      auto* self = static_cast<Collected*>(d);
      Out o = out_of(gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->out_.push_back(o);
      return GST_PAD_PROBE_DROP;
    }, this, nullptr);
  }
  ~Collected() { gst_pad_remove_probe(pad_, probe_); }
  Collected(const Collected&) = delete;
  Collected& operator=(const Collected&) = delete;

  std::vector<Out> packets() {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
  }

 private:
  GstPad* pad_;
  gulong probe_ = 0;
  std::mutex mutex_;
  std::vector<Out> out_;
};

// One forwarder with layer pads sink_0..sink_{n-1}, each fed by a harness.
class Layered {
 public:
  explicit Layered(int layers = 3) {
    static bool registered = convene_rtp_forward_register(nullptr);
    EXPECT_TRUE(registered);
    h_.push_back(gst_harness_new_with_padnames("convenertpforward", "sink_0", "src"));
    for (int i = 1; i < layers; ++i) {
      std::string pad = "sink_" + std::to_string(i);
      h_.push_back(gst_harness_new_with_element(h_[0]->element, pad.c_str(), nullptr));
    }
    for (GstHarness* h : h_) gst_harness_set_src_caps_str(h, kVp8Caps);
    for (int i = 0; i < layers; ++i)
      streams_.push_back({static_cast<uint32_t>(1000 + i), static_cast<uint16_t>(100 * i + 7),
                          static_cast<uint32_t>(i * 123456789u), static_cast<uint16_t>(3000 * i + 11),
                          static_cast<uint8_t>(50 * i + 3)});
    g_object_set(element(), "ssrc", 0x5151u, nullptr);
  }
  ~Layered() {
    for (size_t i = h_.size(); i-- > 0;)
      if (h_[i]) gst_harness_teardown(h_[i]);
  }

  GstElement* element() const { return h_[0]->element; }
  GstHarness* harness(int layer) const { return h_[static_cast<size_t>(layer)]; }

  // The next frame of `layer` (one packet), a key frame or not, 33 ms after its last.
  GstFlowReturn frame(int layer, bool key) {
    LayerStream& s = streams_[static_cast<size_t>(layer)];
    s.seq++;
    s.ts += 3000;
    s.picture_id = static_cast<uint16_t>((s.picture_id + 1) & 0x7fff);
    s.tl0++;
    return gst_harness_push(harness(layer), rtp(s.ssrc, s.seq, s.ts, vp8_payload(s.picture_id, s.tl0, key)));
  }

  // Keyframe requests that reached `layer`'s publisher side since last asked.
  guint requests(int layer) {
    guint n = 0;
    while (GstEvent* e = gst_harness_try_pull_upstream_event(harness(layer))) {
      n += gst_video_event_is_force_key_unit(e);
      gst_event_unref(e);
    }
    return n;
  }
  void forget_requests() {
    for (size_t i = 0; i < h_.size(); ++i) requests(static_cast<int>(i));
  }

  std::vector<Out> pull_all() {
    std::vector<Out> out;
    while (GstBuffer* b = gst_harness_try_pull(h_[0])) out.push_back(out_of(b));
    return out;
  }

  int spatial_layer() const {
    gint v = -2;
    g_object_get(element(), "spatial-layer", &v, nullptr);
    return v;
  }
  guint64 switches() const {
    guint64 v = 0;
    g_object_get(element(), "spatial-switches", &v, nullptr);
    return v;
  }

  // Drops the harness of `layer` (its pad is released).
  void release(int layer) {
    gst_harness_teardown(h_[static_cast<size_t>(layer)]);
    h_[static_cast<size_t>(layer)] = nullptr;
  }

 private:
  std::vector<GstHarness*> h_;
  std::vector<LayerStream> streams_;
};

// Every packet follows the one before: same SSRC, next sequence number, a
// later timestamp, the next picture id at each new frame.
void expect_continuous(const std::vector<Out>& out) {
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].ssrc, out[0].ssrc) << "at " << i;
    EXPECT_EQ(static_cast<uint16_t>(out[i].seq - out[i - 1].seq), 1) << "seq at " << i;
    const uint32_t step = out[i].ts - out[i - 1].ts;
    EXPECT_GT(step, 0u) << "ts at " << i;
    EXPECT_LT(step, 90000u) << "ts at " << i;
    EXPECT_EQ(static_cast<uint16_t>((out[i].picture_id - out[i - 1].picture_id) & 0x7fff), 1) << "picture id at " << i;
    EXPECT_EQ(static_cast<uint8_t>(out[i].tl0 - out[i - 1].tl0), 1) << "TL0PICIDX at " << i;
  }
}

}  // namespace

TEST(RtpForwardLayers, StartsAtTheTargetsKeyframeAndSwitchesUpAtTheNewTargetsKeyframe) {
  Layered l;
  EXPECT_EQ(l.spatial_layer(), -1);
  l.frame(0, false);
  l.frame(1, true);  // not the target
  EXPECT_EQ(l.pull_all().size(), 0u) << "nothing before the target's keyframe";
  EXPECT_EQ(l.requests(0), 1u) << "the target's keyframe is asked for on its pad";
  EXPECT_EQ(l.requests(1) + l.requests(2), 0u);
  l.frame(0, true);
  l.frame(0, false);
  EXPECT_EQ(l.spatial_layer(), 0);

  g_object_set(l.element(), "target-spatial-layer", 2, nullptr);
  EXPECT_EQ(l.requests(2), 1u) << "switching up asks the new target's pad for a keyframe";
  EXPECT_EQ(l.requests(0) + l.requests(1), 0u);
  l.frame(2, false);
  l.frame(0, false);  // the current layer keeps flowing meanwhile
  l.frame(1, true);
  EXPECT_EQ(l.spatial_layer(), 0);
  l.frame(2, true);  // the switch
  l.frame(0, false);
  l.frame(2, false);
  EXPECT_EQ(l.spatial_layer(), 2);
  EXPECT_EQ(l.switches(), 1u);

  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 5u);  // 0 key, 0, 0, 2 key, 2
  EXPECT_TRUE(out[0].key);
  EXPECT_TRUE(out[3].key);
  EXPECT_EQ(out[0].ssrc, 0x5151u);
  expect_continuous(out);
}

TEST(RtpForwardLayers, SwitchesDownAtTheLowerLayersKeyframeAskingForIt) {
  Layered l;
  g_object_set(l.element(), "target-spatial-layer", 2, nullptr);
  l.frame(2, true);
  l.frame(2, false);
  l.forget_requests();
  g_object_set(l.element(), "target-spatial-layer", 0, nullptr);
  EXPECT_EQ(l.requests(0), 1u);
  EXPECT_EQ(l.requests(1) + l.requests(2), 0u);
  l.frame(0, false);
  l.frame(2, false);
  EXPECT_EQ(l.spatial_layer(), 2) << "the higher layer flows until the lower one's keyframe";
  l.frame(0, true);
  l.frame(2, false);
  l.frame(0, false);
  EXPECT_EQ(l.spatial_layer(), 0);
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 5u);  // 2 key, 2, 2, 0 key, 0
  EXPECT_TRUE(out[3].key);
  expect_continuous(out);
  // Only what was meant for the subscriber counts as dropped (the layer
  // before its keyframe), not the other layers it never wanted.
  guint64 dropped = 0;
  g_object_get(l.element(), "packets-dropped", &dropped, nullptr);
  EXPECT_EQ(dropped, 1u);
  GstStructure* bytes = nullptr;
  g_object_get(l.element(), "spatial-layer-bytes", &bytes, nullptr);
  guint64 layer0 = 0, layer1 = 1, layer2 = 0;
  gst_structure_get(bytes, "layer-0", G_TYPE_UINT64, &layer0, "layer-1", G_TYPE_UINT64, &layer1, "layer-2",
                    G_TYPE_UINT64, &layer2, nullptr);
  gst_structure_free(bytes);
  EXPECT_GT(layer0, 0u);
  EXPECT_EQ(layer1, 0u);
  EXPECT_GT(layer2, layer0) << "every packet received counts, forwarded or not";
}

TEST(RtpForwardLayers, PausedForwardsNothingAndResumesAtAKeyframeItAsksFor) {
  Layered l;
  g_object_set(l.element(), "target-spatial-layer", 1, nullptr);
  l.frame(1, true);
  l.frame(1, false);
  ASSERT_EQ(l.pull_all().size(), 2u);
  g_object_set(l.element(), "paused", TRUE, nullptr);
  l.forget_requests();
  for (int i = 0; i < 5; ++i) {
    l.frame(0, true);
    l.frame(1, true);
    l.frame(2, true);
  }
  EXPECT_EQ(l.pull_all().size(), 0u) << "paused: nothing at all";
  EXPECT_EQ(l.spatial_layer(), -1);
  EXPECT_EQ(l.requests(0) + l.requests(1) + l.requests(2), 0u) << "and no keyframe requests";

  // (No rate limit here: the switch's request went out a moment ago.)
  g_object_set(l.element(), "keyframe-min-interval", 0u, nullptr);
  g_object_set(l.element(), "paused", FALSE, nullptr);
  EXPECT_EQ(l.requests(1), 1u) << "resuming asks the target's pad for a keyframe";
  l.frame(1, false);
  EXPECT_EQ(l.pull_all().size(), 0u) << "resumes at a keyframe, not before";
  l.frame(1, true);
  l.frame(1, false);
  EXPECT_EQ(l.spatial_layer(), 1);
  EXPECT_EQ(l.switches(), 0u);
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].key);
  EXPECT_EQ(static_cast<uint16_t>(out[1].seq - out[0].seq), 1);
}

TEST(RtpForwardLayers, PauseKeepsTheSequenceContinuousForTheSubscriber) {
  Layered l;
  l.frame(0, true);
  l.frame(0, false);
  g_object_set(l.element(), "paused", TRUE, nullptr);
  for (int i = 0; i < 20; ++i) l.frame(0, false);
  g_object_set(l.element(), "paused", FALSE, nullptr);
  l.frame(0, true);
  l.frame(0, false);
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 4u);
  // No gap the subscriber would ask to be retransmitted.
  expect_continuous(out);
}

TEST(RtpForwardLayers, ReleasedCurrentPadSwitchesAtTheTargetsNextKeyframe) {
  Layered l;
  g_object_set(l.element(), "target-spatial-layer", 1, nullptr);
  l.frame(1, true);
  l.frame(1, false);
  l.forget_requests();
  l.release(1);
  EXPECT_EQ(l.spatial_layer(), -1);
  // Target 1 has no pad now: the nearest, lower first, serves it.
  EXPECT_EQ(l.requests(0), 1u);
  EXPECT_EQ(l.requests(2), 0u);
  l.frame(2, true);
  l.frame(0, false);
  EXPECT_EQ(l.spatial_layer(), -1);
  l.frame(0, true);
  l.frame(0, false);
  EXPECT_EQ(l.spatial_layer(), 0);
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 4u);  // 1 key, 1, 0 key, 0
  expect_continuous(out);
  EXPECT_EQ(l.switches(), 1u);
}

TEST(RtpForwardLayers, EndedCurrentLayerSwitchesAtTheTargetsNextKeyframe) {
  Layered l;
  l.frame(0, true);
  g_object_set(l.element(), "target-spatial-layer", 2, nullptr);
  l.frame(0, false);
  EXPECT_TRUE(gst_harness_push_event(l.harness(0), gst_event_new_eos()));
  EXPECT_EQ(l.spatial_layer(), -1);
  l.frame(2, true);
  EXPECT_EQ(l.spatial_layer(), 2);
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 3u);
  expect_continuous(out);
  // One layer's end is not the subscriber's.
  bool eos = false;
  while (GstEvent* e = gst_harness_try_pull_event(l.harness(0))) {
    eos |= GST_EVENT_TYPE(e) == GST_EVENT_EOS;
    gst_event_unref(e);
  }
  EXPECT_FALSE(eos);
  EXPECT_TRUE(gst_harness_push_event(l.harness(1), gst_event_new_eos()));
  EXPECT_TRUE(gst_harness_push_event(l.harness(2), gst_event_new_eos()));
  while (GstEvent* e = gst_harness_try_pull_event(l.harness(0))) {
    eos |= GST_EVENT_TYPE(e) == GST_EVENT_EOS;
    gst_event_unref(e);
  }
  // Nor is the last layer's: the subscriber's connection carries its other
  // tracks in the same RTP session (RtpForward.ATracksEndDoesNotEndTheSubscribersOtherTracks).
  EXPECT_FALSE(eos) << "the end of the camera's last layer reached the subscriber";
}

TEST(RtpForwardLayers, SubscriberKeyframeRequestsGoToTheForwardedAndTheAwaitedLayer) {
  Layered l;
  g_object_set(l.element(), "keyframe-min-interval", 0u, nullptr);
  l.frame(0, true);
  l.forget_requests();
  gst_harness_push_upstream_event(l.harness(0), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 1));
  EXPECT_EQ(l.requests(0), 1u);
  EXPECT_EQ(l.requests(1) + l.requests(2), 0u);
  g_object_set(l.element(), "target-spatial-layer", 2, nullptr);
  l.forget_requests();
  gst_harness_push_upstream_event(l.harness(0), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 2));
  EXPECT_EQ(l.requests(0), 1u);
  EXPECT_EQ(l.requests(2), 1u);
  EXPECT_EQ(l.requests(1), 0u);
}

TEST(RtpForwardLayers, KeyframeRequestsForASwitchAreRateLimitedPerLayer) {
  Layered l;
  g_object_set(l.element(), "keyframe-min-interval", 60000u, nullptr);
  l.frame(0, true);
  g_object_set(l.element(), "target-spatial-layer", 2, nullptr);
  for (int i = 0; i < 10; ++i) {
    l.frame(0, false);
    l.frame(2, false);
  }
  EXPECT_EQ(l.requests(2), 1u) << "one request while the switch waits, not one a packet";
  g_object_set(l.element(), "target-spatial-layer", 1, nullptr);
  EXPECT_EQ(l.requests(1), 1u) << "another layer's pad has its own limit";
}

// VP8 temporal layers inside whichever spatial layer is forwarded: with
// max-temporal-layer 0 only base frames go out, before and after a switch,
// still numbered without gaps.
TEST(RtpForwardLayers, TemporalLayersAreCappedWithinEachSpatialLayer) {
  Layered l(2);
  g_object_set(l.element(), "max-temporal-layer", 0u, nullptr);
  uint16_t seq[2] = {10, 5000};
  uint32_t ts[2] = {0, 777777};
  uint16_t pid[2] = {100, 20000};
  uint8_t tl0[2] = {9, 99};
  static const uint8_t tids[] = {0, 2, 1, 2};
  auto push = [&](int layer, int n, bool key) {
    const uint8_t tid = tids[n % 4];
    if (tid == 0 && n) ++tl0[layer];
    gst_harness_push(l.harness(layer),
                     rtp(static_cast<uint32_t>(layer + 1), seq[layer]++, ts[layer] += 3000,
                         vp8_payload(pid[layer]++, tl0[layer], key, tid, n % 8 == 1 || n % 8 == 2)));
  };
  for (int n = 0; n < 8; ++n) push(0, n, n == 0);
  g_object_set(l.element(), "target-spatial-layer", 1, nullptr);
  for (int n = 0; n < 8; ++n) {
    push(0, 8 + n, false);
    push(1, n, n == 0);
  }
  std::vector<Out> out = l.pull_all();
  ASSERT_EQ(out.size(), 5u);  // layer 0: frames 0, 4 and 8 (before the switch); layer 1: frames 0 and 4
  expect_continuous(out);
  gint temporal = -2;
  g_object_get(l.element(), "temporal-layer", &temporal, nullptr);
  EXPECT_EQ(temporal, 0);
}

// Three publisher threads push on the three layer pads at once while the
// target moves: what leaves is one stream, numbered in the order it leaves.
TEST(RtpForwardLayers, ConcurrentPushesOnTheLayerPadsLeaveAsOneOrderedStream) {
  Layered l;
  Collected collected(l.harness(0)->sinkpad);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pushers;
  for (int layer = 0; layer < 3; ++layer) {
    pushers.emplace_back([&, layer] {
      uint16_t seq = static_cast<uint16_t>(layer * 1000);
      uint32_t ts = 0;
      uint16_t pid = static_cast<uint16_t>(layer * 7000);
      uint8_t tl0 = 0;
      for (int n = 0; !stop.load(); ++n) {
        ts += 3000;
        ++tl0;
        ++pid;
        // Frames of three packets; a keyframe every tenth frame.
        for (int part = 0; part < 3; ++part) {
          auto payload = vp8_payload(pid & 0x7fff, tl0, n % 10 == 0 && part == 0);
          if (part) payload[0] = 0x80;  // not the start of the frame
          gst_harness_push(l.harness(layer), rtp(static_cast<uint32_t>(layer + 1), seq++, ts, payload));
        }
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    g_object_set(l.element(), "target-spatial-layer", i % 3, nullptr);
    if (i % 50 == 49) g_object_set(l.element(), "paused", TRUE, "paused", FALSE, nullptr);
    g_usleep(1000);
  }
  stop = true;
  for (auto& t : pushers) t.join();
  const std::vector<Out> out = collected.packets();
  ASSERT_GT(out.size(), 10u);
  EXPECT_GT(l.switches(), 0u);
  size_t gaps = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].ssrc, out[0].ssrc);
    gaps += static_cast<uint16_t>(out[i].seq - out[i - 1].seq) != 1;
  }
  EXPECT_EQ(gaps, 0u) << "sequence numbers leave in order, without gaps, across " << l.switches() << " switches";
}

// The always `sink` pad honours `paused` too (a single-layer track).
TEST(RtpForwardLayers, TheSinglePadPausesAndResumesAtAKeyframe) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  GstHarness* h = gst_harness_new("convenertpforward");
  gst_harness_set_src_caps_str(h, kVp8Caps);
  gst_harness_push(h, rtp(1, 1, 0, vp8_payload(1, 1, true)));
  g_object_set(h->element, "paused", TRUE, nullptr);
  gst_harness_push(h, rtp(1, 2, 3000, vp8_payload(2, 2, true)));
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) gst_event_unref(e);
  g_object_set(h->element, "paused", FALSE, nullptr);
  guint asked = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) {
    asked += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(asked, 1u);
  gst_harness_push(h, rtp(1, 3, 6000, vp8_payload(3, 3, false)));
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  gst_harness_push(h, rtp(1, 4, 9000, vp8_payload(4, 4, true)));
  EXPECT_EQ(gst_harness_buffers_received(h), 2u);
  gint layer = 0;
  g_object_get(h->element, "spatial-layer", &layer, nullptr);
  EXPECT_EQ(layer, -1) << "no layers on the single pad";
  gst_harness_teardown(h);
}

// End to end in a real pipeline: one camera encoded at three sizes (three
// vp8enc, three SSRCs, each branch on its own thread), one forwarder, one
// decoder. Switching the target changes the decoded size at a keyframe the
// forwarder asked for; the decoder never fails and frames keep coming.
namespace {

struct Decoded {
  GMutex lock;
  std::vector<int> widths;     // of each decoded frame, in order
  std::vector<gint64> at_us;   // when each was decoded (monotonic)
};

// Waits until `done` holds or the pipeline posts an error/warning (or 20 s
// pass). Returns the error or warning message, if any.
template <typename Done>
std::string wait_for(GstElement* pipeline, Done done) {
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  for (int i = 0; i < 2000 && !done(); ++i) {
    g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(
        bus, 10 * GST_MSECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (msg) {
      g_autoptr(GError) err = nullptr;
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
        gst_message_parse_error(msg, &err, nullptr);
      else
        gst_message_parse_warning(msg, &err, nullptr);
      return std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + (err ? err->message : "?");
    }
  }
  return done() ? "" : "timed out";
}

}  // namespace

TEST(RtpForwardLayers, ThreeEncodedLayersSwitchAndDecodeWithoutErrors) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  std::string description =
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=15/1 ! tee name=camera "
      "convenertpforward name=fwd ssrc=4242 ! rtpvp8depay ! vp8dec ! fakesink name=sink signal-handoffs=true sync=false ";
  const int sizes[3][2] = {{320, 180}, {640, 360}, {1280, 720}};
  for (int i = 0; i < 3; ++i) {
    description += "camera. ! queue max-size-buffers=2 leaky=downstream ! videoscale ! video/x-raw,width=" +
                   std::to_string(sizes[i][0]) + ",height=" + std::to_string(sizes[i][1]) +
                   " ! vp8enc deadline=1 cpu-used=16 keyframe-max-dist=3000 ! rtpvp8pay picture-id-mode=15-bit ssrc=" +
                   std::to_string(1000 + i) + " ! fwd.sink_" + std::to_string(i) + " ";
  }
  g_autoptr(GError) err = nullptr;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description.c_str(), &err);
  ASSERT_TRUE(pipeline) << (err ? err->message : "");
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_autoptr(GstElement) fwd = gst_bin_get_by_name(GST_BIN(pipeline), "fwd");
  Decoded decoded;
  g_mutex_init(&decoded.lock);
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad* pad, gpointer data) {
                     auto* d = static_cast<Decoded*>(data);
                     int width = 0;
                     if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
                       gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &width);
                       gst_caps_unref(caps);
                     }
                     g_mutex_lock(&d->lock);
                     d->widths.push_back(width);
                     d->at_us.push_back(g_get_monotonic_time());
                     g_mutex_unlock(&d->lock);
                   }),
                   &decoded);
  auto frames = [&] {
    g_mutex_lock(&decoded.lock);
    std::vector<int> copy = decoded.widths;
    g_mutex_unlock(&decoded.lock);
    return copy;
  };
  // Frames of `width` decoded since frame `from`.
  auto count_since = [&](size_t from, int width) {
    std::vector<int> w = frames();
    int n = 0;
    for (size_t i = from; i < w.size(); ++i) n += w[i] == width;
    return n;
  };
  auto layer = [&] {
    gint v = -2;
    g_object_get(fwd, "spatial-layer", &v, nullptr);
    return v;
  };

  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  // Target 0 (the default): small frames.
  EXPECT_EQ(wait_for(pipeline, [&] { return count_since(0, 320) >= 8; }), "");
  EXPECT_EQ(layer(), 0);

  // Time from a new target to the first decoded frame of its size (printed,
  // not asserted: the machine is shared).
  auto first_frame_ms = [&](size_t from, int width, gint64 since_us) {
    g_mutex_lock(&decoded.lock);
    double ms = -1;
    for (size_t i = from; i < decoded.widths.size() && ms < 0; ++i)
      if (decoded.widths[i] == width) ms = static_cast<double>(decoded.at_us[i] - since_us) / 1000.0;
    g_mutex_unlock(&decoded.lock);
    return ms;
  };

  // Up to 1280x720.
  size_t mark = frames().size();
  gint64 set_at = g_get_monotonic_time();
  g_object_set(fwd, "target-spatial-layer", 2, nullptr);
  EXPECT_EQ(wait_for(pipeline, [&] { return count_since(mark, 1280) >= 8; }), "");
  EXPECT_EQ(layer(), 2);
  std::vector<int> w = frames();
  int before_switch = 0, after_switch = 0;
  for (size_t i = mark; i < w.size(); ++i) (w[i] == 320 ? before_switch : after_switch)++;
  printf("switch up: %d frames at 320 then %d at 1280; first 1280 frame %.0f ms after the target was set\n",
         before_switch, after_switch, first_frame_ms(mark, 1280, set_at));
  for (size_t i = mark; i < w.size(); ++i) EXPECT_TRUE(w[i] == 320 || w[i] == 1280) << "frame " << i << ": " << w[i];

  // Down to 320x180 again.
  mark = frames().size();
  set_at = g_get_monotonic_time();
  g_object_set(fwd, "target-spatial-layer", 0, nullptr);
  EXPECT_EQ(wait_for(pipeline, [&] { return count_since(mark, 320) >= 8; }), "");
  EXPECT_EQ(layer(), 0);
  w = frames();
  before_switch = after_switch = 0;
  for (size_t i = mark; i < w.size(); ++i) (w[i] == 1280 ? before_switch : after_switch)++;
  printf("switch down: %d frames at 1280 then %d at 320; first 320 frame %.0f ms after the target was set\n",
         before_switch, after_switch, first_frame_ms(mark, 320, set_at));
  // Once switched, no frame of the old size comes back.
  bool switched = false;
  for (size_t i = mark; i < w.size(); ++i) {
    if (w[i] == 320) switched = true;
    EXPECT_FALSE(switched && w[i] != 320) << "frame " << i << ": " << w[i];
  }

  // Paused: nothing; resumed: frames again.
  g_object_set(fwd, "paused", TRUE, nullptr);
  guint64 bytes_paused = 0, bytes_later = 0;
  g_usleep(200 * 1000);  // what was on its way has arrived
  g_object_get(fwd, "bytes-forwarded", &bytes_paused, nullptr);
  mark = frames().size();
  g_usleep(300 * 1000);
  g_object_get(fwd, "bytes-forwarded", &bytes_later, nullptr);
  EXPECT_EQ(bytes_later, bytes_paused) << "nothing forwarded while paused";
  set_at = g_get_monotonic_time();
  g_object_set(fwd, "paused", FALSE, nullptr);
  EXPECT_EQ(wait_for(pipeline, [&] { return count_since(mark, 320) >= 5; }), "");
  printf("resume: first frame %.0f ms after paused=false\n", first_frame_ms(mark, 320, set_at));

  guint64 switches = 0;
  g_object_get(fwd, "spatial-switches", &switches, nullptr);
  EXPECT_EQ(switches, 2u);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  g_mutex_clear(&decoded.lock);
}

TEST(RtpForwardLayers, LayerPadsAreRequestedOnceEachByIndex) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  GstElement* fwd = gst_element_factory_make("convenertpforward", nullptr);
  ASSERT_TRUE(fwd);
  gst_object_ref_sink(fwd);
  GstPad* two = gst_element_request_pad_simple(fwd, "sink_2");
  ASSERT_TRUE(two);
  EXPECT_STREQ(GST_PAD_NAME(two), "sink_2");
  EXPECT_EQ(gst_element_request_pad_simple(fwd, "sink_3"), nullptr) << "three layers at most";
  GstPad* any0 = gst_element_request_pad_simple(fwd, "sink_%u");
  GstPad* any1 = gst_element_request_pad_simple(fwd, "sink_%u");
  ASSERT_TRUE(any0 && any1);
  EXPECT_STREQ(GST_PAD_NAME(any0), "sink_0");
  EXPECT_STREQ(GST_PAD_NAME(any1), "sink_1");
  EXPECT_EQ(gst_element_request_pad_simple(fwd, "sink_%u"), nullptr);
  gst_element_release_request_pad(fwd, any1);
  gst_object_unref(any1);
  GstPad* again = gst_element_request_pad_simple(fwd, "sink_1");
  ASSERT_TRUE(again) << "a released layer's pad can be had again";
  for (GstPad* p : {two, any0, again}) {
    gst_element_release_request_pad(fwd, p);
    gst_object_unref(p);
  }
  gst_object_unref(fwd);
}

// A layer's pad comes and goes (a publisher's track removed and added
// again) while the other two layers push from their own threads: nothing
// breaks, and the subscriber's stream stays one numbered sequence.
TEST(RtpForwardLayers, ALayerPadComesAndGoesWhileTheOthersPush) {
  Layered l(1);  // sink_0 with the subscriber's side; sink_1 and sink_2 come below
  g_object_set(l.element(), "keyframe-min-interval", 0u, nullptr);
  GstHarness* h2 = gst_harness_new_with_element(l.element(), "sink_2", nullptr);
  gst_harness_set_src_caps_str(h2, kVp8Caps);
  Collected collected(l.harness(0)->sinkpad);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pushers;
  for (GstHarness* h : {l.harness(0), h2}) {
    const uint32_t ssrc = h == h2 ? 2 : 1;
    pushers.emplace_back([&stop, h, ssrc] {
      uint16_t seq = 0;
      uint32_t ts = 0;
      for (int n = 0; !stop.load(); ++n) {
        ts += 3000;
        gst_harness_push(h, rtp(ssrc, seq++, ts, vp8_payload(static_cast<uint16_t>(n & 0x7fff),
                                                             static_cast<uint8_t>(n), n % 5 == 0)));
        g_usleep(100);
      }
    });
  }
  for (int round = 0; round < 30; ++round) {
    GstHarness* h1 = gst_harness_new_with_element(l.element(), "sink_1", nullptr);
    ASSERT_TRUE(h1);
    gst_harness_set_src_caps_str(h1, kVp8Caps);
    g_object_set(l.element(), "target-spatial-layer", round % 2 ? 1 : 2, nullptr);
    for (int n = 0; n < 5; ++n)
      gst_harness_push(h1, rtp(55, static_cast<uint16_t>(round * 10 + n), static_cast<uint32_t>(n * 3000),
                               vp8_payload(static_cast<uint16_t>(n), static_cast<uint8_t>(n), n == 0)));
    g_usleep(2000);
    gst_harness_teardown(h1);  // releases sink_1, maybe the forwarded layer
  }
  stop = true;
  for (auto& t : pushers) t.join();
  gst_harness_teardown(h2);
  const std::vector<Out> out = collected.packets();
  ASSERT_GT(out.size(), 10u);
  EXPECT_GT(l.switches(), 0u);
  size_t gaps = 0;
  for (size_t i = 1; i < out.size(); ++i) gaps += static_cast<uint16_t>(out[i].seq - out[i - 1].seq) != 1;
  EXPECT_EQ(gaps, 0u);
}

// A slot moved from a layered camera to a single-layer track keeps its
// layer pads (unlinked) and is fed on `sink`: keyframe requests go there.
TEST(RtpForwardLayers, UnlinkedLayerPadsLeaveTheSinglePadInCharge) {
  static bool registered = convene_rtp_forward_register(nullptr);
  ASSERT_TRUE(registered);
  GstHarness* h = gst_harness_new("convenertpforward");
  gst_harness_set_src_caps_str(h, kVp8Caps);
  GstPad* layers[3];
  for (int i = 0; i < 3; ++i) {
    layers[i] = gst_element_request_pad_simple(h->element, ("sink_" + std::to_string(i)).c_str());
    ASSERT_TRUE(layers[i]);
  }
  g_object_set(h->element, "keyframe-min-interval", 0u, nullptr);
  gst_harness_push(h, rtp(1, 1, 0, vp8_payload(1, 1, true)));
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) gst_event_unref(e);
  gst_harness_push_upstream_event(h, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 1));
  guint asked = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) {
    asked += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(asked, 1u) << "the subscriber's keyframe request reaches the track on `sink`";
  g_object_set(h->element, "paused", TRUE, nullptr);
  g_object_set(h->element, "paused", FALSE, nullptr);
  asked = 0;
  while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) {
    asked += gst_video_event_is_force_key_unit(e);
    gst_event_unref(e);
  }
  EXPECT_EQ(asked, 1u) << "resuming asks `sink`'s track";
  for (GstPad* p : layers) {
    gst_element_release_request_pad(h->element, p);
    gst_object_unref(p);
  }
  gst_harness_teardown(h);
}
