#include "media/webrtc_endpoint.h"

#include <gst/sdp/sdp.h>

#include <stdexcept>
#include <vector>

#include "media/direct_send.h"
#include "media/fec_storage.h"
#include "media/immediate_feedback.h"
#include "media/pad_util.h"
#include "media/receive_hand_off.h"
#include "media/repeated_event_filter.h"
#include "media/sdp_streams.h"
#include "media/path_shortcut.h"
#include "media/send_stream_announcer.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

std::string sdp_text(GstWebRTCSessionDescription* desc) {
  g_autofree char* text = gst_sdp_message_as_text(desc->sdp);
  return text ? text : "";
}

using DescriptionPtr = std::unique_ptr<GstWebRTCSessionDescription, ReleaseWith<gst_webrtc_session_description_free>>;

// What webrtcbin replied to one operation.
struct Reply {
  std::string error;     // empty when it succeeded
  DescriptionPtr desc;   // the offer/answer made, when one was asked for
};

// Reads a promise's reply; `field` names the description to expect ("offer",
// "answer"), or nullptr when none comes back.
Reply read_reply(GstPromise* promise, const char* field) {
  Reply r;
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
    r.error = "webrtcbin dropped the request";
    return r;
  }
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply && gst_structure_has_field(reply, "error")) {
    g_autoptr(GError) e = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &e, nullptr);
    r.error = e ? e->message : "webrtcbin failed";
    return r;
  }
  if (!field) return r;
  GstWebRTCSessionDescription* desc = nullptr;
  if (reply) gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  r.desc.reset(desc);
  if (!desc) r.error = std::string("webrtcbin gave no ") + field;
  return r;
}

// A promise whose reply is handed to `fn` on webrtcbin's own thread, where
// the next operation can be asked for at once (as GStreamer's own webrtc
// examples chain create-offer and set-local-description).
GstPromise* then_on_webrtc_thread(const char* field, std::function<void(Reply&)> fn) {
  struct Step {
    const char* field;
    std::function<void(Reply&)> fn;
  };
  return gst_promise_new_with_change_func(
      [](GstPromise* promise, gpointer data) {
        auto* step = static_cast<Step*>(data);
        Reply r = read_reply(promise, step->field);
        step->fn(r);
      },
      new Step{field, std::move(fn)}, [](gpointer data) { delete static_cast<Step*>(data); });
}

using ElementRef = std::shared_ptr<GstElement>;
ElementRef element_ref(GstElement* element) {
  return ElementRef(retain_gst(element));
}

// Hands the chain's result to `done` on the main loop: its one post.
void report(const std::weak_ptr<WebRtcEndpoint*>& endpoint, WebRtcEndpoint::SdpFn done, std::string sdp,
            std::string error) {
  MainThreadHandle<WebRtcEndpoint>::post(endpoint, [done = std::move(done), sdp = std::move(sdp),
                                                    error = std::move(error)](WebRtcEndpoint&) { done(sdp, error); });
}

// A subscribe connection's RTX sender and what it needs to know, kept on
// its webrtcbin. Both are read and written on webrtcbin's thread only: the
// sender is made while a description is applied (rtpbin asks for it when
// the first stream starts sending: at the answer to our offer, or when our
// answer is set), and the maps change after each set-local.
constexpr const char* kRtxSender = "convene-rtx-sender";
constexpr const char* kRtxMaps = "convene-rtx-maps";

