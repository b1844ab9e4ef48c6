#include "convene_rtx_send.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(convene_rtx_send_debug);
#define GST_CAT_DEFAULT convene_rtx_send_debug

namespace {

enum {
  PROP_0,
  PROP_PAYLOAD_TYPE_MAP,
  PROP_SSRC_MAP,
  PROP_MAX_SIZE_PACKETS,
  PROP_MAX_SIZE_TIME,
  PROP_NUM_RTX_REQUESTS,
  PROP_NUM_RTX_PACKETS,
};

constexpr guint kDefaultHistory = 512;
constexpr guint kMinHistory = 16;
constexpr guint kMaxHistory = 32768;  // a ring indexed by sequence number must divide 65536

// Copies kept of packets sent from elsewhere (convene_rtx_send_remember_bytes)
// are made this large and marked, so that one let go of can hold the next:
// the history then takes one packet in and lets one go per packet sent, with
// no allocation. The mark never leaves the element (a retransmission is a new
// buffer, wrap_as_rtx).
constexpr gsize kKeptCopySize = 1500;
constexpr guint kKeptCopyFlag = GST_BUFFER_FLAG_LAST << 8;
constexpr size_t kMaxSpareCopies = 16;

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

// The packets last sent with one SSRC, at seq % size, with when each was.
struct History {
  std::vector<GstBuffer*> ring;
  std::vector<gint64> sent_us;  // monotonic time, beside each kept packet
  guint16 oldest = 0;           // where letting go of old packets goes on from
  guint16 next_rtx_seq = 0;

  void clear() {
    for (GstBuffer*& b : ring) gst_clear_buffer(&b);
  }
};

guint round_to_power_of_two(guint n) {
  guint size = kMinHistory;
  while (size < n && size < kMaxHistory) size *= 2;
  return size;
}

}  // namespace

struct _ConveneRtxSend {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;

  // Object lock.
  std::unordered_map<guint8, guint8>* rtx_payload_type;  // media payload type → RTX payload type
  std::unordered_map<guint32, guint32>* rtx_ssrc;        // media SSRC → RTX SSRC
  std::unordered_map<guint32, History>* history;          // media SSRC → what was sent
  std::vector<GstBuffer*>* spare_copies;                   // kept copies let go of, to be filled again
  std::unordered_map<guint32, gint>* clock_rate;          // media SSRC → clock rate, from caps naming it
  std::unordered_set<guint32>* rtx_told;                  // RTX SSRCs downstream has been told of
  GstStructure* payload_type_map;                          // as set, for reading back
  GstStructure* ssrc_map;
  guint size;
  gint64 max_age_us;  // 0: kept until the ring reuses the place
  guint num_requests;
  guint num_packets;
};

G_DEFINE_TYPE(ConveneRtxSend, convene_rtx_send, GST_TYPE_ELEMENT)

