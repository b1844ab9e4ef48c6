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