// The RTX types and SSRCs the last local description paired with its own,
// in convenertxsend's (rtprtxsend's) structures.
struct RtxMaps {
  GstStructurePtr payload_types{gst_structure_new_empty("application/x-rtp-pt-map")};
  GstStructurePtr ssrcs{gst_structure_new_empty("application/x-rtp-ssrc-map")};
  guint history_ms;  // how long a sent packet is kept ([media] retransmission_history_ms)
  explicit RtxMaps(guint history) : history_ms(history) {}
  RtxMaps(const RtxMaps&) = delete;
  RtxMaps& operator=(const RtxMaps&) = delete;
  ~RtxMaps() {  // in this order, as ever
    payload_types.reset();
    ssrcs.reset();
  }
  void read(const std::string& local_sdp) {
    RetransmissionMaps maps = sdp_retransmission_maps(local_sdp);
    gst_structure_remove_all_fields(payload_types.get());
    for (auto [pt, rtx_pt] : maps.payload_types)
      gst_structure_set(payload_types.get(), std::to_string(pt).c_str(), G_TYPE_UINT, rtx_pt, nullptr);
    gst_structure_remove_all_fields(ssrcs.get());
    for (auto [ssrc, rtx_ssrc] : maps.ssrcs)
      gst_structure_set(ssrcs.get(), std::to_string(ssrc).c_str(), G_TYPE_UINT, rtx_ssrc, nullptr);
  }
  void give_to(GstElement* rtx) const {
    g_object_set(rtx, "payload-type-map", payload_types.get(), "ssrc-map", ssrcs.get(), nullptr);
  }
};

// rtpbin's request-aux-sender on a subscribe connection: convenertxsend in
// the bin with the pads rtpbin links (sink_%u, src_%u).
GstElement* make_rtx_sender(GstElement*, guint session_id, gpointer webrtcbin) {
  GstElement* rtx = gst_element_factory_make("convenertxsend", nullptr);
  if (!rtx) {
    GST_WARNING("convenertxsend is not registered: subscribers get no retransmissions");
    return nullptr;
  }
  if (auto* maps = static_cast<RtxMaps*>(g_object_get_data(G_OBJECT(webrtcbin), kRtxMaps))) {
    maps->give_to(rtx);
    // Within the element's 512-packet ring, for no longer than the setting:
    // the packets kept hold their payloads, the largest part of a
    // subscriber's memory.
    g_object_set(rtx, "max-size-time", maps->history_ms, nullptr);
  }
  GstElement* bin = gst_bin_new(nullptr);
  gst_bin_add(GST_BIN(bin), rtx);
  for (const char* direction : {"sink", "src"}) {
    g_autoptr(GstPad) target = gst_element_get_static_pad(rtx, direction);
    g_autofree char* name = g_strdup_printf("%s_%u", direction, session_id);
    gst_element_add_pad(bin, gst_ghost_pad_new(name, target));
  }
  g_object_set_data_full(G_OBJECT(webrtcbin), kRtxSender, gst_object_ref(rtx), gst_object_unref);
  // rtpbin puts the RTX sender before rtpsession: out of this bin, a
  // ghost-pad hop that each packet skips (path_shortcut.h).
  g_autoptr(GstPad) rtx_src = gst_element_get_static_pad(rtx, "src");
  skip_ghost_pads_after(rtx_src, "RTX sender to rtpsession");
  return bin;
}

// After each set-local of a subscribe connection (webrtcbin gives its own
// rtprtxsend these maps, never ours): a renegotiation's new streams are
// retransmittable before they connect.
void update_rtx_maps(GstElement* webrtcbin, const std::string& local_sdp) {
  auto* maps = static_cast<RtxMaps*>(g_object_get_data(G_OBJECT(webrtcbin), kRtxMaps));
  if (!maps) return;  // not a subscribe connection
  maps->read(local_sdp);
  if (auto* rtx = static_cast<GstElement*>(g_object_get_data(G_OBJECT(webrtcbin), kRtxSender))) maps->give_to(rtx);
  GST_DEBUG("RTX of %s: %d payload types, %d SSRCs", GST_OBJECT_NAME(webrtcbin),
            gst_structure_n_fields(maps->payload_types.get()), gst_structure_n_fields(maps->ssrcs.get()));
}

