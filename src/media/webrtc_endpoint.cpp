#include "media/webrtc_endpoint.h"

#include <gst/sdp/sdp.h>

#include <stdexcept>
#include <vector>

#include "media/pad_util.h"
#include "media/repeated_event_filter.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

struct PromiseData {
  std::weak_ptr<WebRtcEndpoint*> endpoint;
  const char* reply_field;  // "offer"/"answer", or nullptr when no SDP comes back
  std::function<void(WebRtcEndpoint&, std::string, std::string)> fn;
};

std::string sdp_text(GstWebRTCSessionDescription* desc) {
  g_autofree char* text = gst_sdp_message_as_text(desc->sdp);
  return text ? text : "";
}

// Sets a property when this GStreamer has it (the ICE agent's port range is newer than 1.18).
template <class T>
void set_if_present(GObject* object, const char* name, T value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(object), name)) g_object_set(object, name, value, nullptr);
}

}  // namespace

void check_sdp(const std::string& sdp) {
  if (sdp.empty()) throw std::invalid_argument("the SDP is empty");
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  GstSDPResult r = gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                                static_cast<guint>(sdp.size()), msg);
  bool usable = r == GST_SDP_OK && gst_sdp_message_medias_len(msg) > 0 && gst_sdp_message_get_version(msg);
  gst_sdp_message_free(msg);
  if (!usable) throw std::invalid_argument("the SDP could not be parsed or has no media");
}

// webrtcbin's rtpbin, as an SFU needs it.
void WebRtcEndpoint::configure_rtpbin(const MediaSettings& settings, PeerConnection leg) {
  g_autoptr(GstElement) rtpbin = child_by_factory(GST_BIN(webrtcbin_), "rtpbin");
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
  // RTCP as WebRTC peers expect it. On a publish connection a NACK or PLI
  // must go out at once: rtpsession follows RFC 4585 with a minimum regular
  // interval of 5 s and allows one early (feedback) packet between two
  // regular ones, so most NACKs waited for the next regular report, long
  // after the packet was needed. With no minimum, the interval follows the
  // RTCP bandwidth share (RFC 3550) and feedback leaves within milliseconds.
  // A subscribe connection asks its client for nothing (the client's own
  // NACKs and PLIs come in whatever our interval): a sender report about
  // once a second is what browsers send too, and each one costs an SRTCP
  // encryption and a send (reports every few ms were a tenth of the
  // server's CPU).
  const bool feedback_at_once = leg == PeerConnection::Publish;
  g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(+[](GstElement* bin, guint session_id, guint, gpointer fast) {
                     GObject* session = nullptr;
                     g_signal_emit_by_name(bin, "get-internal-session", session_id, &session);
                     if (!session) return;
                     if (GPOINTER_TO_INT(fast))
                       g_object_set(session, "rtcp-min-interval", static_cast<guint64>(0), "bandwidth", 2e6, nullptr);
                     else
                       g_object_set(session, "rtcp-min-interval", static_cast<guint64>(GST_SECOND), nullptr);
                     g_object_unref(session);
                   }),
                   GINT_TO_POINTER(feedback_at_once));
  // A publish connection only receives, yet webrtcbin makes an RTX sender
  // (rtprtxsend: a thread and a 500-packet store) for every bundled session
  // it sets up. It would never send: RTX repeats what this end sent. 1.22
  // has no option to decline it; without webrtcbin's handler of rtpbin's
  // request-aux-sender, rtpbin links the session without one (webrtcbin
  // checks for a missing sender everywhere it uses one).
  if (leg == PeerConnection::Publish) {
    const guint signal = g_signal_lookup("request-aux-sender", G_OBJECT_TYPE(rtpbin));
    const guint declined = g_signal_handlers_disconnect_matched(
        rtpbin, static_cast<GSignalMatchType>(G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA), signal, 0, nullptr, nullptr,
        webrtcbin_);
    if (declined == 0) GST_INFO("webrtcbin's RTX sender could not be declined (another GStreamer?)");
  }
}

// A sending webrtcbin, as an SFU needs it.
void WebRtcEndpoint::configure_send_path() {
  g_signal_connect(webrtcbin_, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer) {
                     GstElementFactory* factory = gst_element_get_factory(element);
                     const char* name = factory ? GST_OBJECT_NAME(factory) : "";
                     if (!g_strcmp0(name, "nicesink")) {
                       // The forwarders push on the publishers' threads, which
                       // must never wait on a sink syncing to the clock (a sink
                       // left in PAUSED would hold them, and every other
                       // subscriber, for good). An SFU sends each packet as it comes.
                       g_object_set(element, "sync", FALSE, nullptr);
                     } else if (!g_strcmp0(name, "rtpfunnel")) {
                       g_autoptr(GstPad) src = gst_element_get_static_pad(element, "src");
                       if (src) drop_repeated_sticky_events(src);
                     }
                   }),
                   nullptr);
}

