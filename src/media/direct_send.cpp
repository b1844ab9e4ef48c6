#include "media/direct_send.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <cstring>
#include <string>

#include "convene_rtx_send.h"
#include "media/feedback_signal.h"
#include "media/pad_util.h"
#include "media/selected_udp_path.h"
#include "media/srtp_outbound.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

constexpr char kDirectSendData[] = "convene-direct-send";
constexpr char kFirstRtpInput[] = "rtp_sink_0";
constexpr char kFirstRtcpInput[] = "rtcp_sink_0";
// Larger than any RTP packet a WebRTC connection carries (an MTU's worth).
// One that is not is dropped, not left to srtpenc: srtpenc's own session,
// with the same key but its own rollover counters, could encrypt a sequence
// number this session already had with the same keystream.
constexpr size_t kLargestPacket = 4096;
// The fixed header, 15 CSRCs and an extension block's first word.
constexpr size_t kLongestHeadStart = 12 + 15 * 4 + 4;
constexpr guint16 kOneByteProfile = 0xBEDE;  // RFC 8285

// Big-endian fields a byte at a time: a packet in stack memory, or an FCI,
// need not be aligned for GStreamer's word-wide macros.
guint16 read16(const guint8* at) { return static_cast<guint16>(at[0] << 8 | at[1]); }
guint32 read32(const guint8* at) { return guint32{read16(at)} << 16 | read16(at + 2); }
void write16(guint8* at, guint16 value) {
  at[0] = static_cast<guint8>(value >> 8);
  at[1] = static_cast<guint8>(value);
}

// Where the RTP packet `head` (its first bytes, `head_size` of them, of a
// packet of `size`) has its payload: after the fixed header, the CSRCs and
// any extension block; 0 when it is not RTP.
size_t payload_offset(const guint8* head, size_t head_size, size_t size) {
  if (head_size < 12 || (head[0] >> 6) != 2) return 0;
  const size_t csrc_end = 12 + 4 * (head[0] & 0x0f);
  if (!(head[0] & 0x10)) return csrc_end <= size ? csrc_end : 0;
  if (head_size < csrc_end + 4) return 0;
  const size_t after = csrc_end + 4 + 4 * size_t{read16(head + csrc_end + 2)};
  return after <= size ? after : 0;
}

// The RTP packet in `buffer`, written to `out` (room for kLargestPacket) with
// its header extensions replaced by one transport-cc element numbered
// `sequence`, or by none when `id` is 0: the receiver negotiated these ids
// on this connection, not the publisher's. Its size, or 0 (not RTP, too large).
size_t write_with_transport_cc(GstBuffer* buffer, guint8* out, guint8 id, guint16 sequence, size_t* payload_size,
                               size_t* payload_start) {
  const size_t size = gst_buffer_get_size(buffer);
  guint8 head[kLongestHeadStart];
  const size_t head_size = gst_buffer_extract(buffer, 0, head, sizeof head);
  const size_t payload_at = payload_offset(head, head_size, size);
  if (!payload_at) return 0;
  const size_t csrc_end = 12 + 4 * (head[0] & 0x0f);
  const size_t extension = id ? 8 : 0;
  const size_t total = csrc_end + extension + (size - payload_at);
  if (total > kLargestPacket) return 0;
  std::memcpy(out, head, csrc_end);
  if (id) {
    out[0] |= 0x10;  // X
    guint8* block = out + csrc_end;
    write16(block, kOneByteProfile);
    write16(block + 2, 1);  // one word
    block[4] = static_cast<guint8>((id << 4) | 1);  // the element: id, length 2 - 1
    write16(block + 5, sequence);
    block[7] = 0;
  } else {
    out[0] &= static_cast<guint8>(~0x10);
  }
  gst_buffer_extract(buffer, payload_at, out + csrc_end + extension, size - payload_at);
  *payload_start = csrc_end + extension;
  size_t padding = (out[0] & 0x20) && total > csrc_end + extension ? out[total - 1] : 0;
  *payload_size = size - payload_at > padding ? size - payload_at - padding : 0;
  return total;
}

using SenderRef = std::shared_ptr<DirectSender>;