// Sets `desc` as the local description, then reports (sdp, error).
void set_local_then_report(const ElementRef& webrtcbin, DescriptionPtr desc, const char* what,
                           const std::weak_ptr<WebRtcEndpoint*>& endpoint, WebRtcEndpoint::SdpFn done) {
  std::string sdp = sdp_text(desc.get());
  g_autoptr(GstPromise) promise = then_on_webrtc_thread(nullptr, [webrtcbin, endpoint, what, sdp, done](Reply& r) {
    if (r.error.empty()) {
      update_rtx_maps(webrtcbin.get(), sdp);
      return report(endpoint, done, sdp, "");
    }
    report(endpoint, done, "", std::string("the ") + what + " could not be applied: " + r.error);
  });
  g_signal_emit_by_name(webrtcbin.get(), "set-local-description", desc.get(), promise);
}

// Makes an offer or an answer (`what`) and sets it locally, all on
// webrtcbin's thread once asked for, then reports it.
void make_then_set_local(const ElementRef& webrtcbin, const char* what,
                         const std::weak_ptr<WebRtcEndpoint*>& endpoint, WebRtcEndpoint::SdpFn done) {
  g_autoptr(GstPromise) promise = then_on_webrtc_thread(what, [webrtcbin, what, endpoint, done](Reply& r) {
    if (!r.error.empty()) return report(endpoint, done, "", std::string("no ") + what + " could be made: " + r.error);
    set_local_then_report(webrtcbin, std::move(r.desc), what, endpoint, done);
  });
  g_signal_emit_by_name(webrtcbin.get(), (std::string("create-") + what).c_str(), nullptr, promise);
}

// Sets a property when this GStreamer has it (the ICE agent's port range is newer than 1.18).
template <class T>
void set_if_present(GObject* object, const char* name, T value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(object), name)) g_object_set(object, name, value, nullptr);
}

// The client's description, set as remote; `after` runs on webrtcbin's
// thread with its reply.
void set_remote(GstElement* webrtcbin, GstWebRTCSDPType type, const std::string& sdp, std::function<void(Reply&)> after) {
  SdpMessagePtr msg = parse_sdp(sdp);
  if (!msg) {
    Reply r;
    r.error = "the SDP could not be parsed";
    after(r);
    return;
  }
  DescriptionPtr desc(gst_webrtc_session_description_new(type, msg.release()));  // takes msg
  storage_follows_description(webrtcbin, sdp);  // fec_storage.h
  g_autoptr(GstPromise) promise = then_on_webrtc_thread(nullptr, std::move(after));
  g_signal_emit_by_name(webrtcbin, "set-remote-description", desc.get(), promise);
}

}  // namespace

void check_sdp(const std::string& sdp) {
  if (sdp.empty()) throw std::invalid_argument("the SDP is empty");
  SdpMessagePtr msg = parse_sdp(sdp);
  bool usable = msg && gst_sdp_message_medias_len(msg.get()) > 0 && gst_sdp_message_get_version(msg.get());
  if (!usable) throw std::invalid_argument("the SDP could not be parsed or has no media");
  // webrtcbin 1.22 aborts the process (g_assert in _get_ice_credentials_from_sdp_media)
  // on a second session-level ice-ufrag or ice-pwd when an m-line has none of its own.
  for (const char* key : {"ice-ufrag", "ice-pwd"})
    if (gst_sdp_message_get_attribute_val_n(msg.get(), key, 1))
      throw std::invalid_argument(std::string("the SDP has more than one session-level a=") + key);
}

namespace {

// rtpsession keeps every received RTCP feedback packet (NACK, PLI,
// transport-cc, ...) about a stream it knows for 2 s
// (`rtcp-feedback-retention-window`), a copy sorted into a list walked from
// its head at each arrival, only to hold back a PLI of its own that another
// receiver of a multicast session already sent. Convene's sessions are
// unicast; a subscriber's transport-cc feedback alone kept 60-90 packets per
// session, and the walk was an eighth of the subscribe connections' CPU
// (bench/README.md). The setting is on the session object inside each
// rtpsession element rtpbin makes.
void keep_no_received_feedback(GstElement* rtpbin) {
  g_signal_connect(rtpbin, "element-added", G_CALLBACK(+[](GstBin*, GstElement* element, gpointer) {
                     if (g_strcmp0(factory_name(element), "rtpsession")) return;
                     g_autoptr(GObject) session = nullptr;
                     g_object_get(element, "internal-session", &session, nullptr);
                     if (session)
                       g_object_set(session, "rtcp-feedback-retention-window", GST_CLOCK_TIME_NONE, nullptr);
                   }),
                   nullptr);
}

}  // namespace