namespace {

// Object lock held. Lets go of a kept packet: a copy of ours nobody else
// holds is kept aside to be filled again.
void let_go(ConveneRtxSend* self, GstBuffer*& kept) {
  if (!kept) return;
  if (GST_BUFFER_FLAG_IS_SET(kept, kKeptCopyFlag) && gst_buffer_is_writable(kept) &&
      self->spare_copies->size() < kMaxSpareCopies) {
    self->spare_copies->push_back(kept);
    kept = nullptr;
    return;
  }
  gst_clear_buffer(&kept);
}

// Object lock held. A kept copy of `size` bytes of `packet`, from the spare
// ones when there is one.
GstBuffer* copy_to_keep(ConveneRtxSend* self, const guint8* packet, gsize size) {
  GstBuffer* copy = nullptr;
  if (size > kKeptCopySize) {
    copy = gst_buffer_new_allocate(nullptr, size, nullptr);  // larger than any MTU: not kept aside
  } else {
    if (self->spare_copies->empty()) {
      copy = gst_buffer_new_allocate(nullptr, kKeptCopySize, nullptr);
      GST_BUFFER_FLAG_SET(copy, kKeptCopyFlag);
    } else {
      copy = self->spare_copies->back();
      self->spare_copies->pop_back();
    }
    gst_buffer_set_size(copy, static_cast<gssize>(size));
  }
  gst_buffer_fill(copy, 0, packet, size);
  return copy;
}

// Object lock held.
void clear_history(ConveneRtxSend* self) {
  for (auto& [ssrc, h] : *self->history) h.clear();
  self->history->clear();
  for (GstBuffer* spare : *self->spare_copies) gst_buffer_unref(spare);
  self->spare_copies->clear();
}

// Object lock held. Keeps `buffer` (takes the caller's reference), of `ssrc`
// and `seq`, a payload type that is retransmittable (the callers check it:
// nothing is referenced or copied for one that is not).
void keep_packet(ConveneRtxSend* self, GstBuffer* buffer, guint32 ssrc, guint16 seq) {
  auto [it, created] = self->history->try_emplace(ssrc);
  History& h = it->second;
  const guint mask = self->size - 1;
  if (created) {
    h.ring.assign(self->size, nullptr);
    h.sent_us.assign(self->size, 0);
    h.oldest = seq;
    h.next_rtx_seq = static_cast<guint16>(g_random_int_range(0, 0x8000));  // RFC 3550: random start
  }
  let_go(self, h.ring[seq & mask]);
  h.ring[seq & mask] = buffer;
  if (self->max_age_us == 0) return;
  // Let go of what is older than max-size-time, oldest first, so that the
  // history holds about that long of the stream whatever its packet rate
  // (each kept packet holds its payload).
  const gint64 now = g_get_monotonic_time();
  h.sent_us[seq & mask] = now;
  if (static_cast<guint16>(seq - h.oldest) >= self->size) h.oldest = static_cast<guint16>(seq - mask);
  while (h.oldest != seq) {
    GstBuffer*& kept = h.ring[h.oldest & mask];
    if (kept && now - h.sent_us[h.oldest & mask] <= self->max_age_us) break;
    let_go(self, kept);
    ++h.oldest;
  }
}

// Object lock held. As keep_packet, reading the header from `buffer` (the caller's).
void remember(ConveneRtxSend* self, GstBuffer* buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
  const guint8 pt = gst_rtp_buffer_get_payload_type(&rtp);
  const guint32 ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  const guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (self->rtx_payload_type->count(pt)) keep_packet(self, gst_buffer_ref(buffer), ssrc, seq);
}

GstFlowReturn on_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  auto* self = CONVENE_RTX_SEND(parent);
  GST_OBJECT_LOCK(self);
  if (!self->rtx_payload_type->empty()) remember(self, buffer);
  GST_OBJECT_UNLOCK(self);
  return gst_pad_push(self->srcpad, buffer);
}

gboolean remember_from_list(GstBuffer** buffer, guint, gpointer self) {
  remember(static_cast<ConveneRtxSend*>(self), *buffer);
  return TRUE;
}

GstFlowReturn on_chain_list(GstPad*, GstObject* parent, GstBufferList* list) {
  auto* self = CONVENE_RTX_SEND(parent);
  GST_OBJECT_LOCK(self);
  if (!self->rtx_payload_type->empty()) gst_buffer_list_foreach(list, remember_from_list, self);
  GST_OBJECT_UNLOCK(self);
  return gst_pad_push_list(self->srcpad, list);
}

// `original` as an RTX packet (RFC 4588 section 4): its header (CSRCs and
// extensions included, padding left out), the RTX SSRC, type and sequence
// number, then the original sequence number and the original payload.
GstBuffer* wrap_as_rtx(GstBuffer* original, guint32 rtx_ssrc, guint8 rtx_pt, guint16 rtx_seq) {
  GstRTPBuffer in = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(original, GST_MAP_READ, &in)) return nullptr;
  const guint header_len = gst_rtp_buffer_get_header_len(&in);
  const guint payload_len = gst_rtp_buffer_get_payload_len(&in);
  const guint16 osn = gst_rtp_buffer_get_seq(&in);
  GstBuffer* out = gst_buffer_new_allocate(nullptr, header_len + 2 + payload_len, nullptr);
  GstMapInfo map;
  gst_buffer_map(out, &map, GST_MAP_WRITE);
  gst_buffer_extract(original, 0, map.data, header_len);
  map.data[0] &= ~0x20;  // no padding (RFC 4588): with the bit left set the packet would not even map
  GST_WRITE_UINT16_BE(map.data + header_len, osn);
  if (payload_len) std::memcpy(map.data + header_len + 2, gst_rtp_buffer_get_payload(&in), payload_len);
  gst_buffer_unmap(out, &map);
  gst_rtp_buffer_unmap(&in);

  GstRTPBuffer rtx = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(out, GST_MAP_WRITE, &rtx)) {
    gst_buffer_unref(out);
    return nullptr;
  }
  gst_rtp_buffer_set_ssrc(&rtx, rtx_ssrc);
  gst_rtp_buffer_set_seq(&rtx, rtx_seq);
  gst_rtp_buffer_set_payload_type(&rtx, rtx_pt);
  gst_rtp_buffer_unmap(&rtx);
  gst_buffer_copy_into(out, original, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  GST_BUFFER_FLAG_SET(out, GST_RTP_BUFFER_FLAG_RETRANSMISSION);
  return out;
}