void watch_input(GstPad* pad, const SenderRef& sender, GstPadProbeCallback rtp, GstPadProbeCallback rtcp) {
  if (!g_strcmp0(GST_PAD_NAME(pad), kFirstRtpInput)) {
    if (g_object_get_data(G_OBJECT(pad), kDirectSendData)) return;
    // The pad keeps the sender while it exists (packets_sent_directly reads it).
    g_object_set_data_full(G_OBJECT(pad), kDirectSendData, new SenderRef(sender),
                           [](gpointer d) { delete static_cast<SenderRef*>(d); });
    gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      rtp, new SenderRef(sender), [](gpointer d) { delete static_cast<SenderRef*>(d); });
  } else if (rtcp && !g_strcmp0(GST_PAD_NAME(pad), kFirstRtcpInput)) {
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, rtcp, new SenderRef(sender),
                      [](gpointer d) { delete static_cast<SenderRef*>(d); });
  }
}

struct Watch {
  SenderRef sender;
  GstPadProbeCallback rtp, rtcp;
};

void watch_inputs(GstElement* srtpenc, Watch watch) {
  for (const char* name : {kFirstRtpInput, kFirstRtcpInput}) {
    g_autoptr(GstPad) existing = gst_element_get_static_pad(srtpenc, name);
    if (existing) watch_input(existing, watch.sender, watch.rtp, watch.rtcp);
  }
  g_signal_connect_data(srtpenc, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                          const auto* w = static_cast<Watch*>(data);
                          watch_input(pad, w->sender, w->rtp, w->rtcp);
                        }),
                        new Watch(std::move(watch)), [](gpointer data, GClosure*) { delete static_cast<Watch*>(data); },
                        static_cast<GConnectFlags>(0));
}

}  // namespace

DirectSender::DirectSender(Takes takes, FindIceTarget find) : takes_(takes), find_(std::move(find)) {
  g_weak_ref_init(&srtpenc_, nullptr);
}

DirectSender::~DirectSender() {
  g_weak_ref_clear(&srtpenc_);
  rtx_.reset();
}

bool DirectSender::attach(const std::shared_ptr<DirectSender>& self, GstElement* srtpenc) {
  if (g_strcmp0(factory_name(srtpenc), "srtpenc")) return false;
  if (self->attached_.exchange(true)) {
    // A second transport: which one a packet is for is no longer this
    // sender's to know. Forwarded packets take webrtcbin's way from now on
    // (what enters the first srtpenc is still sent here: once this session
    // has encrypted, srtpenc's, with the same key, must not).
    std::lock_guard hold(self->mutex_);
    self->forwarded_off_ = true;
    GST_WARNING_OBJECT(srtpenc, "a second SRTP encoder in one connection: RTP keeps webrtcbin's way");
    return false;
  }
  g_weak_ref_set(&self->srtpenc_, srtpenc);
  watch_inputs(srtpenc, Watch{self, on_rtp, self->takes_ == Takes::Forwarded ? on_rtcp : nullptr});
  return true;
}

void DirectSender::set_retransmitter(GstElement* rtx) {
  std::lock_guard hold(mutex_);
  if (rtx_.get() != rtx) rtx_ = retain_gst(rtx);
}

DirectSender::Stream& DirectSender::stream_locked(guint32 ssrc) {
  for (auto& [known, stream] : streams_)
    if (known == ssrc) return stream;
  return streams_.emplace_back(ssrc, Stream{}).second;
}

const DirectSender::Stream* DirectSender::find_stream_locked(guint32 ssrc) const {
  for (const auto& [known, stream] : streams_)
    if (known == ssrc) return &stream;
  return nullptr;
}

void DirectSender::number_transport_cc(guint8 id, std::shared_ptr<const std::atomic<bool>> in_use) {
  std::lock_guard hold(mutex_);
  transport_cc_id_ = id;
  transport_cc_in_use_ = std::move(in_use);
}

bool DirectSender::started_locked() {
  if (srtp_) return true;
  if (given_up_) return false;
  g_autoptr(GstElement) srtpenc = static_cast<GstElement*>(g_weak_ref_get(&srtpenc_));
  if (!srtpenc) return false;
  std::string why;
  auto srtp = SrtpOutbound::like(srtpenc, &why);
  if (!srtp) {
    if (!why.empty()) {
      given_up_ = true;
      GST_WARNING_OBJECT(srtpenc, "RTP keeps srtpenc's way: %s", why.c_str());
    }
    return false;
  }
  if (!find_(srtpenc, &target_) || !target_.agent) {
    given_up_ = true;
    GST_WARNING_OBJECT(srtpenc, "RTP keeps srtpenc's way: no ICE agent beside it");
    return false;
  }
  srtp_ = std::move(srtp);
  udp_path_ = std::make_unique<SelectedUdpPath>(target_.agent.get(), target_.stream, target_.component);
  GST_INFO_OBJECT(srtpenc, "RTP is encrypted and sent directly (ICE stream %u, component %u%s)", target_.stream,
                  target_.component, takes_ == Takes::Forwarded ? ", forwarded packets from their forwarders" : "");
  return true;
}