// webrtcbin's rtpbin, as an SFU needs it.
void WebRtcEndpoint::configure_rtpbin(const MediaSettings& settings, PeerConnection leg) {
  g_autoptr(GstElement) rtpbin = child_by_factory(GST_BIN(webrtcbin_.get()), "rtpbin");
  if (!rtpbin) return;
  // No jitter buffer: each incoming stream would get a queue and a thread
  // of its own, and every packet a hand-off to it, only for the packets to
  // be forwarded unchanged. convenertpnowait forwards on the receiving
  // thread and still asks for what is missing (rtpbin takes any element
  // here since 1.18, checking which properties it has).
  if (!settings.jitter_buffer) {
    g_signal_connect(rtpbin, "request-jitterbuffer", G_CALLBACK(+[](GstElement*, guint, gpointer) -> GstElement* {
                       return gst_element_factory_make("convenertpnowait", nullptr);
                     }),
                     nullptr);
  }
  // RTCP as WebRTC peers expect it: a regular report about once a second,
  // as browsers send. A publish connection's NACKs and PLIs must leave at
  // once; rtpsession follows RFC 4585 and lets one early (feedback) packet
  // out per regular interval, so they go out apart from the reports
  // (immediate_feedback.h). Where that cannot be set up (a webrtcbin laid
  // out otherwise), the interval follows the RTCP bandwidth share instead
  // (no minimum, RFC 3550): a report every few milliseconds, which carries
  // feedback within milliseconds but cost an eighth of the server's CPU.
  if (leg == PeerConnection::Publish) send_feedback_at_once(webrtcbin_.get());
  keep_no_received_feedback(rtpbin);
  g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(+[](GstElement* bin, guint session_id, guint, gpointer publish) {
                     g_autoptr(GObject) session = nullptr;
                     g_signal_emit_by_name(bin, "get-internal-session", session_id, &session);
                     if (!session) return;
                     g_autoptr(GstObject) webrtcbin = gst_object_get_parent(GST_OBJECT(bin));
                     const bool reports_carry_feedback =
                         GPOINTER_TO_INT(publish) && !(webrtcbin && feedback_goes_at_once(GST_ELEMENT(webrtcbin)));
                     if (reports_carry_feedback)
                       g_object_set(session, "rtcp-min-interval", static_cast<guint64>(0), "bandwidth", 2e6, nullptr);
                     else
                       g_object_set(session, "rtcp-min-interval", static_cast<guint64>(GST_SECOND), nullptr);
                   }),
                   GINT_TO_POINTER(leg == PeerConnection::Publish));
  // webrtcbin makes an RTX sender (rtprtxsend: a thread and a 500-packet
  // store) for every bundled session it sets up. 1.22 has no option to
  // decline it; without webrtcbin's handler of rtpbin's request-aux-sender,
  // rtpbin links the session without one (webrtcbin checks for a missing
  // sender everywhere it uses one). A publish connection only receives: its
  // sender would never send (RTX repeats what this end sent), so it gets
  // none. A subscribe connection gets convenertxsend, which retransmits
  // without a thread of its own (convene_rtx_send.h).
  // ([media] rtx_without_thread, on by default; without it the subscribe
  // connection keeps webrtcbin's rtprtxsend.)
  if (leg == PeerConnection::Subscribe && !settings.rtx_without_thread) return;
  const guint signal = g_signal_lookup("request-aux-sender", G_OBJECT_TYPE(rtpbin));
  const guint declined = g_signal_handlers_disconnect_matched(
      rtpbin, static_cast<GSignalMatchType>(G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA), signal, 0, nullptr, nullptr,
      webrtcbin_.get());
  if (declined == 0) {
    GST_INFO("webrtcbin's RTX sender could not be replaced (another GStreamer?)");
  } else if (leg == PeerConnection::Subscribe) {
    g_object_set_data_full(G_OBJECT(webrtcbin_.get()), kRtxMaps, new RtxMaps(settings.retransmission_history_ms), [](gpointer m) { delete static_cast<RtxMaps*>(m); });
    g_signal_connect(rtpbin, "request-aux-sender", G_CALLBACK(make_rtx_sender), webrtcbin_.get());
  }
}

