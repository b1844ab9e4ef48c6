#include "convene_rtp_nowait.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <vector>

#include "rtp_gap_tracker.h"

GST_DEBUG_CATEGORY_STATIC(convene_rtp_nowait_debug);
#define GST_CAT_DEFAULT convene_rtp_nowait_debug

namespace {

enum {
  PROP_0,
  PROP_LATENCY,
  PROP_DO_RETRANSMISSION,
  PROP_STATS,
};

constexpr guint kDefaultLatencyMs = 200;

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

}  // namespace

struct _ConveneRtpNowait {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;

  // Object lock.
  guint latency_ms;
  gboolean do_retransmission;
  convene::rtp::RtpGapTracker* tracker;

  // Streaming thread only: reused so a packet costs no allocation.
  std::vector<uint16_t>* ask;
};

G_DEFINE_TYPE(ConveneRtpNowait, convene_rtp_nowait, GST_TYPE_ELEMENT)

namespace {

guint64 now_ms() { return static_cast<guint64>(g_get_monotonic_time() / 1000); }

// Object lock held.
void reset_tracker(ConveneRtpNowait* self) {
  delete self->tracker;
  convene::rtp::RtpGapTracker::Settings settings;
  settings.give_up_ms = self->latency_ms;
  self->tracker = new convene::rtp::RtpGapTracker(settings);
}

// What rtpjitterbuffer sends for a missing packet; rtpsession answers it
// with a NACK (early RTCP) and does not pass it further.
void request_retransmission(ConveneRtpNowait* self, guint ssrc, guint16 seq, guint deadline_ms) {
  GST_LOG_OBJECT(self, "asking again for %u of SSRC %08x", seq, ssrc);
  gst_pad_push_event(self->sinkpad,
                     gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                          gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT,
                                                            static_cast<guint>(seq), "ssrc", G_TYPE_UINT, ssrc,
                                                            "deadline", G_TYPE_UINT, deadline_ms, "delay",
                                                            G_TYPE_UINT, 0u, nullptr)));
}

GstFlowReturn on_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  auto* self = CONVENE_RTP_NOWAIT(parent);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
    GST_WARNING_OBJECT(self, "dropping a buffer that is not RTP");
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  const guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  const guint32 ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  gst_rtp_buffer_unmap(&rtp);

  self->ask->clear();
  GST_OBJECT_LOCK(self);
  if (!self->tracker) reset_tracker(self);
  self->tracker->on_packet(seq, now_ms(), self->ask);
  const gboolean nack = self->do_retransmission;
  const guint deadline = self->latency_ms;
  GST_OBJECT_UNLOCK(self);
  if (nack)
    for (guint16 missing : *self->ask) request_retransmission(self, ssrc, missing, deadline);
  return gst_pad_push(self->srcpad, buffer);
}

gboolean on_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTP_NOWAIT(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    GST_OBJECT_LOCK(self);
    reset_tracker(self);
    GST_OBJECT_UNLOCK(self);
  }
  return gst_pad_event_default(pad, parent, event);
}

// The fields webrtcbin's get-stats reads from a jitter buffer, and
// rtpjitterbuffer's names for the others.
GstStructure* stats_of(ConveneRtpNowait* self) {
  convene::rtp::RtpGapTracker::Stats s;
  if (self->tracker) s = self->tracker->stats();
  return gst_structure_new("application/x-rtp-jitterbuffer-stats", "num-pushed", G_TYPE_UINT64, s.received,
                           "num-lost", G_TYPE_UINT64, s.lost, "num-late", G_TYPE_UINT64, static_cast<guint64>(0),
                           "num-duplicates", G_TYPE_UINT64, s.duplicates, "rtx-count", G_TYPE_UINT64, s.requests,
                           "rtx-success-count", G_TYPE_UINT64, s.recovered, nullptr);
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTP_NOWAIT(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint(value);
      if (self->tracker) self->tracker->set_give_up_ms(self->latency_ms);
      break;
    case PROP_DO_RETRANSMISSION: self->do_retransmission = g_value_get_boolean(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTP_NOWAIT(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_LATENCY: g_value_set_uint(value, self->latency_ms); break;
    case PROP_DO_RETRANSMISSION: g_value_set_boolean(value, self->do_retransmission); break;
    case PROP_STATS: g_value_take_boxed(value, stats_of(self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = CONVENE_RTP_NOWAIT(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK(self);
    reset_tracker(self);
    GST_OBJECT_UNLOCK(self);
  }
  return GST_ELEMENT_CLASS(convene_rtp_nowait_parent_class)->change_state(element, transition);
}

void finalize(GObject* object) {
  auto* self = CONVENE_RTP_NOWAIT(object);
  delete self->tracker;
  delete self->ask;
  G_OBJECT_CLASS(convene_rtp_nowait_parent_class)->finalize(object);
}

}  // namespace

static void convene_rtp_nowait_class_init(ConveneRtpNowaitClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  element_class->change_state = change_state;

  auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object_class, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency",
                        "Milliseconds a missing packet is asked for again before it counts as lost (nothing "
                        "is ever held back waiting for it)",
                        0, G_MAXUINT, kDefaultLatencyMs, rw));
  g_object_class_install_property(object_class, PROP_DO_RETRANSMISSION,
      g_param_spec_boolean("do-retransmission", "Do retransmission",
                           "Ask upstream (rtpsession: a NACK) for packets missing from the sequence", FALSE, rw));
  g_object_class_install_property(object_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "num-pushed, num-lost, num-late, num-duplicates, rtx-count, rtx-success-count "
                         "(rtpjitterbuffer's names)",
                         GST_TYPE_STRUCTURE, static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "Convene RTP receiver without a jitter buffer",
                                        "Filter/Network/RTP",
                                        "Passes RTP on at once, on the receiving thread, and asks for "
                                        "retransmission of missing packets: rtpbin's jitter buffer for an SFU",
                                        "Convene");
  GST_DEBUG_CATEGORY_INIT(convene_rtp_nowait_debug, "convenertpnowait", 0, "Convene RTP receiver without a jitter buffer");
}

static void convene_rtp_nowait_init(ConveneRtpNowait* self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, on_chain);
  gst_pad_set_event_function(self->sinkpad, on_sink_event);
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->latency_ms = kDefaultLatencyMs;
  self->ask = new std::vector<uint16_t>();
  self->ask->reserve(16);
}

gboolean convene_rtp_nowait_register(GstPlugin* plugin) {
  return gst_element_register(plugin, "convenertpnowait", GST_RANK_NONE, CONVENE_TYPE_RTP_NOWAIT);
}
