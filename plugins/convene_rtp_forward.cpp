#include "convene_rtp_forward.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>

#include <cstdio>
#include <memory>

#include "keyframe_request.h"
#include "rtp_rewriter.h"
#include "spatial_layer_switch.h"

GST_DEBUG_CATEGORY_STATIC(convene_rtp_forward_debug);
#define GST_CAT_DEFAULT convene_rtp_forward_debug

namespace {

enum {
  PROP_0,
  PROP_SSRC,
  PROP_PAYLOAD_TYPE,
  PROP_MUTED,
  PROP_WAIT_FOR_KEYFRAME,
  PROP_KEYFRAME_MIN_INTERVAL,
  PROP_PACKETS_FORWARDED,
  PROP_BYTES_FORWARDED,
  PROP_PACKETS_DROPPED,
  PROP_KEYFRAME_REQUESTS,
  PROP_ISOLATE,
  PROP_MAX_TEMPORAL_LAYER,
  PROP_TEMPORAL_LAYER,
  PROP_LAYER_BYTES,
  PROP_CONNECTED,
  PROP_TARGET_SPATIAL_LAYER,
  PROP_SPATIAL_LAYER,
  PROP_PAUSED,
  PROP_SPATIAL_SWITCHES,
  PROP_SPATIAL_LAYER_BYTES,
  PROP_KEYFRAMES_FORWARDED,
};

using convene::rtp::SpatialLayerSwitch;
constexpr int kSinglePad = -1;  // the always `sink` pad, in place of a layer index

constexpr guint kDefaultKeyframeMinIntervalMs = 500;

enum { SIGNAL_RESYNC, LAST_SIGNAL };
guint signals[LAST_SIGNAL];

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate layer_template =
    GST_STATIC_PAD_TEMPLATE("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

// One spatial layer's request pad.
struct LayerInput {
  GstPad* pad = nullptr;  // null: not requested (the element holds the pad)
  bool eos = false;
  GstClockTime last_keyframe_request = GST_CLOCK_TIME_NONE;
  guint64 bytes = 0;  // received, forwarded or not
};

}  // namespace

struct _ConveneRtpForward {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;

  // Properties (object lock).
  guint ssrc;
  gint payload_type;  // -1 keeps the input's
  gboolean muted;
  gboolean wait_for_keyframe;
  guint keyframe_min_interval_ms;
  guint64 packets_forwarded;
  guint64 bytes_forwarded;
  guint64 packets_dropped;
  guint64 keyframe_requests;
  guint64 keyframes_forwarded;  // packets sent on that start a keyframe
  gboolean isolate;
  gboolean connected;
  guint max_temporal_layer;
  guint64 layer_bytes[convene::rtp::TemporalLayerFilter::kTopLayer + 1];  // input, by VP8 TID

  // Streaming state (object lock).
  convene::rtp::Codec codec;
  guint clock_rate;
  convene::rtp::RtpRewriter* rewriter;
  GstClockTime last_keyframe_request;  // monotonic, GST_CLOCK_TIME_NONE = never
  GstCaps* input_caps;                 // the last caps received, to derive ours again
  gboolean caps_outdated;              // ssrc or payload-type changed after caps

  // Set once before packets flow (convene_rtp_forward_set_output).
  ConveneRtpForwardOutput output;
  gpointer output_data;
  GDestroyNotify output_destroy;