// A sending webrtcbin, as an SFU needs it.
void WebRtcEndpoint::configure_send_path(const MediaSettings& settings) {
  // What sends past srtpenc (direct_send.h): nothing, a sender of what
  // enters srtpenc, or one that also takes the forwarders' packets.
  struct SendPath {
    bool send_directly;
    std::shared_ptr<DirectSender> sender;
    std::shared_ptr<KeyframeFeedback> keyframes;
  };
  keyframe_feedback_ = std::make_shared<KeyframeFeedback>();
  auto* path = new SendPath{settings.send_directly, nullptr, keyframe_feedback_};
  // (The forwarders' packets are kept for NACKs in convenertxsend's history.)
  if (settings.send_directly && settings.send_from_forwarders && settings.rtx_without_thread)
    path->sender = direct_sender_ = std::make_shared<DirectSender>(DirectSender::Takes::Forwarded);
  g_signal_connect_data(webrtcbin_.get(), "deep-element-added", G_CALLBACK(+[](GstBin* webrtcbin, GstBin* parent, GstElement* element, gpointer data) {
                     const auto* path = static_cast<const SendPath*>(data);
                     const char* name = factory_name(element);
                     if (!g_strcmp0(name, "nicesink")) {
                       // The forwarders push on the publishers' threads, which
                       // must never wait on a sink syncing to the clock (a sink
                       // left in PAUSED would hold them, and every other
                       // subscriber, for good). An SFU sends each packet as it comes.
                       g_object_set(element, "sync", FALSE, nullptr);
                     } else if (!g_strcmp0(name, "rtpfunnel")) {
                       announce_send_streams(element);  // send_stream_announcer.h
                       g_autoptr(GstPad) src = gst_element_get_static_pad(element, "src");
                       if (src) {
                         drop_repeated_sticky_events(src);
                         skip_ghost_pads_after(src, "rtpfunnel to the RTX sender");  // path_shortcut.h
                       }
                     } else if (!g_strcmp0(name, "rtpsession")) {
                       // Out of rtpbin and into the transport's bins: three
                       // ghost-pad hops to srtpenc (path_shortcut.h).
                       g_signal_connect(element, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer) {
                                          if (!g_strcmp0(GST_PAD_NAME(pad), "send_rtp_src"))
                                            skip_ghost_pads_after(pad, "rtpsession to srtpenc");
                                        }),
                                        nullptr);
                       g_autoptr(GstPad) src = gst_element_get_static_pad(element, "send_rtp_src");
                       if (src) skip_ghost_pads_after(src, "rtpsession to srtpenc");
                     } else if (!g_strcmp0(name, "clocksync") && parent == webrtcbin) {
                       // Each input's clocksync and FEC/RED encoders do nothing
                       // for forwarded packets (path_shortcut.h). (dtlssrtpenc
                       // has clocksyncs of its own, deeper in.)
                       skip_send_input_pass_throughs(element);
                     } else if (!g_strcmp0(name, "srtpenc") && path->send_directly &&
                                !g_strcmp0(factory_name(GST_ELEMENT(parent)), "dtlssrtpenc")) {
                       if (path->sender)
                         DirectSender::attach(path->sender, element);  // direct_send.h
                       else
                         send_rtp_directly(element);
                     } else if (!g_strcmp0(name, "convenertxsend") && path->sender) {
                       path->sender->set_retransmitter(element);
                     }
                     if (!g_strcmp0(name, "rtpsession")) {
                       KeyframeFeedback::watch(path->keyframes, element);  // keyframe_feedback.h
                       if (path->sender) DirectSender::watch_feedback(path->sender, element);
                     }
                   }),
                   path, [](gpointer data, GClosure*) { delete static_cast<SendPath*>(data); },
                   static_cast<GConnectFlags>(0));
}