// The caps that tell rtpsession of an RTX stream before its first packet.
struct RtxStream {
  guint32 ssrc = 0;
  guint8 payload_type = 0;
  gint clock_rate = 0;  // 0: unknown, or told already
};

// Object lock held. The retransmission of `seq` of `ssrc`, or null when it
// is not kept (too old, never sent, not retransmittable). `*first` names
// its RTX stream when downstream is still to be told of it.
GstBuffer* retransmission_of(ConveneRtxSend* self, guint32 ssrc, guint16 seq, RtxStream* first) {
  auto h = self->history->find(ssrc);
  auto to = self->rtx_ssrc->find(ssrc);
  if (h == self->history->end() || to == self->rtx_ssrc->end()) return nullptr;
  GstBuffer* kept = h->second.ring[seq & (self->size - 1)];
  if (!kept) return nullptr;
  if (self->max_age_us && g_get_monotonic_time() - h->second.sent_us[seq & (self->size - 1)] > self->max_age_us)
    return nullptr;  // older than max-size-time, not let go of yet (nothing sent since)
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(kept, GST_MAP_READ, &rtp)) return nullptr;
  const guint16 kept_seq = gst_rtp_buffer_get_seq(&rtp);
  const guint8 pt = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  auto rtx_pt = self->rtx_payload_type->find(pt);
  if (kept_seq != seq || rtx_pt == self->rtx_payload_type->end()) return nullptr;
  GstBuffer* rtx = wrap_as_rtx(kept, to->second, rtx_pt->second, h->second.next_rtx_seq++);
  auto rate = self->clock_rate->find(ssrc);
  if (rtx && rate != self->clock_rate->end() && self->rtx_told->insert(to->second).second)
    *first = RtxStream{to->second, rtx_pt->second, rate->second};
  return rtx;
}

// rtpsession (1.22.0) learns a sending stream's clock rate from caps naming
// its SSRC, or else asks for it at the stream's first sender report, from
// inside a walk of its sources with its lock let go (a GLib critical when a
// source is added meanwhile; src/media/send_stream_announcer.h). Before the
// first packet of an RTX stream, caps naming it go downstream, then the
// caps of before again, so every pad ends as it was. (rtprtxsend names its
// RTX SSRC in the caps from the start, which makes rtpsession report for a
// stream that may never send.)
void tell_of_rtx_stream(ConveneRtxSend* self, const RtxStream& stream) {
  g_autoptr(GstCaps) current = gst_pad_get_current_caps(self->srcpad);
  if (!current) return;
  g_autoptr(GstCaps) named = gst_caps_copy(current);
  gst_caps_set_simple(named, "ssrc", G_TYPE_UINT, stream.ssrc, "payload", G_TYPE_INT, gint{stream.payload_type},
                      "clock-rate", G_TYPE_INT, stream.clock_rate, nullptr);
  gst_pad_push_event(self->srcpad, gst_event_new_caps(named));
  gst_pad_push_event(self->srcpad, gst_event_new_caps(current));
  GST_DEBUG_OBJECT(self, "told downstream of RTX SSRC %08x at %d Hz", stream.ssrc, stream.clock_rate);
}

gboolean on_src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTX_SEND(parent);
  const GstStructure* s = gst_event_get_structure(event);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM || !gst_structure_has_name(s, "GstRTPRetransmissionRequest"))
    return gst_pad_event_default(pad, parent, event);
  guint seq = 0, ssrc = 0;
  const bool complete = gst_structure_get_uint(s, "seqnum", &seq) && gst_structure_get_uint(s, "ssrc", &ssrc);
  gst_event_unref(event);
  if (!complete) return TRUE;
  GST_OBJECT_LOCK(self);
  ++self->num_requests;
  RtxStream first;
  GstBuffer* rtx = retransmission_of(self, ssrc, static_cast<guint16>(seq), &first);
  if (rtx) ++self->num_packets;
  GST_OBJECT_UNLOCK(self);
  if (!rtx) {
    GST_DEBUG_OBJECT(self, "%u of SSRC %08x is not kept: not retransmitted", seq, ssrc);
    return TRUE;
  }
  GST_LOG_OBJECT(self, "retransmitting %u of SSRC %08x", seq, ssrc);
  if (first.clock_rate) tell_of_rtx_stream(self, first);
  gst_pad_push(self->srcpad, rtx);
  return TRUE;
}