  // Spatial layers (object lock).
  gboolean paused;
  LayerInput layers[SpatialLayerSwitch::kMaxLayers];
  SpatialLayerSwitch* layer_switch;
};

G_DEFINE_TYPE(ConveneRtpForward, convene_rtp_forward, GST_TYPE_ELEMENT)

namespace {

guint64 now_ms() { return static_cast<guint64>(g_get_monotonic_time() / 1000); }

convene::rtp::Codec codec_of(const gchar* encoding_name) {
  if (!encoding_name) return convene::rtp::Codec::Unknown;
  if (!g_ascii_strcasecmp(encoding_name, "VP8")) return convene::rtp::Codec::Vp8;
  if (!g_ascii_strcasecmp(encoding_name, "H264")) return convene::rtp::Codec::H264;
  if (!g_ascii_strcasecmp(encoding_name, "OPUS")) return convene::rtp::Codec::Opus;
  return convene::rtp::Codec::Unknown;
}

bool is_video(convene::rtp::Codec c) { return c == convene::rtp::Codec::Vp8 || c == convene::rtp::Codec::H264; }

// True when a keyframe request may go out now on the pad whose last one
// `last` records (and records it). Object lock held.
bool may_request_keyframe(ConveneRtpForward* self, GstClockTime* last) {
  GstClockTime now = static_cast<GstClockTime>(g_get_monotonic_time()) * GST_USECOND;
  GstClockTime min = static_cast<GstClockTime>(self->keyframe_min_interval_ms) * GST_MSECOND;
  if (GST_CLOCK_TIME_IS_VALID(*last) && now - *last < min) return false;
  *last = now;
  self->keyframe_requests++;
  return true;
}
bool may_request_keyframe(ConveneRtpForward* self) { return may_request_keyframe(self, &self->last_keyframe_request); }

void request_keyframe_upstream(ConveneRtpForward* self) {
  GST_DEBUG_OBJECT(self, "asking upstream for a keyframe");
  gst_pad_push_event(self->sinkpad, convene_keyframe_request_new());
}

// The layer a pad carries (kSinglePad for `sink`).
int layer_of(GstPad* pad) {
  gpointer layer_plus_one = gst_pad_get_element_private(pad);
  return layer_plus_one ? GPOINTER_TO_INT(layer_plus_one) - 1 : kSinglePad;
}

// Whether the layer pads are the input: the element is used with one or the
// other, but a subscriber's slot moved from a layered camera to a
// single-layer track may keep its layer pads (unlinked) while `sink` is
// fed: then `sink` is the input. Object lock held (the pad's is taken
// inside, in the order GstElement takes them).
bool layered(ConveneRtpForward* self) {
  if (gst_pad_is_linked(self->sinkpad)) return false;
  for (const LayerInput& l : self->layers)
    if (l.pad) return true;
  return false;
}

// Nothing goes out: muted by the publisher or paused for this subscriber.
bool held(ConveneRtpForward* self) { return self->muted || self->paused; }

// The pad of `layer` when a keyframe request may go out on it now (a ref),
// else null. Object lock held.
GstPad* layer_pad_to_ask(ConveneRtpForward* self, int layer) {
  if (!SpatialLayerSwitch::valid(layer) || !is_video(self->codec) || held(self) || !self->connected) return nullptr;
  LayerInput& l = self->layers[layer];
  if (!l.pad || !may_request_keyframe(self, &l.last_keyframe_request)) return nullptr;
  return GST_PAD(gst_object_ref(l.pad));
}

// The pad whose keyframe a layer switch waits for, when a request may go
// out on it now. Object lock held.
GstPad* awaited_pad_to_ask(ConveneRtpForward* self) {
  return layer_pad_to_ask(self, self->layer_switch->awaited());
}

// Sends a keyframe request upstream on `pad` and drops the ref.
void ask_on(ConveneRtpForward* self, GstPad* pad) {
  if (!pad) return;
  GST_DEBUG_OBJECT(self, "asking upstream for a keyframe on %s", GST_PAD_NAME(pad));
  gst_pad_push_event(pad, convene_keyframe_request_new());
  gst_object_unref(pad);
}

void reset_rewriter(ConveneRtpForward* self) {
  delete self->rewriter;
  guint32 ssrc = self->ssrc ? self->ssrc : g_random_int();
  if (!self->ssrc) self->ssrc = ssrc;  // fixed from now on: the subscriber's SDP names it
  self->rewriter = new convene::rtp::RtpRewriter(ssrc, self->clock_rate,
                                                 self->wait_for_keyframe && is_video(self->codec));
  self->rewriter->set_muted(held(self));
  self->rewriter->set_max_temporal_layer(static_cast<uint8_t>(self->max_temporal_layer));
}

// The outgoing caps: the input's with our SSRC (webrtcbin puts it in the
// SDP) and payload type. Object lock held.
GstCaps* output_caps(ConveneRtpForward* self) {
  GstCaps* out = gst_caps_copy(self->input_caps);
  gst_caps_set_simple(out, "ssrc", G_TYPE_UINT, self->ssrc, nullptr);
  if (self->payload_type >= 0) gst_caps_set_simple(out, "payload", G_TYPE_INT, self->payload_type, nullptr);
  self->caps_outdated = FALSE;
  return out;
}

// The caps' codec and clock rate. Object lock held. True when the codec
// changed (the rewriter then starts afresh).
void take_input_caps(ConveneRtpForward* self, GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  gint clock_rate = 90000;
  gst_structure_get_int(s, "clock-rate", &clock_rate);
  // Caps come again with every new link (a tee's sticky caps when a reused
  // slot moves to another track, each layer's own): the rewriter's mapping
  // must survive them, or the subscriber's sequence numbers and timestamps
  // jump. Only another codec starts it afresh.
  const convene::rtp::Codec codec = codec_of(gst_structure_get_string(s, "encoding-name"));
  const bool new_codec = codec != self->codec;
  self->codec = codec;
  self->clock_rate = static_cast<guint>(clock_rate);
  if (new_codec || !self->rewriter)
    reset_rewriter(self);
  else
    self->rewriter->set_clock_rate(self->clock_rate);
}

// A track's end stays here: the subscriber's connection bundles all its
// tracks into one RTP session, and an EOS from any of them (webrtcbin's
// rtpfunnel passes each on) would end that session, and every other track
// the subscriber receives with it. The sink pad keeps the EOS (it refuses
// buffers) until a reused slot's next stream starts.
gboolean swallow_eos(ConveneRtpForward* self, GstEvent* event, const char* what) {
  GST_DEBUG_OBJECT(self, "%s ended: the subscriber's connection goes on", what);
  gst_event_unref(event);
  return TRUE;
}

gboolean on_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTP_FORWARD(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) return swallow_eos(self, event, "the track");
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return gst_pad_event_default(pad, parent, event);
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  GST_OBJECT_LOCK(self);
  gst_caps_replace(&self->input_caps, caps);
  take_input_caps(self, caps);
  GstCaps* out = output_caps(self);
  GST_OBJECT_UNLOCK(self);
  gst_event_unref(event);
  gboolean pushed = gst_pad_push_event(self->srcpad, gst_event_new_caps(out));
  gst_caps_unref(out);
  return pushed;
}

// Pushes a stream-start or segment event of a layer pad unless the src pad
// has one already: the layers are one stream to the subscriber. Src pad's
// stream lock held.
gboolean push_once(ConveneRtpForward* self, GstEvent* event) {
  GstEvent* sticky = gst_pad_get_sticky_event(self->srcpad, GST_EVENT_TYPE(event), 0);
  if (sticky) {
    gst_event_unref(sticky);
    gst_event_unref(event);
    return TRUE;
  }
  return gst_pad_push_event(self->srcpad, event);
}

// The events of a layer pad. Serialized ones go out under the src pad's
// stream lock, in order with the buffers the other layers push.
gboolean on_layer_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTP_FORWARD(parent);
  const int layer = layer_of(pad);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
    case GST_EVENT_FLUSH_STOP: {
      // The layer flows (again) after an EOS.
      GST_OBJECT_LOCK(self);
      if (self->layers[layer].pad && self->layers[layer].eos) {
        self->layers[layer].eos = false;
        self->layer_switch->add_layer(layer);
      }
      GST_OBJECT_UNLOCK(self);
      if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) return gst_pad_event_default(pad, parent, event);
      GST_PAD_STREAM_LOCK(self->srcpad);
      gboolean ok = push_once(self, event);
      GST_PAD_STREAM_UNLOCK(self->srcpad);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      GST_PAD_STREAM_LOCK(self->srcpad);
      gboolean ok = push_once(self, event);
      GST_PAD_STREAM_UNLOCK(self->srcpad);
      return ok;
    }
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      GST_PAD_STREAM_LOCK(self->srcpad);
      GST_OBJECT_LOCK(self);
      take_input_caps(self, caps);
      // The first layer's caps (with our SSRC and payload type) are the
      // outgoing stream's for good: new caps at a switch could make the
      // subscriber's webrtcbin renegotiate.
      GstCaps* out = nullptr;
      if (!gst_pad_has_current_caps(self->srcpad) || self->caps_outdated) {
        gst_caps_replace(&self->input_caps, caps);
        out = output_caps(self);
      }
      GST_OBJECT_UNLOCK(self);
      gst_event_unref(event);
      gboolean ok = TRUE;
      if (out) {
        ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(out));
        gst_caps_unref(out);
      }
      GST_PAD_STREAM_UNLOCK(self->srcpad);
      return ok;
    }
    case GST_EVENT_EOS: {
      // The layer is gone: if it was forwarded, the target takes over at its
      // next keyframe. Not even the last layer's end is passed on.
      GST_OBJECT_LOCK(self);
      self->layers[layer].eos = true;
      self->layer_switch->remove_layer(layer);
      bool all_ended = true;
      for (const LayerInput& l : self->layers)
        if (l.pad && !l.eos) all_ended = false;
      GstPad* ask = awaited_pad_to_ask(self);
      GST_OBJECT_UNLOCK(self);
      GST_DEBUG_OBJECT(self, "layer %d ended%s", layer, all_ended ? ", the last one" : "");
      ask_on(self, ask);
      return swallow_eos(self, event, all_ended ? "the last layer" : "a layer");
    }
    default:
      if (!(gst_event_type_get_flags(GST_EVENT_TYPE(event)) & GST_EVENT_TYPE_SERIALIZED)) return gst_pad_event_default(pad, parent, event);
      GST_PAD_STREAM_LOCK(self->srcpad);
      gboolean ok = gst_pad_event_default(pad, parent, event);
      GST_PAD_STREAM_UNLOCK(self->srcpad);
      return ok;
  }
}