namespace {

// rtpsession's receiving output: the auxiliary receiver and the storage, to
// the SSRC demuxer; each of rtpptdemux's payload-type pads: the FEC decoder
// and ghost pads, to webrtcbin's output (path_shortcut.h). (Packets come to
// the demuxer from convenertpnowait, whose shortcut also skips the demuxer.)
void skip_receive_pass_throughs_from(GstElement* owner, GstPad* pad, gpointer) {
  const bool session = !g_strcmp0(factory_name(owner), "rtpsession");
  if (session ? !g_strcmp0(GST_PAD_NAME(pad), "recv_rtp_src") : g_str_has_prefix(GST_PAD_NAME(pad), "src_"))
    skip_receive_pass_throughs_after(pad, session ? "rtpsession to the SSRC demuxer"
                                                  : "payload demuxer to webrtcbin's output");
}

}  // namespace

// Received packets skip webrtcbin's receive queue once the connection is up
// (receive_hand_off.h), and, with [media] skip_receive_pass_throughs, the
// pads and elements that pass them on unchanged (path_shortcut.h): the
// packet storage keeps nothing unless FEC is negotiated (fec_storage.h).
void WebRtcEndpoint::configure_receive_path(const MediaSettings& settings) {
  g_signal_connect(webrtcbin_.get(), "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer) {
                     if (g_strcmp0(G_OBJECT_TYPE_NAME(element), "TransportReceiveBin") != 0) return;
                     if (!skip_receive_queue_when_passing(GST_BIN(element)))
                       GST_INFO_OBJECT(element, "no receive queue to skip (another GStreamer?)");
                   }),
                   nullptr);
  if (!settings.skip_receive_pass_throughs) return;
  keep_storage_only_for_fec(webrtcbin_.get());
  g_signal_connect(webrtcbin_.get(), "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer) {
                     const char* name = factory_name(element);
                     if (!g_strcmp0(name, "srtpdec")) {
                       // Out of dtlssrtpdec and the transport's bin, into rtpbin.
                       for (const char* pad_name : {"rtp_src", "rtcp_src"}) {
                         g_autoptr(GstPad) src = gst_element_get_static_pad(element, pad_name);
                         if (src) skip_ghost_pads_after(src, "srtpdec to rtpsession");
                       }
                     } else if (!g_strcmp0(name, "convenertpnowait")) {
                       // Through the payload demuxer (for each packet of the payload type it has a pad for).
                       g_autoptr(GstPad) src = gst_element_get_static_pad(element, "src");
                       if (src) skip_receive_pass_throughs_after(src, "jitter buffer stand-in to webrtcbin's output");
                     } else if (!g_strcmp0(name, "rtpsession") || !g_strcmp0(name, "rtpptdemux")) {
                       g_signal_connect(element, "pad-added", G_CALLBACK(skip_receive_pass_throughs_from), nullptr);
                       gst_element_foreach_src_pad(
                           element,
                           [](GstElement* owner, GstPad* pad, gpointer) -> gboolean {
                             skip_receive_pass_throughs_from(owner, pad, nullptr);
                             return TRUE;
                           },
                           nullptr);
                     }
                   }),
                   nullptr);
}