gboolean on_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* self = CONVENE_RTX_SEND(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    // Caps naming a stream (rtpfunnel's never do; send_stream_announcer's
    // and an unbundled input's do) give the clock rate its RTX stream shares.
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    guint ssrc = 0;
    gint clock_rate = 0;
    if (gst_structure_get_uint(s, "ssrc", &ssrc) && gst_structure_get_int(s, "clock-rate", &clock_rate) &&
        clock_rate > 0) {
      GST_OBJECT_LOCK(self);
      (*self->clock_rate)[ssrc] = clock_rate;
      GST_OBJECT_UNLOCK(self);
    }
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    GST_OBJECT_LOCK(self);
    clear_history(self);
    GST_OBJECT_UNLOCK(self);
  }
  return gst_pad_event_default(pad, parent, event);
}

// A structure of number-named fields ("96", "123456") holding unsigned
// numbers, as a map; fields that are not numbers are left out.
template <class K, class V>
void read_number_map(const GstStructure* s, std::unordered_map<K, V>* out) {
  out->clear();
  if (!s) return;
  for (gint i = 0; i < gst_structure_n_fields(s); ++i) {
    const char* name = gst_structure_nth_field_name(s, i);
    char* end = nullptr;
    const unsigned long key = std::strtoul(name, &end, 10);
    guint value = 0;
    if (end == name || *end || !gst_structure_get_uint(s, name, &value)) continue;
    (*out)[static_cast<K>(key)] = static_cast<V>(value);
  }
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTX_SEND(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PAYLOAD_TYPE_MAP:
      g_clear_pointer(&self->payload_type_map, gst_structure_free);
      self->payload_type_map = static_cast<GstStructure*>(g_value_dup_boxed(value));
      read_number_map(self->payload_type_map, self->rtx_payload_type);
      break;
    case PROP_SSRC_MAP:
      g_clear_pointer(&self->ssrc_map, gst_structure_free);
      self->ssrc_map = static_cast<GstStructure*>(g_value_dup_boxed(value));
      read_number_map(self->ssrc_map, self->rtx_ssrc);
      break;
    case PROP_MAX_SIZE_PACKETS: {
      const guint size = round_to_power_of_two(g_value_get_uint(value));
      if (size != self->size) {
        clear_history(self);
        self->size = size;
      }
      break;
    }
    case PROP_MAX_SIZE_TIME: self->max_age_us = static_cast<gint64>(g_value_get_uint(value)) * 1000; break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_RTX_SEND(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_PAYLOAD_TYPE_MAP: g_value_set_boxed(value, self->payload_type_map); break;
    case PROP_SSRC_MAP: g_value_set_boxed(value, self->ssrc_map); break;
    case PROP_MAX_SIZE_PACKETS: g_value_set_uint(value, self->size); break;
    case PROP_MAX_SIZE_TIME: g_value_set_uint(value, static_cast<guint>(self->max_age_us / 1000)); break;
    case PROP_NUM_RTX_REQUESTS: g_value_set_uint(value, self->num_requests); break;
    case PROP_NUM_RTX_PACKETS: g_value_set_uint(value, self->num_packets); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = CONVENE_RTX_SEND(element);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(convene_rtx_send_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    GST_OBJECT_LOCK(self);
    clear_history(self);
    self->rtx_told->clear();  // rtpsession forgets its sources too
    GST_OBJECT_UNLOCK(self);
  }
  return ret;
}

void finalize(GObject* object) {
  auto* self = CONVENE_RTX_SEND(object);
  clear_history(self);
  delete self->history;
  delete self->spare_copies;
  delete self->rtx_payload_type;
  delete self->rtx_ssrc;
  delete self->clock_rate;
  delete self->rtx_told;
  g_clear_pointer(&self->payload_type_map, gst_structure_free);
  g_clear_pointer(&self->ssrc_map, gst_structure_free);
  G_OBJECT_CLASS(convene_rtx_send_parent_class)->finalize(object);
}

}  // namespace

static void convene_rtx_send_class_init(ConveneRtxSendClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->finalize = finalize;
  element_class->change_state = change_state;

  auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object_class, PROP_PAYLOAD_TYPE_MAP,
      g_param_spec_boxed("payload-type-map", "Payload type map",
                         "Media payload type (field name) to its retransmission payload type (rtprtxsend's)",
                         GST_TYPE_STRUCTURE, rw));
  g_object_class_install_property(object_class, PROP_SSRC_MAP,
      g_param_spec_boxed("ssrc-map", "SSRC map",
                         "Media SSRC (field name, decimal) to its retransmission SSRC (rtprtxsend's)",
                         GST_TYPE_STRUCTURE, rw));
  g_object_class_install_property(object_class, PROP_MAX_SIZE_PACKETS,
      g_param_spec_uint("max-size-packets", "Packets kept",
                        "Packets kept per SSRC for retransmission (rounded up to a power of two)", kMinHistory,
                        kMaxHistory, kDefaultHistory, rw));
  g_object_class_install_property(object_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint("max-size-time", "Time kept",
                        "Milliseconds a sent packet is kept for retransmission (0: until max-size-packets newer "
                        "ones have been sent)",
                        0, G_MAXUINT, 0, rw));
  g_object_class_install_property(object_class, PROP_NUM_RTX_REQUESTS,
      g_param_spec_uint("num-rtx-requests", "Retransmission requests", "Retransmission requests received", 0,
                        G_MAXUINT, 0, ro));
  g_object_class_install_property(object_class, PROP_NUM_RTX_PACKETS,
      g_param_spec_uint("num-rtx-packets", "Retransmissions", "Retransmission packets sent", 0, G_MAXUINT, 0, ro));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "Convene RTX sender without a thread", "Codec/Network/RTP",
                                        "Retransmits NACKed RTP packets as RTX (RFC 4588) on the thread that "
                                        "asked: rtpbin's aux sender for an SFU",
                                        "Convene");
  GST_DEBUG_CATEGORY_INIT(convene_rtx_send_debug, "convenertxsend", 0, "Convene RTX sender");
}