void DirectSender::send_locked(GstBuffer* buffer, guint clock_rate, const ConveneRtpRewrite* rewrite) {
  guint8 packet[kLargestPacket + SrtpOutbound::kTrailerRoom];
  size_t size = 0;
  if (takes_ == Takes::SrtpencInput) {
    // As it entered srtpenc: rtpsession numbered and counted it.
    if (gst_buffer_get_size(buffer) <= kLargestPacket) size = gst_buffer_extract(buffer, 0, packet, kLargestPacket);
  } else {
    const bool numbered =
        transport_cc_id_ && transport_cc_in_use_ && transport_cc_in_use_->load(std::memory_order_relaxed);
    const guint16 sequence = next_sequence_;
    size_t payload = 0, payload_start = 0;
    size = write_with_transport_cc(buffer, packet, numbered ? transport_cc_id_ : 0, sequence, &payload, &payload_start);
    if (size && rewrite) convene_rtp_rewrite_apply(rewrite, packet, packet + payload_start);
    if (size) {
      const gint64 now = g_get_monotonic_time();
      if (numbered) {
        ++next_sequence_;
        if (records_.empty()) records_.resize(kRecords);
        records_[sequence % kRecords] = {sequence, Record{now, static_cast<guint>(size)}};
        numbered_.store(true, std::memory_order_relaxed);
      }
      const guint32 ssrc = read32(packet + 8);
      Stream& stream = stream_locked(ssrc);
      ++stream.packets;
      stream.octets += static_cast<guint32>(payload);
      stream.last_rtp_time = read32(packet + 4);
      stream.last_sent_us = now;
      if (clock_rate) stream.clock_rate = clock_rate;
      // Not from a forwarder, and not a retransmission: a forwarded packet
      // that took webrtcbin's way (before the key), which rtpsession counted
      // and so reports on itself.
      if (!clock_rate && !GST_BUFFER_FLAG_IS_SET(buffer, GST_RTP_BUFFER_FLAG_RETRANSMISSION))
        stream.via_rtpsession = true;
      // Kept for a NACK, as if it had passed convenertxsend. (Its lock is
      // taken inside ours here; a retransmission is taken out of it before ours.)
      if (clock_rate && rtx_) convene_rtx_send_remember_bytes(rtx_.get(), packet, size, ssrc, read16(packet + 2), packet[1] & 0x7f);
    }
  }
  if (!size) {
    GST_WARNING("dropped an RTP packet of %" G_GSIZE_FORMAT " bytes (not RTP, or over %zu)",
                gst_buffer_get_size(buffer), kLargestPacket);
    return;
  }
  if (!srtp_->protect(packet, &size)) return;
  // Unsent when the component is not connected or the socket is full, as
  // nicesink's non-blocking send leaves it; RTP is allowed to be lost.
  if (send_to_peer_locked(packet, size)) sent_.fetch_add(1, std::memory_order_relaxed);
}

bool DirectSender::send_to_peer_locked(const guint8* data, size_t size) {
  if (udp_path_ && udp_path_->send(data, size)) return true;
  return nice_agent_send(target_.agent.get(), target_.stream, target_.component, static_cast<guint>(size),
                         reinterpret_cast<const gchar*>(data)) == static_cast<gint>(size);
}

bool DirectSender::send_forwarded(GstBuffer* original, const ConveneRtpRewrite& rewrite, guint clock_rate) {
  if (takes_ != Takes::Forwarded) return false;
  std::lock_guard hold(mutex_);
  if (forwarded_off_ || !started_locked()) return false;
  send_locked(original, clock_rate, &rewrite);
  return true;
}

GstPadProbeReturn DirectSender::on_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  DirectSender& self = **static_cast<SenderRef*>(data);
  std::lock_guard hold(self.mutex_);
  if (!self.started_locked()) return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    self.send_locked(GST_PAD_PROBE_INFO_BUFFER(info), 0);
  } else {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) self.send_locked(gst_buffer_list_get(list, i), 0);
  }
  return GST_PAD_PROBE_DROP;
}