WebRtcEndpoint::WebRtcEndpoint(GstBin* bin, const std::string& name, const MediaSettings& settings,
                               PeerConnection leg, CandidateFn on_candidate)
    : announced_ip_(settings.announced_ip), on_candidate_(std::move(on_candidate)) {
  webrtcbin_ = adopt_gst(gst_element_factory_make("webrtcbin", name.c_str()));
  if (!webrtcbin_) throw std::runtime_error("webrtcbin is missing (gstreamer1.0-plugins-bad, gstreamer1.0-nice)");
  gst_object_ref_sink(webrtcbin_.get());  // the floating reference becomes the holder's
  g_object_set(webrtcbin_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
               settings.jitter_latency_ms, nullptr);
  if (!settings.stun_server.empty()) g_object_set(webrtcbin_.get(), "stun-server", settings.stun_server.c_str(), nullptr);

  configure_rtpbin(settings, leg);
  if (leg == PeerConnection::Subscribe) configure_send_path(settings);
  configure_receive_path(settings);

  g_autoptr(GstWebRTCICE) ice = nullptr;
  g_object_get(webrtcbin_.get(), "ice-agent", &ice, nullptr);
  if (ice) {
    // libnice asks the LAN's router for a port mapping (UPnP IGD) unless
    // told not to: a server has no such router to ask, and each agent would
    // keep a thread, an HTTP server and SSDP multicast of its own for it.
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
      g_autoptr(GObject) agent = nullptr;
      g_object_get(ice, "agent", &agent, nullptr);
      if (agent) set_if_present(agent, "upnp", FALSE);
    }
    // Naming addresses makes libnice gather on those only (and is the only
    // way to get loopback, which it otherwise leaves out).
    for (const auto& address : settings.ice_addresses) {
      gboolean ok = FALSE;
      g_signal_emit_by_name(ice, "add-local-ip-address", address.c_str(), &ok);
      if (!ok) GST_WARNING("ICE refused local address %s", address.c_str());
    }
    if (settings.min_port > 0 && settings.max_port >= settings.min_port) {
      set_if_present(G_OBJECT(ice), "min-rtp-port", static_cast<guint>(settings.min_port));
      set_if_present(G_OBJECT(ice), "max-rtp-port", static_cast<guint>(settings.max_port));
    }
  }

  g_signal_connect_data(
      webrtcbin_.get(), "on-ice-candidate",
      G_CALLBACK(+[](GstElement*, guint mline, gchar* candidate, gpointer data) {
        auto* weak = static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data);
        MainThreadHandle<WebRtcEndpoint>::post(*weak, [mline, c = std::string(candidate ? candidate : "")](
                                                          WebRtcEndpoint& self) {
          if (self.on_candidate_ && !c.empty()) self.on_candidate_(mline, announce_candidate(c, self.announced_ip_));
        });
      }),
      new std::weak_ptr<WebRtcEndpoint*>(handle_.weak()),
      [](gpointer data, GClosure*) { delete static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data); },
      static_cast<GConnectFlags>(0));
  // The end of gathering, for clients that take every candidate in the answer (WHIP).
  g_signal_connect_data(
      webrtcbin_.get(), "notify::ice-gathering-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
        GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
        g_object_get(w, "ice-gathering-state", &state, nullptr);
        if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
        MainThreadHandle<WebRtcEndpoint>::post(*static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data),
                                               [](WebRtcEndpoint& self) {
                                                 if (self.on_candidate_) self.on_candidate_(0, "");
                                               });
      }),
      new std::weak_ptr<WebRtcEndpoint*>(handle_.weak()),
      [](gpointer data, GClosure*) { delete static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data); },
      static_cast<GConnectFlags>(0));
  g_signal_connect_data(
      webrtcbin_.get(), "notify::connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
        GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
        g_object_get(w, "connection-state", &state, nullptr);
        if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
          MainThreadHandle<WebRtcEndpoint>::post(*static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data),
                                                 [](WebRtcEndpoint& self) {
                                                   if (self.on_failed_) self.on_failed_();
                                                 });
          return;
        }
        if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) return;
        MainThreadHandle<WebRtcEndpoint>::post(*static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data),
                                               [](WebRtcEndpoint& self) {
                                                 if (self.on_connected_) self.on_connected_();
                                               });
      }),
      new std::weak_ptr<WebRtcEndpoint*>(handle_.weak()),
      [](gpointer data, GClosure*) { delete static_cast<std::weak_ptr<WebRtcEndpoint*>*>(data); },
      static_cast<GConnectFlags>(0));
  gst_bin_add(bin, webrtcbin_.get());
  gst_element_sync_state_with_parent(webrtcbin_.get());
}