WebRtcEndpoint::WebRtcEndpoint(GstBin* bin, const std::string& name, const MediaSettings& settings,
                               PeerConnection leg, CandidateFn on_candidate)
    : announced_ip_(settings.announced_ip), on_candidate_(std::move(on_candidate)) {
  webrtcbin_ = gst_element_factory_make("webrtcbin", name.c_str());
  if (!webrtcbin_) throw std::runtime_error("webrtcbin is missing (gstreamer1.0-plugins-bad, gstreamer1.0-nice)");
  gst_object_ref_sink(webrtcbin_);
  g_object_set(webrtcbin_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
               settings.jitter_latency_ms, nullptr);
  if (!settings.stun_server.empty()) g_object_set(webrtcbin_, "stun-server", settings.stun_server.c_str(), nullptr);

  configure_rtpbin(settings, leg);
  if (leg == PeerConnection::Subscribe) configure_send_path();

  GstWebRTCICE* ice = nullptr;
  g_object_get(webrtcbin_, "ice-agent", &ice, nullptr);
  if (ice) {
    // libnice asks the LAN's router for a port mapping (UPnP IGD) unless
    // told not to: a server has no such router to ask, and each agent would
    // keep a thread, an HTTP server and SSDP multicast of its own for it.
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
      GObject* agent = nullptr;
      g_object_get(ice, "agent", &agent, nullptr);
      if (agent) {
        set_if_present(agent, "upnp", FALSE);
        g_object_unref(agent);
      }
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
    gst_object_unref(ice);
  }

  g_signal_connect_data(
      webrtcbin_, "on-ice-candidate",
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
      webrtcbin_, "notify::ice-gathering-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
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
      webrtcbin_, "notify::connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
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
  gst_bin_add(bin, webrtcbin_);
  gst_element_sync_state_with_parent(webrtcbin_);
}

void WebRtcEndpoint::stop() { stop_element(webrtcbin_); }

WebRtcEndpoint::~WebRtcEndpoint() {
  remove_from_bin(webrtcbin_);
  gst_object_unref(webrtcbin_);
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

GstPromise* WebRtcEndpoint::promise_to_main(const char* reply_field, PromiseFn fn) {
  auto* data = new PromiseData{handle_.weak(), reply_field,
                               [fn = std::move(fn)](WebRtcEndpoint& self, std::string sdp, std::string error) {
                                 fn(self, PromiseResult{std::move(sdp), std::move(error)});
                               }};
  return gst_promise_new_with_change_func(
      [](GstPromise* promise, gpointer user_data) {
        auto* d = static_cast<PromiseData*>(user_data);
        std::string sdp, error;
        if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
          error = "webrtcbin dropped the request";
        } else if (const GstStructure* reply = gst_promise_get_reply(promise)) {
          if (gst_structure_has_field(reply, "error")) {
            GError* e = nullptr;
            gst_structure_get(reply, "error", G_TYPE_ERROR, &e, nullptr);
            error = e ? e->message : "webrtcbin failed";
            if (e) g_error_free(e);
          } else if (d->reply_field) {
            GstWebRTCSessionDescription* desc = nullptr;
            gst_structure_get(reply, d->reply_field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
            if (desc) {
              sdp = sdp_text(desc);
              gst_webrtc_session_description_free(desc);
            } else {
              error = std::string("webrtcbin gave no ") + d->reply_field;
            }
          }
        } else if (d->reply_field) {
          error = std::string("webrtcbin gave no ") + d->reply_field;
        }
        MainThreadHandle<WebRtcEndpoint>::post(
            d->endpoint, [fn = d->fn, sdp = std::move(sdp), error = std::move(error)](WebRtcEndpoint& self) {
              fn(self, sdp, error);
            });
      },
      data, [](gpointer user_data) { delete static_cast<PromiseData*>(user_data); });
}

void WebRtcEndpoint::set_description(bool local, GstWebRTCSDPType type, const std::string& sdp, DoneFn done) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()), static_cast<guint>(sdp.size()),
                                   msg) != GST_SDP_OK) {
    gst_sdp_message_free(msg);
    done("the SDP could not be parsed");
    return;
  }
  GstWebRTCSessionDescription* desc = gst_webrtc_session_description_new(type, msg);  // takes msg
  GstPromise* promise =
      promise_to_main(nullptr, [done = std::move(done)](WebRtcEndpoint&, PromiseResult r) { done(r.error); });
  g_signal_emit_by_name(webrtcbin_, local ? "set-local-description" : "set-remote-description", desc, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(desc);
}

void WebRtcEndpoint::answer(const std::string& offer_sdp, SdpFn done, std::function<void()> prepare) {
  set_description(false, GST_WEBRTC_SDP_TYPE_OFFER, offer_sdp, [this, done, prepare](const std::string& error) {
    if (!error.empty()) return done("", "the offer was refused: " + error);
    if (prepare) prepare();
    GstPromise* promise = promise_to_main("answer", [done](WebRtcEndpoint& self, PromiseResult r) {
      if (!r.error.empty()) return done("", "no answer could be made: " + r.error);
      self.set_description(true, GST_WEBRTC_SDP_TYPE_ANSWER, r.sdp, [done, sdp = r.sdp](const std::string& err) {
        if (!err.empty()) return done("", "the answer could not be applied: " + err);
        done(sdp, "");
      });
    });
    g_signal_emit_by_name(webrtcbin_, "create-answer", nullptr, promise);
    gst_promise_unref(promise);
  });
}

void WebRtcEndpoint::offer(SdpFn done) {
  GstPromise* promise = promise_to_main("offer", [done](WebRtcEndpoint& self, PromiseResult r) {
    if (!r.error.empty()) return done("", "no offer could be made: " + r.error);
    self.set_description(true, GST_WEBRTC_SDP_TYPE_OFFER, r.sdp, [done, sdp = r.sdp](const std::string& err) {
      if (!err.empty()) return done("", "the offer could not be applied: " + err);
      done(sdp, "");
    });
  });
  g_signal_emit_by_name(webrtcbin_, "create-offer", nullptr, promise);
  gst_promise_unref(promise);
}

void WebRtcEndpoint::accept_answer(const std::string& answer_sdp, DoneFn done) {
  set_description(false, GST_WEBRTC_SDP_TYPE_ANSWER, answer_sdp, std::move(done));
}

void WebRtcEndpoint::add_remote_candidate(unsigned mline, const std::string& candidate) {
  g_signal_emit_by_name(webrtcbin_, "add-ice-candidate", mline, candidate.c_str());
}

}  // namespace convene::media