gboolean on_src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTP_FORWARD(parent);
  if (gst_video_event_is_force_key_unit(event)) {
    // A subscriber's PLI/FIR: pass it on, but not more often than the publisher should bear.
    GST_OBJECT_LOCK(self);
    const bool with_layers = layered(self);
    bool ok = false;
    GstPad* current = nullptr;
    GstPad* awaited = nullptr;
    if (with_layers) {
      // To the layer forwarded, and to the one a switch waits for: its
      // keyframe mends the picture as well.
      current = layer_pad_to_ask(self, self->layer_switch->current());
      awaited = awaited_pad_to_ask(self);
      ok = current || awaited;
    } else {
      ok = may_request_keyframe(self);
    }
    GST_OBJECT_UNLOCK(self);
    GST_DEBUG_OBJECT(self, "subscriber asks for a keyframe%s", ok ? "" : " (dropped: rate limit)");
    gst_event_unref(event);
    // Passed on as a request of our own: the subscriber's event may repeat
    // a count, which would make the publisher ignore it (see keyframe_request.h).
    if (with_layers) {
      ask_on(self, current);
      ask_on(self, awaited);
    } else if (ok) {
      request_keyframe_upstream(self);
    }
    return TRUE;
  }
  return gst_pad_event_default(pad, parent, event);
}

// One packet as read from its RTP header and payload descriptor.
struct Parsed {
  convene::rtp::InPacket in{};
  convene::rtp::Vp8Descriptor vp8;
  gsize size = 0;
  // Where a layer may take over: at a keyframe, or anywhere for a codec
  // that has none (audio).
  bool switch_point = false;
};

// Reads the packet into `p`; false when the buffer is not RTP.
bool parse(ConveneRtpForward* self, GstBuffer* buffer, Parsed* p) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return false;
  p->in = {gst_rtp_buffer_get_ssrc(&rtp), gst_rtp_buffer_get_seq(&rtp), gst_rtp_buffer_get_timestamp(&rtp), false,
           now_ms()};
  GST_OBJECT_LOCK(self);
  convene::rtp::Codec codec = self->codec;
  GST_OBJECT_UNLOCK(self);
  const auto* payload = static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
  const guint payload_size = gst_rtp_buffer_get_payload_len(&rtp);
  if (codec == convene::rtp::Codec::Vp8 && convene::rtp::parse_vp8_descriptor(payload, payload_size, &p->vp8)) {
    p->in.vp8 = &p->vp8;
    p->in.keyframe = p->vp8.keyframe;
  } else {
    p->in.keyframe = convene::rtp::payload_is_keyframe(codec, payload, payload_size);
  }
  gst_rtp_buffer_unmap(&rtp);
  p->size = gst_buffer_get_size(buffer);
  p->switch_point = p->in.keyframe || !is_video(codec);
  return true;
}

