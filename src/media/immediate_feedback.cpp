#include "media/immediate_feedback.h"

#include <gst/rtp/gstrtcpbuffer.h>

#include <atomic>
#include <memory>

#include "media/pad_util.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

constexpr char kShortcutData[] = "convene-immediate-feedback";
constexpr char kEncoderData[] = "convene-feedback-encoder";

// Lives as the rtpsession's object data (and in its probe and signal
// handler), so it holds no reference to the session.
struct Shortcut {
  explicit Shortcut(RtcpInput input) : rtcp_input(std::move(input)) {}
  RtcpInput rtcp_input;
  std::atomic<uint64_t> nacks{0};
  std::atomic<uint64_t> plis{0};
};

// A webrtcbin's SRTP encoder, once it has made exactly one (max-bundle: one
// transport; with more, which one carries a stream is not known here, and
// the feedback stays with rtpsession).
struct Encoder {
  Encoder() { g_weak_ref_init(&srtpenc, nullptr); }
  ~Encoder() { g_weak_ref_clear(&srtpenc); }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  GWeakRef srtpenc;
  std::atomic<int> seen{0};
};

GstBuffer* compound_with_empty_report(guint32 sender_ssrc, GstRTCPType type, guint8 fb_type, guint32 media_ssrc,
                                      guint16 fci_words, GstRTCPBuffer* rtcp, GstRTCPPacket* packet) {
  GstBuffer* buffer = gst_rtcp_buffer_new(64);
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, rtcp);
  gst_rtcp_buffer_add_packet(rtcp, GST_RTCP_TYPE_RR, packet);
  gst_rtcp_packet_rr_set_ssrc(packet, sender_ssrc);
  gst_rtcp_buffer_add_packet(rtcp, type, packet);
  gst_rtcp_packet_fb_set_type(packet, static_cast<GstRTCPFBType>(fb_type));
  gst_rtcp_packet_fb_set_sender_ssrc(packet, sender_ssrc);
  gst_rtcp_packet_fb_set_media_ssrc(packet, media_ssrc);
  gst_rtcp_packet_fb_set_fci_length(packet, fci_words);
  return buffer;
}

guint32 sender_ssrc_of(GstElement* rtpsession) {
  g_autoptr(GObject) session = nullptr;
  g_object_get(rtpsession, "internal-session", &session, nullptr);
  guint ssrc = 0;
  if (session) g_object_get(session, "internal-ssrc", &ssrc, nullptr);
  return ssrc;
}

GstPadProbeReturn on_request(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM) return GST_PAD_PROBE_OK;
  const GstStructure* s = gst_event_get_structure(event);
  guint media_ssrc = 0, seq = 0;
  bool nack = false;
  if (gst_structure_has_name(s, "GstRTPRetransmissionRequest") && gst_structure_get_uint(s, "ssrc", &media_ssrc) &&
      gst_structure_get_uint(s, "seqnum", &seq))
    nack = true;
  else if (!gst_structure_has_name(s, "GstForceKeyUnit") || !gst_structure_get_uint(s, "ssrc", &media_ssrc))
    return GST_PAD_PROBE_OK;

  Shortcut& shortcut = **static_cast<std::shared_ptr<Shortcut>*>(data);
  g_autoptr(GstPad) input = shortcut.rtcp_input();
  // Not up yet (or not keyed): rtpsession's early RTCP, as before.
  if (!input || !gst_pad_has_current_caps(input)) return GST_PAD_PROBE_OK;
  g_autoptr(GstElement) session = gst_pad_get_parent_element(pad);
  const guint32 from = session ? sender_ssrc_of(session) : 0;
  GstBuffer* feedback = nack ? make_nack(from, media_ssrc, static_cast<guint16>(seq)) : make_pli(from, media_ssrc);
  const GstFlowReturn flow = gst_pad_chain(input, feedback);
  if (flow != GST_FLOW_OK) {
    GST_DEBUG_OBJECT(pad, "feedback for %08x not sent (%s): left to rtpsession", media_ssrc, gst_flow_get_name(flow));
    return GST_PAD_PROBE_OK;
  }
  if (nack) {
    GST_LOG_OBJECT(pad, "NACK for %u of %08x sent", seq, media_ssrc);
    shortcut.nacks.fetch_add(1, std::memory_order_relaxed);
  } else {
    GST_DEBUG_OBJECT(pad, "PLI for %08x sent", media_ssrc);
    shortcut.plis.fetch_add(1, std::memory_order_relaxed);
  }
  return GST_PAD_PROBE_DROP;
}

void catch_on(GstPad* recv_rtp_src, const std::shared_ptr<Shortcut>& shortcut) {
  gst_pad_add_probe(recv_rtp_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_request,
                    new std::shared_ptr<Shortcut>(shortcut),
                    [](gpointer d) { delete static_cast<std::shared_ptr<Shortcut>*>(d); });
}