namespace {

// The ICE receivers stop before the rest: a bin stops its sinks first and
// its sources last, so packets kept arriving while srtpdec was deactivating,
// and GStreamer 1.22.0's srtpdec then makes a stream id it cannot make
// (`parent->numsinkpads <= 1` critical, fixed upstream in 1.22.x by MR 4844).
void stop_receivers_first(GstElement* webrtcbin) {
  for (const auto& receiver : descendants_by_factory(GST_BIN(webrtcbin), "nicesrc")) stop_element(receiver.get());
}

}  // namespace

void WebRtcEndpoint::stop() {
  stop_receivers_first(webrtcbin_.get());
  stop_element(webrtcbin_.get());
}

WebRtcEndpoint::~WebRtcEndpoint() {
  stop_receivers_first(webrtcbin_.get());
  remove_from_bin(webrtcbin_.get());
  webrtcbin_.reset();
}

std::string announce_candidate(const std::string& candidate, const std::string& announced_ip) {
  if (announced_ip.empty() || candidate.find(" typ host") == std::string::npos) return candidate;
  g_auto(GStrv) fields = g_strsplit(candidate.c_str(), " ", -1);
  if (g_strv_length(fields) < 8) return candidate;
  g_free(fields[4]);
  fields[4] = g_strdup(announced_ip.c_str());
  g_autofree char* joined = g_strjoinv(" ", fields);
  return joined;
}

// set-remote → create-answer → set-local chained on webrtcbin's thread: one
// post back to the main loop, or two when `prepare` must run on it between.
void WebRtcEndpoint::answer(const std::string& offer_sdp, SdpFn done, std::function<void()> prepare) {
  auto endpoint = handle_.weak();
  ElementRef webrtcbin = element_ref(webrtcbin_.get());
  set_remote(webrtcbin_.get(), GST_WEBRTC_SDP_TYPE_OFFER, offer_sdp, [endpoint, webrtcbin, done, prepare](Reply& r) {
    if (!r.error.empty()) {
      report(endpoint, done, "", "the offer was refused: " + r.error);
    } else if (prepare) {
      MainThreadHandle<WebRtcEndpoint>::post(endpoint, [endpoint, webrtcbin, done, prepare](WebRtcEndpoint&) {
        prepare();
        make_then_set_local(webrtcbin, "answer", endpoint, done);
      });
    } else {
      make_then_set_local(webrtcbin, "answer", endpoint, done);
    }
  });
}

// create-offer → set-local chained on webrtcbin's thread: one post back.
void WebRtcEndpoint::offer(SdpFn done) { make_then_set_local(element_ref(webrtcbin_.get()), "offer", handle_.weak(), done); }

void WebRtcEndpoint::accept_answer(const std::string& answer_sdp, DoneFn done) {
  set_remote(webrtcbin_.get(), GST_WEBRTC_SDP_TYPE_ANSWER, answer_sdp, [endpoint = handle_.weak(), done](Reply& r) {
    MainThreadHandle<WebRtcEndpoint>::post(endpoint, [done, error = r.error](WebRtcEndpoint&) { done(error); });
  });
}

void WebRtcEndpoint::add_remote_candidate(unsigned mline, const std::string& candidate) {
  g_signal_emit_by_name(webrtcbin_.get(), "add-ice-candidate", mline, candidate.c_str());
}

}  // namespace convene::media