// As parse(), for a chain function: a buffer that is not RTP is dropped
// (with a warning) and false returned.
bool parse_or_drop(ConveneRtpForward* self, GstBuffer* buffer, Parsed* p) {
  if (parse(self, buffer, p)) return true;
  GST_WARNING_OBJECT(self, "dropping a buffer that is not RTP");
  gst_buffer_unref(buffer);
  return false;
}

// What the rewriter makes of a packet that may go out, and what follows
// from it once the object lock is released.
struct Rewritten {
  convene::rtp::OutPacket out{};
  bool ask = false;          // request a keyframe on the packet's pad
  gint payload_type = -1;
  GstCaps* new_caps = nullptr;  // push these first (ours)
};

// Object lock held.
Rewritten rewrite_locked(ConveneRtpForward* self, Parsed& p, GstClockTime* last_request) {
  Rewritten r;
  if (!self->rewriter) reset_rewriter(self);
  self->layer_bytes[p.vp8.tid] += p.size;
  r.out = self->rewriter->process(p.in);
  r.ask = !r.out.forward && self->rewriter->waiting_for_keyframe() && !held(self) &&
          may_request_keyframe(self, last_request);
  r.payload_type = self->payload_type;
  if (!r.out.forward) self->packets_dropped++;
  if (r.out.forward && self->caps_outdated && self->input_caps) r.new_caps = output_caps(self);
  return r;
}

ConveneRtpRewrite rewrite_of(const Parsed& p, const Rewritten& r) {
  ConveneRtpRewrite w{};
  w.ssrc = r.out.ssrc;
  w.seq = r.out.seq;
  w.timestamp = r.out.timestamp;
  w.payload_type = r.payload_type;
  w.picture_id = r.out.picture_id_changed && p.vp8.has_picture_id ? r.out.picture_id : -1;
  w.picture_id_offset = p.vp8.picture_id_offset;
  w.picture_id_15bit = p.vp8.picture_id_15bit;
  w.tl0picidx = r.out.tl0picidx_changed && p.vp8.has_tl0picidx ? r.out.tl0picidx : -1;
  w.tl0picidx_offset = p.vp8.tl0picidx_offset;
  return w;
}

// Counts a packet sent on; returns `isolate`, read under the same lock.
gboolean count_forwarded(ConveneRtpForward* self, gsize size, bool keyframe) {
  GST_OBJECT_LOCK(self);
  self->packets_forwarded++;
  self->bytes_forwarded += size;
  if (keyframe) self->keyframes_forwarded++;
  const gboolean isolate = self->isolate;
  GST_OBJECT_UNLOCK(self);
  return isolate;
}