// The encoder's RTCP input: its first "rtcp_sink_N" pad.
GstPad* rtcp_sink_of(GstElement* srtpenc) {
  GstPad* found = nullptr;
  gst_element_foreach_sink_pad(
      srtpenc,
      [](GstElement*, GstPad* pad, gpointer d) -> gboolean {
        if (!g_str_has_prefix(GST_PAD_NAME(pad), "rtcp_sink_")) return TRUE;
        *static_cast<GstPad**>(d) = GST_PAD(gst_object_ref(pad));
        return FALSE;
      },
      &found);
  return found;
}

}  // namespace

GstBuffer* make_nack(guint32 sender_ssrc, guint32 media_ssrc, guint16 seq) {
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstBuffer* buffer = compound_with_empty_report(sender_ssrc, GST_RTCP_TYPE_RTPFB, GST_RTCP_RTPFB_TYPE_NACK,
                                                 media_ssrc, 1, &rtcp, &packet);
  guint8* fci = gst_rtcp_packet_fb_get_fci(&packet);
  GST_WRITE_UINT16_BE(fci, seq);  // PID; BLP 0: no other packet
  GST_WRITE_UINT16_BE(fci + 2, 0);
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

GstBuffer* make_pli(guint32 sender_ssrc, guint32 media_ssrc) {
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstBuffer* buffer = compound_with_empty_report(sender_ssrc, GST_RTCP_TYPE_PSFB, GST_RTCP_PSFB_TYPE_PLI, media_ssrc,
                                                 0, &rtcp, &packet);
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

void send_requests_at_once(GstElement* rtpsession, RtcpInput rtcp_input) {
  auto shortcut = std::make_shared<Shortcut>(std::move(rtcp_input));
  g_object_set_data_full(G_OBJECT(rtpsession), kShortcutData, new std::shared_ptr<Shortcut>(shortcut),
                         [](gpointer d) { delete static_cast<std::shared_ptr<Shortcut>*>(d); });
  if (g_autoptr(GstPad) src = gst_element_get_static_pad(rtpsession, "recv_rtp_src")) {
    catch_on(src, shortcut);
    return;
  }
  // rtpsession makes it with recv_rtp_sink, when rtpbin links a receiving stream.
  g_signal_connect_data(rtpsession, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer d) {
                          if (!g_strcmp0(GST_PAD_NAME(pad), "recv_rtp_src"))
                            catch_on(pad, *static_cast<std::shared_ptr<Shortcut>*>(d));
                        }),
                        new std::shared_ptr<Shortcut>(shortcut),
                        [](gpointer d, GClosure*) { delete static_cast<std::shared_ptr<Shortcut>*>(d); },
                        static_cast<GConnectFlags>(0));
}

FeedbackSent feedback_sent_at_once(GstElement* rtpsession) {
  auto* shortcut = static_cast<std::shared_ptr<Shortcut>*>(g_object_get_data(G_OBJECT(rtpsession), kShortcutData));
  if (!shortcut) return {};
  return {(*shortcut)->nacks.load(std::memory_order_relaxed), (*shortcut)->plis.load(std::memory_order_relaxed)};
}

void send_feedback_at_once(GstElement* webrtcbin) {
  auto encoder = std::make_shared<Encoder>();
  g_object_set_data_full(G_OBJECT(webrtcbin), kEncoderData, new std::shared_ptr<Encoder>(encoder),
                         [](gpointer d) { delete static_cast<std::shared_ptr<Encoder>*>(d); });
  g_signal_connect_data(
      webrtcbin, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer d) {
        const std::shared_ptr<Encoder>& encoder = *static_cast<std::shared_ptr<Encoder>*>(d);
        const char* name = factory_name(element);
        if (!g_strcmp0(name, "srtpenc")) {
          if (encoder->seen.fetch_add(1) == 0) {
            g_weak_ref_set(&encoder->srtpenc, element);
          } else {
            GST_INFO_OBJECT(element, "more than one transport: feedback goes with rtpsession's reports");
            g_weak_ref_set(&encoder->srtpenc, nullptr);
          }
        } else if (!g_strcmp0(name, "rtpsession")) {
          send_requests_at_once(element, [weak = std::weak_ptr<Encoder>(encoder)]() -> GstPad* {
            std::shared_ptr<Encoder> e = weak.lock();
            if (!e) return nullptr;
            g_autoptr(GstElement) srtpenc = GST_ELEMENT(g_weak_ref_get(&e->srtpenc));
            return srtpenc ? rtcp_sink_of(srtpenc) : nullptr;
          });
        }
      }),
      new std::shared_ptr<Encoder>(encoder), [](gpointer d, GClosure*) { delete static_cast<std::shared_ptr<Encoder>*>(d); },
      static_cast<GConnectFlags>(0));
}

bool feedback_goes_at_once(GstElement* webrtcbin) {
  auto* encoder = static_cast<std::shared_ptr<Encoder>*>(g_object_get_data(G_OBJECT(webrtcbin), kEncoderData));
  if (!encoder) return false;
  g_autoptr(GObject) srtpenc = static_cast<GObject*>(g_weak_ref_get(&(*encoder)->srtpenc));
  return srtpenc != nullptr;
}

}  // namespace convene::media