namespace {

// The CNAME of the first SDES chunk in `rtcp` (rtpsession's own), or "".
std::string cname_in(GstBuffer* buffer) {
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) return "";
  std::string cname;
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more && cname.empty();
       more = gst_rtcp_packet_move_to_next(&packet)) {
    if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_SDES || !gst_rtcp_packet_sdes_first_item(&packet)) continue;
    for (gboolean entry = gst_rtcp_packet_sdes_first_entry(&packet); entry;
         entry = gst_rtcp_packet_sdes_next_entry(&packet)) {
      GstRTCPSDESType type;
      guint8 length = 0;
      guint8* data = nullptr;
      if (gst_rtcp_packet_sdes_get_entry(&packet, &type, &length, &data) && type == GST_RTCP_SDES_CNAME) {
        cname.assign(reinterpret_cast<const char*>(data), length);
        break;
      }
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  return cname;
}

}  // namespace

// rtpsession's own report passes on to srtpenc; the sender reports of the
// streams sent here go out beside it, on this (rtpsession's RTCP) thread.
GstPadProbeReturn DirectSender::on_rtcp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  DirectSender& self = **static_cast<SenderRef*>(data);
  std::lock_guard hold(self.mutex_);
  if (self.cname_.empty()) self.cname_ = cname_in(GST_PAD_PROBE_INFO_BUFFER(info));
  if (self.streams_.empty() || !self.started_locked()) return GST_PAD_PROBE_OK;
  auto reports = self.sender_reports_locked(g_get_monotonic_time(),
                                            gst_rtcp_unix_to_ntp(static_cast<guint64>(g_get_real_time()) * 1000));
  for (auto& report : reports) {
    size_t size = report.size();
    report.resize(size + SrtpOutbound::kRtcpTrailerRoom);
    if (!self.srtp_->protect_rtcp(report.data(), &size)) continue;
    self.send_to_peer_locked(report.data(), size);
  }
  self.reports_sent_.fetch_add(reports.size(), std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

void DirectSender::watch_feedback(const std::shared_ptr<DirectSender>& self, GstElement* rtpsession) {
  on_feedback_rtcp(rtpsession, [weak = std::weak_ptr(self)](const FeedbackMessage& message) {
    // (PLIs and FIRs: keyframe_feedback.h, for every stream.)
    if (message.type != GST_RTCP_TYPE_RTPFB || message.fbtype != GST_RTCP_RTPFB_TYPE_NACK || !message.fci) return;
    auto sender = weak.lock();
    if (!sender || !sender->answers_feedback_about(message.media_ssrc, message.session)) return;
    sender->nacks_.fetch_add(1, std::memory_order_relaxed);
    // Each FCI entry: a lost sequence number and a bitmask of the 16 after it (RFC 4585).
    GstMapInfo map;
    if (!gst_buffer_map(message.fci, &map, GST_MAP_READ)) return;
    for (gsize at = 0; at + 4 <= map.size; at += 4) {
      const guint16 lost = read16(map.data + at);
      const guint16 more = read16(map.data + at + 2);
      sender->retransmit(message.media_ssrc, lost);
      for (guint bit = 0; bit < 16; ++bit)
        if (more & (1u << bit)) sender->retransmit(message.media_ssrc, static_cast<guint16>(lost + bit + 1));
    }
    gst_buffer_unmap(message.fci, &map);
  });
}

bool DirectSender::answers_feedback_about(guint32 ssrc, GObject* session) {
  {
    std::lock_guard hold(mutex_);
    const Stream* stream = find_stream_locked(ssrc);
    if (!stream || !stream->clock_rate || stream->via_rtpsession) return false;
  }
  // A stream whose packets once took webrtcbin's way (before the key) may
  // have been told to rtpsession, which then answers about it itself.
  // (Before the key, on_rtp lets such packets pass unmarked: only rtpsession
  // knows of them. Feedback is a few packets a second: the query is cheap.)
  g_autoptr(GObject) source = nullptr;
  g_signal_emit_by_name(session, "get-source-by-ssrc", ssrc, &source);
  if (!source) return true;
  g_autoptr(GstStructure) stats = nullptr;
  g_object_get(source, "stats", &stats, nullptr);
  gboolean internal = FALSE;
  if (stats) gst_structure_get_boolean(stats, "internal", &internal);
  return !internal;
}

void DirectSender::retransmit(guint32 ssrc, guint16 sequence) {
  g_autoptr(GstElement) rtx = nullptr;
  {
    std::lock_guard hold(mutex_);
    if (rtx_) rtx = GST_ELEMENT(gst_object_ref(rtx_.get()));
  }
  if (!rtx) return;
  // Out of convenertxsend's lock before ours is taken.
  g_autoptr(GstBuffer) packet = convene_rtx_send_retransmission(rtx, ssrc, sequence);
  if (!packet) return;
  std::lock_guard hold(mutex_);
  if (started_locked()) send_locked(packet, 0);
}

bool DirectSender::record_of(guint16 sequence, Record* record) {
  std::lock_guard hold(mutex_);
  if (records_.empty()) return false;
  const auto& [numbered, kept] = records_[sequence % kRecords];
  if (numbered != sequence || kept.sent_us == 0) return false;
  *record = kept;
  return true;
}

std::vector<std::vector<guint8>> DirectSender::sender_reports(gint64 now_us, guint64 ntp_now) {
  std::lock_guard hold(mutex_);
  return sender_reports_locked(now_us, ntp_now);
}

void DirectSender::set_cname(const std::string& cname) {
  std::lock_guard hold(mutex_);
  cname_ = cname;
}

std::vector<std::vector<guint8>> DirectSender::sender_reports_locked(gint64 now_us, guint64 ntp_now) {
  std::vector<std::vector<guint8>> reports;
  for (const auto& [ssrc, stream] : streams_) {
    if (!stream.clock_rate || stream.via_rtpsession || now_us - stream.last_sent_us >= kSenderFor) continue;
    const guint32 rtp_now =
        stream.last_rtp_time + static_cast<guint32>(gst_util_uint64_scale(
                                   static_cast<guint64>(now_us - stream.last_sent_us), stream.clock_rate, G_USEC_PER_SEC));
    g_autoptr(GstBuffer) compound = gst_rtcp_buffer_new(1500);
    GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
    gst_rtcp_buffer_map(compound, GST_MAP_READWRITE, &rtcp);
    GstRTCPPacket packet;
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SR, &packet);
    gst_rtcp_packet_sr_set_sender_info(&packet, ssrc, ntp_now, rtp_now, stream.packets, stream.octets);
    if (!cname_.empty() && gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SDES, &packet)) {
      gst_rtcp_packet_sdes_add_item(&packet, ssrc);
      gst_rtcp_packet_sdes_add_entry(&packet, GST_RTCP_SDES_CNAME, static_cast<guint8>(cname_.size()),
                                     reinterpret_cast<const guint8*>(cname_.data()));
    }
    gst_rtcp_buffer_unmap(&rtcp);  // sizes the buffer to its packets
    std::vector<guint8> bytes(gst_buffer_get_size(compound));
    gst_buffer_extract(compound, 0, bytes.data(), bytes.size());
    reports.push_back(std::move(bytes));
  }
  return reports;
}