// Writes the rewritten header into the buffer and pushes it, unless the
// output takes it as it is. Takes the buffer.
GstFlowReturn send(ConveneRtpForward* self, GstBuffer* buffer, const Parsed& p, Rewritten& r) {
  if (r.new_caps) {
    gst_pad_push_event(self->srcpad, gst_event_new_caps(r.new_caps));
    gst_caps_unref(r.new_caps);
    r.new_caps = nullptr;
  }
  if (!r.out.forward) {
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  if (self->output) {
    const ConveneRtpRewrite rewrite = rewrite_of(p, r);
    if (self->output(buffer, &rewrite, self->output_data)) {
      count_forwarded(self, p.size, p.in.keyframe);
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;
    }
  }
  buffer = gst_buffer_make_writable(buffer);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  gst_rtp_buffer_set_ssrc(&rtp, r.out.ssrc);
  gst_rtp_buffer_set_seq(&rtp, r.out.seq);
  gst_rtp_buffer_set_timestamp(&rtp, r.out.timestamp);
  if (r.payload_type >= 0) gst_rtp_buffer_set_payload_type(&rtp, static_cast<guint8>(r.payload_type));
  auto* payload = static_cast<uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
  if (r.out.picture_id_changed) convene::rtp::write_vp8_picture_id(payload, p.vp8, r.out.picture_id);
  if (r.out.tl0picidx_changed) convene::rtp::write_vp8_tl0picidx(payload, p.vp8, r.out.tl0picidx);
  gst_rtp_buffer_unmap(&rtp);
  const gboolean isolate = count_forwarded(self, gst_buffer_get_size(buffer), p.in.keyframe);
  GstFlowReturn ret = gst_pad_push(self->srcpad, buffer);
  if (ret != GST_FLOW_OK && isolate) {
    // One subscriber going away (flushing, unlinked) must not stop the tee
    // every other subscriber of the track hangs off.
    GST_LOG_OBJECT(self, "downstream returned %s; not passed upstream", gst_flow_get_name(ret));
    return GST_FLOW_OK;
  }
  return ret;
}

// The always `sink` pad: one track.
GstFlowReturn on_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  auto* self = CONVENE_RTP_FORWARD(parent);
  Parsed p;
  if (!parse_or_drop(self, buffer, &p)) return GST_FLOW_OK;
  GST_OBJECT_LOCK(self);
  if (!self->connected) {
    // Nothing may be pushed yet: a webrtcbin holds a sink pad back until it
    // is negotiated, and that push would block the publisher's thread, and
    // with it every other subscriber of the track.
    self->packets_dropped++;
    GST_OBJECT_UNLOCK(self);
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  Rewritten r = rewrite_locked(self, p, &self->last_keyframe_request);
  GST_OBJECT_UNLOCK(self);
  if (r.ask) request_keyframe_upstream(self);
  return send(self, buffer, p, r);
}

// A layer pad: the packet goes on if its layer is the one forwarded (or
// takes over now, at its keyframe).
GstFlowReturn on_layer_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  auto* self = CONVENE_RTP_FORWARD(parent);
  const int layer = layer_of(pad);
  Parsed p;
  if (!parse_or_drop(self, buffer, &p)) return GST_FLOW_OK;
  GST_OBJECT_LOCK(self);
  self->layers[layer].bytes += p.size;
  if (!self->connected || !self->layer_switch->candidate(layer)) {
    // Not this subscriber's layer (or nothing goes out yet): dropped without
    // waiting for the layer that does go out. Counted only when it is the
    // layer meant for the subscriber.
    if (self->layer_switch->candidate(layer)) self->packets_dropped++;
    GstPad* ask = self->connected ? awaited_pad_to_ask(self) : nullptr;
    GST_OBJECT_UNLOCK(self);
    ask_on(self, ask);
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  GST_OBJECT_UNLOCK(self);

  GST_PAD_STREAM_LOCK(self->srcpad);
  GST_OBJECT_LOCK(self);
  const int before = self->layer_switch->current();
  const SpatialLayerSwitch::Decision d = self->layer_switch->on_packet(layer, p.switch_point);
  Rewritten r;
  GstPad* ask_awaited = nullptr;
  if (d.forward) {
    if (d.starts) {
      GST_DEBUG_OBJECT(self, "forwarding layer %d (was %d) from its keyframe", layer, before);
      if (!self->rewriter) reset_rewriter(self);
      self->rewriter->restart_source();
    }
    r = rewrite_locked(self, p, &self->layers[layer].last_keyframe_request);
  } else {
    self->packets_dropped++;  // the awaited layer, before its keyframe
  }
  ask_awaited = awaited_pad_to_ask(self);
  GstPad* ask_here = r.ask ? GST_PAD(gst_object_ref(pad)) : nullptr;
  GST_OBJECT_UNLOCK(self);
  GstFlowReturn ret = send(self, buffer, p, r);
  GST_PAD_STREAM_UNLOCK(self->srcpad);
  ask_on(self, ask_here);
  ask_on(self, ask_awaited);
  return ret;
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTP_FORWARD(object);
  bool ask_on_connect = false;
  GstPad* ask_layer = nullptr;  // a layer pad to ask for a keyframe on
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_SSRC:
      self->ssrc = g_value_get_uint(value);
      if (self->rewriter && self->ssrc) self->rewriter->set_out_ssrc(self->ssrc);
      self->caps_outdated = TRUE;
      break;
    case PROP_PAYLOAD_TYPE:
      self->payload_type = g_value_get_int(value);
      self->caps_outdated = TRUE;
      break;
    case PROP_MUTED:
      self->muted = g_value_get_boolean(value);
      if (self->rewriter) self->rewriter->set_muted(held(self));
      break;
    case PROP_WAIT_FOR_KEYFRAME: self->wait_for_keyframe = g_value_get_boolean(value); break;
    case PROP_KEYFRAME_MIN_INTERVAL: self->keyframe_min_interval_ms = g_value_get_uint(value); break;
    case PROP_ISOLATE: self->isolate = g_value_get_boolean(value); break;
    case PROP_CONNECTED: {
      const gboolean was = self->connected;
      self->connected = g_value_get_boolean(value);
      if (!was && self->connected) {
        // What went before never reached the subscriber: start from a keyframe.
        if (self->rewriter) self->rewriter->resync();
        if (layered(self)) {
          self->layer_switch->restart();
          ask_layer = awaited_pad_to_ask(self);
        } else {
          ask_on_connect = is_video(self->codec) && !held(self) && may_request_keyframe(self);
        }
      }
      break;
    }
    case PROP_MAX_TEMPORAL_LAYER:
      self->max_temporal_layer = g_value_get_uint(value);
      if (self->rewriter) self->rewriter->set_max_temporal_layer(static_cast<uint8_t>(self->max_temporal_layer));
      break;
    case PROP_TARGET_SPATIAL_LAYER:
      self->layer_switch->set_target(g_value_get_int(value));
      GST_DEBUG_OBJECT(self, "target layer %d (forwarding %d)", self->layer_switch->target(),
                       self->layer_switch->current());
      ask_layer = awaited_pad_to_ask(self);  // the switch happens at its keyframe
      break;
    case PROP_PAUSED: {
      const gboolean was = self->paused;
      self->paused = g_value_get_boolean(value);
      self->layer_switch->set_paused(self->paused);
      if (self->rewriter) self->rewriter->set_muted(held(self));
      if (was && !self->paused) {
        // Resumes at a keyframe, of the target layer when there are layers.
        if (layered(self))
          ask_layer = awaited_pad_to_ask(self);
        else
          ask_on_connect = is_video(self->codec) && !held(self) && self->connected && may_request_keyframe(self);
      }
      break;
    }
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
  if (ask_on_connect) request_keyframe_upstream(self);
  ask_on(self, ask_layer);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTP_FORWARD(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_SSRC: g_value_set_uint(value, self->ssrc); break;
    case PROP_PAYLOAD_TYPE: g_value_set_int(value, self->payload_type); break;
    case PROP_MUTED: g_value_set_boolean(value, self->muted); break;
    case PROP_WAIT_FOR_KEYFRAME: g_value_set_boolean(value, self->wait_for_keyframe); break;
    case PROP_KEYFRAME_MIN_INTERVAL: g_value_set_uint(value, self->keyframe_min_interval_ms); break;
    case PROP_PACKETS_FORWARDED: g_value_set_uint64(value, self->packets_forwarded); break;
    case PROP_BYTES_FORWARDED: g_value_set_uint64(value, self->bytes_forwarded); break;
    case PROP_PACKETS_DROPPED: g_value_set_uint64(value, self->packets_dropped); break;
    case PROP_KEYFRAME_REQUESTS: g_value_set_uint64(value, self->keyframe_requests); break;
    case PROP_KEYFRAMES_FORWARDED: g_value_set_uint64(value, self->keyframes_forwarded); break;
    case PROP_ISOLATE: g_value_set_boolean(value, self->isolate); break;
    case PROP_CONNECTED: g_value_set_boolean(value, self->connected); break;
    case PROP_MAX_TEMPORAL_LAYER: g_value_set_uint(value, self->max_temporal_layer); break;
    case PROP_TEMPORAL_LAYER: g_value_set_int(value, self->rewriter ? self->rewriter->temporal_layer() : -1); break;
    case PROP_LAYER_BYTES: {
      GstStructure* s = gst_structure_new_empty("application/x-convene-layer-bytes");
      for (guint i = 0; i <= convene::rtp::TemporalLayerFilter::kTopLayer; ++i) {
        g_autofree gchar* name = g_strdup_printf("layer-%u", i);
        gst_structure_set(s, name, G_TYPE_UINT64, self->layer_bytes[i], nullptr);
      }
      g_value_take_boxed(value, s);
      break;
    }
    case PROP_TARGET_SPATIAL_LAYER: g_value_set_int(value, self->layer_switch->target()); break;
    case PROP_SPATIAL_LAYER: g_value_set_int(value, self->layer_switch->current()); break;
    case PROP_PAUSED: g_value_set_boolean(value, self->paused); break;
    case PROP_SPATIAL_SWITCHES: g_value_set_uint64(value, self->layer_switch->switches()); break;
    case PROP_SPATIAL_LAYER_BYTES: {
      GstStructure* s = gst_structure_new_empty("application/x-convene-spatial-layer-bytes");
      for (int i = 0; i < SpatialLayerSwitch::kMaxLayers; ++i) {
        g_autofree gchar* name = g_strdup_printf("layer-%d", i);
        gst_structure_set(s, name, G_TYPE_UINT64, self->layers[i].bytes, nullptr);
      }
      g_value_take_boxed(value, s);
      break;
    }
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = CONVENE_RTP_FORWARD(element);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(convene_rtp_forward_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // A new run starts clean: the next stream waits for its keyframe again.
    GST_OBJECT_LOCK(self);
    delete self->rewriter;
    self->rewriter = nullptr;
    self->last_keyframe_request = GST_CLOCK_TIME_NONE;
    for (LayerInput& l : self->layers) l.last_keyframe_request = GST_CLOCK_TIME_NONE;
    self->layer_switch->restart();
    GST_OBJECT_UNLOCK(self);
  }
  return ret;
}

// The "resync" action: the subscriber cannot have the picture (its
// connection only just started carrying media), so start again from a
// keyframe and ask for one.
void resync(ConveneRtpForward* self) {
  GST_OBJECT_LOCK(self);
  bool ask = false;
  GstPad* ask_layer = nullptr;
  if (layered(self)) {
    if (self->rewriter) self->rewriter->resync();
    self->layer_switch->restart();  // from a keyframe of the target
    ask_layer = awaited_pad_to_ask(self);
  } else if (self->rewriter && is_video(self->codec)) {
    self->rewriter->resync();
    ask = !held(self) && may_request_keyframe(self);
  }
  GST_OBJECT_UNLOCK(self);
  GST_DEBUG_OBJECT(self, "resync%s", ask || ask_layer ? ", asking for a keyframe" : "");
  if (ask) request_keyframe_upstream(self);
  ask_on(self, ask_layer);
}

void finalize(GObject* object) {
  auto* self = CONVENE_RTP_FORWARD(object);
  delete self->rewriter;
  delete self->layer_switch;
  gst_caps_replace(&self->input_caps, nullptr);
  if (self->output_destroy) self->output_destroy(self->output_data);
  G_OBJECT_CLASS(convene_rtp_forward_parent_class)->finalize(object);
}

// sink_%u: the pad of spatial layer %u (0 = q, 1 = h, 2 = f); "sink_%u"
// alone takes the lowest free one.
GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name, const GstCaps*) {
  auto* self = CONVENE_RTP_FORWARD(element);
  int layer = -1;
  guint n = 0;
  if (name && std::sscanf(name, "sink_%u", &n) == 1) layer = n < G_MAXINT ? static_cast<int>(n) : -1;
  GST_OBJECT_LOCK(self);
  if (!name || !g_strcmp0(name, "sink_%u")) {
    for (int i = 0; i < SpatialLayerSwitch::kMaxLayers && layer < 0; ++i)
      if (!self->layers[i].pad) layer = i;
  }
  if (!SpatialLayerSwitch::valid(layer) || self->layers[layer].pad) {
    GST_OBJECT_UNLOCK(self);
    GST_WARNING_OBJECT(self, "no layer pad %s: layers are sink_0 to sink_%d, each once", name ? name : "(any)",
                       SpatialLayerSwitch::kMaxLayers - 1);
    return nullptr;
  }
  g_autofree gchar* pad_name = g_strdup_printf("sink_%d", layer);
  GstPad* pad = gst_pad_new_from_template(templ, pad_name);
  gst_pad_set_element_private(pad, GINT_TO_POINTER(layer + 1));
  gst_pad_set_chain_function(pad, on_layer_chain);
  gst_pad_set_event_function(pad, on_layer_event);
  GST_PAD_SET_PROXY_ALLOCATION(pad);
  self->layers[layer] = LayerInput{};
  self->layers[layer].pad = pad;
  self->layer_switch->add_layer(layer);
  GstPad* ask = awaited_pad_to_ask(self);  // the target's pad came after the target was set
  GST_OBJECT_UNLOCK(self);
  gst_element_add_pad(element, pad);
  ask_on(self, ask);
  return pad;
}

// A layer's pad released: if it was forwarded, the target takes over at its
// next keyframe, which is asked for.
void release_pad(GstElement* element, GstPad* pad) {
  auto* self = CONVENE_RTP_FORWARD(element);
  const int layer = layer_of(pad);
  GST_OBJECT_LOCK(self);
  if (SpatialLayerSwitch::valid(layer) && self->layers[layer].pad == pad) {
    self->layers[layer].pad = nullptr;
    self->layer_switch->remove_layer(layer);
  }
  GstPad* ask = awaited_pad_to_ask(self);
  GST_OBJECT_UNLOCK(self);
  // Deactivating the pad waits for a chain() running on it to return.
  gst_element_remove_pad(element, pad);
  ask_on(self, ask);
}

}  // namespace

