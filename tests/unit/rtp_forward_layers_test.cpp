// convenertpforward's spatial layer pads under GstHarness: one harness per
// layer pad (sink_0..2) feeding one element, the subscriber's side on the
// first one's src.
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>
#include <gtest/gtest.h>

#include <atomic>
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
  EXPECT_TRUE(eos) << "the last layer's end is";
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
  std::vector<Out> out;
  GMutex lock;
  g_mutex_init(&lock);
  struct Collect {
    std::vector<Out>* out;
    GMutex* lock;
  } collect{&out, &lock};
  // Read in the order buffers reach the subscriber's side.
  gst_pad_add_probe(l.harness(0)->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
    auto* c = static_cast<Collect*>(d);
    Out o = out_of(gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
    g_mutex_lock(c->lock);
    c->out->push_back(o);
    g_mutex_unlock(c->lock);
    return GST_PAD_PROBE_DROP;
  }, &collect, nullptr);
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
  g_mutex_clear(&lock);
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