bool ice_target_of_transport(GstElement* srtpenc, IceTarget* target) {
  g_autoptr(GstObject) dtlssrtpenc = gst_object_get_parent(GST_OBJECT(srtpenc));
  g_autoptr(GstObject) send_bin = dtlssrtpenc ? gst_object_get_parent(dtlssrtpenc) : nullptr;
  if (!send_bin || !GST_IS_BIN(send_bin)) return false;
  g_autoptr(GstElement) nicesink = child_by_factory(GST_BIN(send_bin), "nicesink");
  if (!nicesink) return false;
  target->agent.reset();
  NiceAgent* agent = nullptr;
  g_object_get(nicesink, "agent", &agent, "stream", &target->stream, "component", &target->component, nullptr);
  target->agent = adopt(agent);
  return target->agent != nullptr;
}

bool send_rtp_directly(GstElement* srtpenc, FindIceTarget find) {
  auto sender = std::make_shared<DirectSender>(DirectSender::Takes::SrtpencInput, std::move(find));
  return DirectSender::attach(sender, srtpenc);
}

guint64 packets_sent_directly(GstPad* pad) {
  auto* sender = static_cast<SenderRef*>(g_object_get_data(G_OBJECT(pad), kDirectSendData));
  return sender ? (*sender)->packets_sent() : 0;
}

}  // namespace convene::media