static void convene_rtp_forward_class_init(ConveneRtpForwardClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  element_class->change_state = change_state;
  element_class->request_new_pad = request_new_pad;
  element_class->release_pad = release_pad;

  auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object_class, PROP_SSRC,
      g_param_spec_uint("ssrc", "SSRC", "SSRC of the outgoing stream (0: a random one, fixed at the first caps)",
                        0, G_MAXUINT32, 0, rw));
  g_object_class_install_property(object_class, PROP_PAYLOAD_TYPE,
      g_param_spec_int("payload-type", "Payload type", "Payload type of the outgoing stream (-1: keep the input's)",
                       -1, 127, -1, rw));
  g_object_class_install_property(object_class, PROP_MUTED,
      g_param_spec_boolean("muted", "Muted", "Drop every packet (video resumes at the next keyframe)", FALSE, rw));
  g_object_class_install_property(object_class, PROP_WAIT_FOR_KEYFRAME,
      g_param_spec_boolean("wait-for-keyframe", "Wait for keyframe",
                           "For video, forward nothing until a keyframe (at start, after unmute and source switches)",
                           TRUE, rw));
  g_object_class_install_property(object_class, PROP_KEYFRAME_MIN_INTERVAL,
      g_param_spec_uint("keyframe-min-interval", "Keyframe request interval",
                        "Milliseconds between two keyframe requests sent upstream", 0, 60000,
                        kDefaultKeyframeMinIntervalMs, rw));
  g_object_class_install_property(object_class, PROP_PACKETS_FORWARDED,
      g_param_spec_uint64("packets-forwarded", "Packets forwarded", "RTP packets sent on", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(object_class, PROP_BYTES_FORWARDED,
      g_param_spec_uint64("bytes-forwarded", "Bytes forwarded", "Bytes of RTP sent on", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(object_class, PROP_PACKETS_DROPPED,
      g_param_spec_uint64("packets-dropped", "Packets dropped", "Packets held back (muted, waiting for a keyframe, above max-temporal-layer)",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(object_class, PROP_KEYFRAME_REQUESTS,
      g_param_spec_uint64("keyframe-requests", "Keyframe requests", "Keyframe requests sent upstream",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(object_class, PROP_KEYFRAMES_FORWARDED,
      g_param_spec_uint64("keyframes-forwarded", "Keyframes forwarded",
                          "Keyframes sent on (counted at their first packet)", 0, G_MAXUINT64, 0, ro));

  g_object_class_install_property(object_class, PROP_ISOLATE,
      g_param_spec_boolean("isolate", "Isolate",
                           "Answer upstream with OK whatever downstream returns (flushing, not-linked), so a "
                           "subscriber that goes away never stops the tee the other subscribers share",
                           TRUE, rw));

  g_object_class_install_property(object_class, PROP_CONNECTED,
      g_param_spec_boolean("connected", "Connected",
                           "Whether the subscriber's connection is up. While FALSE every packet is dropped (the "
                           "forwarder never pushes into a webrtcbin that could hold it back); turning TRUE starts "
                           "video again from a keyframe, which it asks for",
                           TRUE, rw));

  g_object_class_install_property(object_class, PROP_MAX_TEMPORAL_LAYER,
      g_param_spec_uint("max-temporal-layer", "Highest temporal layer",
                        "VP8 with temporal layers: forward frames up to this layer (0: the base layer only). "
                        "Lowered at once; raised at the next frame that may start the higher layer",
                        0, convene::rtp::TemporalLayerFilter::kTopLayer, convene::rtp::TemporalLayerFilter::kTopLayer,
                        rw));
  g_object_class_install_property(object_class, PROP_TEMPORAL_LAYER,
      g_param_spec_int("temporal-layer", "Temporal layer",
                       "The highest VP8 temporal layer being forwarded (-1: the stream has no temporal layers)",
                       -1, convene::rtp::TemporalLayerFilter::kTopLayer, -1, ro));
  g_object_class_install_property(object_class, PROP_LAYER_BYTES,
      g_param_spec_boxed("layer-bytes", "Bytes per layer",
                         "Bytes received per VP8 temporal layer (fields layer-0 to layer-3; a stream without "
                         "layers counts as layer 0), forwarded or not: what each layer would cost. With layer pads, "
                         "those of the spatial layer forwarded",
                         GST_TYPE_STRUCTURE, ro));

  g_object_class_install_property(object_class, PROP_TARGET_SPATIAL_LAYER,
      g_param_spec_int("target-spatial-layer", "Target spatial layer",
                       "With layer pads: the layer to forward (0 = sink_0). The switch happens at that layer's next "
                       "keyframe, asked for upstream; the current layer flows until then. A layer with no pad is "
                       "served by the nearest one present (lower first)",
                       0, SpatialLayerSwitch::kMaxLayers - 1, 0, rw));
  g_object_class_install_property(object_class, PROP_SPATIAL_LAYER,
      g_param_spec_int("spatial-layer", "Spatial layer",
                       "With layer pads: the layer forwarded now (-1: none, before the first keyframe of the "
                       "target, while paused)",
                       -1, SpatialLayerSwitch::kMaxLayers - 1, -1, ro));
  g_object_class_install_property(object_class, PROP_PAUSED,
      g_param_spec_boolean("paused", "Paused",
                           "Forward nothing (the subscriber does not show the track); resuming starts at a keyframe "
                           "(of the target layer), asked for upstream",
                           FALSE, rw));
  g_object_class_install_property(object_class, PROP_SPATIAL_SWITCHES,
      g_param_spec_uint64("spatial-switches", "Spatial layer switches",
                          "Times the forwarded layer changed from one layer to another", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(object_class, PROP_SPATIAL_LAYER_BYTES,
      g_param_spec_boxed("spatial-layer-bytes", "Bytes per spatial layer",
                         "Bytes received on each layer pad (fields layer-0 to layer-2), forwarded or not: what "
                         "each layer costs",
                         GST_TYPE_STRUCTURE, ro));

  /**
   * convenertpforward::resync:
   *
   * Drops video until the next keyframe and asks upstream for one (within
   * keyframe-min-interval). For a subscriber that could not receive what was
   * already forwarded, e.g. before its connection was up.
   */
  signals[SIGNAL_RESYNC] = g_signal_new_class_handler(
      "resync", G_TYPE_FROM_CLASS(klass), static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(resync), nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &layer_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "Convene RTP forwarder", "Filter/Network/RTP",
                                        "Forwards one RTP track to one subscriber: continuous SSRC, sequence numbers "
                                        "and timestamps, keyframe gating, muting, VP8 temporal layer selection, "
                                        "spatial layer switching, rate-limited keyframe requests",
                                        "Convene");
  GST_DEBUG_CATEGORY_INIT(convene_rtp_forward_debug, "convenertpforward", 0, "Convene RTP forwarder");
}

static void convene_rtp_forward_init(ConveneRtpForward* self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, on_chain);
  gst_pad_set_event_function(self->sinkpad, on_sink_event);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_event_function(self->srcpad, on_src_event);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->payload_type = -1;
  self->wait_for_keyframe = TRUE;
  self->isolate = TRUE;
  self->connected = TRUE;
  self->max_temporal_layer = convene::rtp::TemporalLayerFilter::kTopLayer;
  self->keyframe_min_interval_ms = kDefaultKeyframeMinIntervalMs;
  self->codec = convene::rtp::Codec::Unknown;
  self->clock_rate = 90000;
  self->last_keyframe_request = GST_CLOCK_TIME_NONE;
  self->layer_switch = new SpatialLayerSwitch();
  for (LayerInput& l : self->layers) l = LayerInput{};  // the instance is zeroed memory
}

gboolean convene_rtp_forward_register(GstPlugin* plugin) {
  return gst_element_register(plugin, "convenertpforward", GST_RANK_NONE, CONVENE_TYPE_RTP_FORWARD);
}

void convene_rtp_forward_set_output(GstElement* forward, ConveneRtpForwardOutput output, gpointer user_data,
                                    GDestroyNotify destroy) {
  g_return_if_fail(CONVENE_IS_RTP_FORWARD(forward));
  auto* self = CONVENE_RTP_FORWARD(forward);
  GST_OBJECT_LOCK(self);
  if (self->output_destroy) self->output_destroy(self->output_data);
  self->output = output;
  self->output_data = user_data;
  self->output_destroy = destroy;
  GST_OBJECT_UNLOCK(self);
}

void convene_rtp_rewrite_apply(const ConveneRtpRewrite* rewrite, guint8* packet, guint8* payload) {
  // A byte at a time: the packet may sit at any address.
  auto put = [](guint8* at, guint32 value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i, value >>= 8) at[i] = static_cast<guint8>(value);
  };
  if (rewrite->payload_type >= 0)
    packet[1] = static_cast<guint8>((packet[1] & 0x80) | (rewrite->payload_type & 0x7f));
  put(packet + 2, rewrite->seq, 2);
  put(packet + 4, rewrite->timestamp, 4);
  put(packet + 8, rewrite->ssrc, 4);
  convene::rtp::Vp8Descriptor d;
  if (rewrite->picture_id >= 0) {
    d.has_picture_id = true;
    d.picture_id_15bit = rewrite->picture_id_15bit;
    d.picture_id_offset = rewrite->picture_id_offset;
    convene::rtp::write_vp8_picture_id(payload, d, static_cast<uint16_t>(rewrite->picture_id));
  }
  if (rewrite->tl0picidx >= 0) {
    d.has_tl0picidx = true;
    d.tl0picidx_offset = rewrite->tl0picidx_offset;
    convene::rtp::write_vp8_tl0picidx(payload, d, static_cast<uint8_t>(rewrite->tl0picidx));
  }
}