static void convene_rtx_send_init(ConveneRtxSend* self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, on_chain);
  gst_pad_set_chain_list_function(self->sinkpad, on_chain_list);
  gst_pad_set_event_function(self->sinkpad, on_sink_event);
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_event_function(self->srcpad, on_src_event);
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->rtx_payload_type = new std::unordered_map<guint8, guint8>();
  self->rtx_ssrc = new std::unordered_map<guint32, guint32>();
  self->history = new std::unordered_map<guint32, History>();
  self->spare_copies = new std::vector<GstBuffer*>();
  self->clock_rate = new std::unordered_map<guint32, gint>();
  self->rtx_told = new std::unordered_set<guint32>();
  self->size = kDefaultHistory;
}

void convene_rtx_send_remember_bytes(GstElement* element, const guint8* packet, gsize size, guint32 ssrc, guint16 seq,
                                     guint8 pt) {
  if (G_OBJECT_TYPE(element) != CONVENE_TYPE_RTX_SEND) return;  // a final type: no walk of the hierarchy per packet
  auto* self = reinterpret_cast<ConveneRtxSend*>(element);
  GST_OBJECT_LOCK(self);
  if (self->rtx_payload_type->count(pt)) keep_packet(self, copy_to_keep(self, packet, size), ssrc, seq);
  GST_OBJECT_UNLOCK(self);
}

GstBuffer* convene_rtx_send_retransmission(GstElement* element, guint32 ssrc, guint16 seq) {
  if (!CONVENE_IS_RTX_SEND(element)) return nullptr;
  auto* self = CONVENE_RTX_SEND(element);
  GST_OBJECT_LOCK(self);
  ++self->num_requests;
  RtxStream first;  // nothing downstream to tell: the caller sends it
  GstBuffer* rtx = retransmission_of(self, ssrc, seq, &first);
  if (rtx) ++self->num_packets;
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "%s %u of SSRC %08x", rtx ? "retransmitting" : "not kept:", seq, ssrc);
  return rtx;
}

gboolean convene_rtx_send_register(GstPlugin* plugin) {
  return gst_element_register(plugin, "convenertxsend", GST_RANK_NONE, CONVENE_TYPE_RTX_SEND);
}
