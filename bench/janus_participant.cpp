#include "janus_participant.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#define GST_USE_UNSTABLE_API
#include <gst/app/gstappsrc.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "ice_setup.h"

namespace convene::bench {

namespace {

// The caps and payloaders of tests/support/sfu_client.cpp, so both servers get the same streams.
constexpr const char* kVp8Caps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";
constexpr const char* kOpusCaps =
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,encoding-params=(string)2";

GstWebRTCSessionDescription* reply_sdp(GstPromise* p, const char* field) {
  const GstStructure* r = gst_promise_get_reply(p);
  GstWebRTCSessionDescription* desc = nullptr;
  if (r) gst_structure_get(r, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  return desc;
}

std::string sdp_text(GstWebRTCSessionDescription* d) {
  g_autofree char* t = gst_sdp_message_as_text(d->sdp);
  return t;
}

GstPromise* promise(std::function<void(GstPromise*)> fn) {
  return gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer d) { (*static_cast<std::function<void(GstPromise*)>*>(d))(p); },
      new std::function<void(GstPromise*)>(std::move(fn)),
      [](gpointer d) { delete static_cast<std::function<void(GstPromise*)>*>(d); });
}

// webrtcbin's rtpbin (made when webrtcbin is).
GstElement* rtpbin_of(GstElement* webrtcbin) {
  GstElement* found = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(webrtcbin));
  GValue item = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && !strcmp(GST_OBJECT_NAME(f), "rtpbin")) found = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

}  // namespace

JanusParticipant::JanusParticipant(SoupSession* http, const std::string& api_url, JanusParticipantOptions options)
    : api_(http, api_url), options_(std::move(options)) {
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  api_.set_event_handler([this](JsonObject* e) { on_event(e); });
}

JanusParticipant::~JanusParticipant() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

void JanusParticipant::connect() {
  api_.create_session();
  pub_handle_ = api_.attach("janus.plugin.videoroom");
  sub_handle_ = api_.attach("janus.plugin.videoroom");
}

void JanusParticipant::create_room(guint64 room) {
  JsonNodePtr data = api_.request(pub_handle_, std::move(json::Object()
                                                             .set("request", "create")
                                                             .set("room", static_cast<int64_t>(room))
                                                             .set("publishers", 16)
                                                             .set("videocodec", "vp8")
                                                             .set("audiocodec", "opus")
                                                             .set("notify_joining", false)));
  JsonObject* o = data && JSON_NODE_HOLDS_OBJECT(data.get()) ? json_node_get_object(data.get()) : nullptr;
  if (!o || g_strcmp0(json_object_get_string_member_with_default(o, "videoroom", ""), "created"))
    throw std::runtime_error("janus: room not created: " + (data ? json::stringify(data.get()) : std::string("?")));
}

void JanusParticipant::later(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  outbox_.push_back(std::move(work));
}

GstElement* JanusParticipant::make_webrtcbin(const char* name, guint64* handle) {
  GstElement* w = gst_element_factory_make("webrtcbin", name);
  g_object_set(w, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 50u, nullptr);
  convene::testing::gather_only_on(w, options_.ice_address.c_str());
  struct Ctx {
    JanusParticipant* self;
    guint64* handle;
  };
  g_signal_connect_data(
      w, "on-ice-candidate", G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer d) {
        auto* c = static_cast<Ctx*>(d);
        std::string candidate = cand ? cand : "";
        JanusParticipant* self = c->self;
        guint64* handle = c->handle;
        self->later([self, handle, mline, candidate] { self->api_.trickle(*handle, mline, candidate); });
      }),
      new Ctx{this, handle}, [](gpointer d, GClosure*) { delete static_cast<Ctx*>(d); }, static_cast<GConnectFlags>(0));
  gst_bin_add(GST_BIN(pipeline_), w);
  gst_element_sync_state_with_parent(w);
  return w;
}

// One sending track, as SfuClient::add_source: the SSRC named in the caps
// (and so in the offer), a sendonly transceiver with the codec's caps.
void JanusParticipant::add_source(const std::string& description_text, const char* caps_base, bool clip) {
  guint ssrc = g_random_int();
  std::string caps_str = std::string(caps_base) + ",ssrc=(uint)" + std::to_string(ssrc);
  std::string description = description_text;
  description.replace(description.find(caps_base), strlen(caps_base), caps_str);
  description.insert(description.find(" pt="), " ssrc=" + std::to_string(ssrc));
  GstElement* src = gst_parse_bin_from_description(description.c_str(), TRUE, nullptr);
  if (clip) {
    g_autoptr(GstElement) appsrc = gst_bin_get_by_name(GST_BIN(src), "clip");
    options_.camera_clip->play_into(GST_APP_SRC(appsrc));
  }
  gst_bin_add(GST_BIN(pipeline_), src);
  g_autoptr(GstPad) sink = gst_element_request_pad_simple(pub_, "sink_%u");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(sink, "transceiver", &trans, nullptr);
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_str.c_str());
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               "do-nack", strstr(caps_base, "VP8") != nullptr, nullptr);
  gst_object_unref(trans);
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(src, "src");
  gst_pad_link(src_pad, sink);
  gst_element_sync_state_with_parent(src);
}

void JanusParticipant::publish(guint64 room, const std::string& display) {
  room_ = room;
  pub_ = make_webrtcbin("pub", &pub_handle_);
  // 960 samples: 20 ms Opus frames at a 20 ms pace (tests/support/sfu_client.cpp says why).
  add_source(std::string("audiotestsrc is-live=true samplesperbuffer=960 wave=sine freq=440 volume=0.0 ! "
                         "audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay pt=111 ! ") + kOpusCaps,
             kOpusCaps, false);
  add_source(std::string("appsrc name=clip ! identity sync=true ! rtpvp8pay picture-id-mode=15-bit pt=96 ! ") + kVp8Caps,
             kVp8Caps, true);
  g_signal_emit_by_name(pub_, "create-offer", nullptr, promise([this, room, display](GstPromise* p) {
                          GstWebRTCSessionDescription* offer = reply_sdp(p, "offer");
                          if (!offer) return;
                          g_signal_emit_by_name(pub_, "set-local-description", offer, nullptr);
                          std::string sdp = sdp_text(offer);
                          gst_webrtc_session_description_free(offer);
                          later([this, room, display, sdp] {
                            api_.message(pub_handle_,
                                         std::move(json::Object()
                                                       .set("request", "joinandconfigure")
                                                       .set("room", static_cast<int64_t>(room))
                                                       .set("ptype", "publisher")
                                                       .set("display", display)
                                                       .set("audio", true)
                                                       .set("video", true)),
                                         "offer", sdp);
                          });
                        }));
}

void JanusParticipant::on_sub_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<JanusParticipant*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(pad, "transceiver", &trans, nullptr);
  GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
  g_object_get(trans, "kind", &kind, nullptr);
  gst_object_unref(trans);
  bool audio = kind == GST_WEBRTC_KIND_AUDIO;
  if (!audio) self->video_tracks_++;
  // SfuClient's receive bins with decode=false.
  GstElement* bin = gst_parse_bin_from_description(
      audio ? "queue ! rtpopusdepay ! fakesink name=count signal-handoffs=true sync=false async=false"
            : "queue ! rtpvp8depay request-keyframe=true ! fakesink name=count signal-handoffs=true sync=false async=false",
      TRUE, nullptr);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(bin), "count");
  g_signal_connect(sink, "handoff",
                   audio ? G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer d) {
                     auto* s = static_cast<JanusParticipant*>(d);
                     s->audio_buffers_++;
                     gint64 none = 0;
                     s->first_frame_at_us_.compare_exchange_strong(none, g_get_monotonic_time());
                   })
                         : G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer d) {
                             auto* s = static_cast<JanusParticipant*>(d);
                             s->video_frames_++;
                             gint64 none = 0;
                             s->first_frame_at_us_.compare_exchange_strong(none, g_get_monotonic_time());
                           }),
                   self);
  gst_bin_add(GST_BIN(self->pipeline_), bin);
  gst_element_sync_state_with_parent(bin);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, sinkpad);
}

void JanusParticipant::subscribe(guint64 room, const std::vector<guint64>& feeds) {
  if (!sub_) {
    sub_ = make_webrtcbin("sub", &sub_handle_);
    // As SfuClient's subscribe connection: its own jitter buffer, NACKs, frequent receiver reports.
    g_object_set(sub_, "latency", static_cast<guint>(options_.receive_latency_ms), nullptr);
    g_signal_connect(sub_, "pad-added", G_CALLBACK(on_sub_pad), this);
    g_signal_connect(sub_, "on-new-transceiver", G_CALLBACK(+[](GstElement*, GstWebRTCRTPTransceiver* t, gpointer) {
                       g_object_set(t, "do-nack", TRUE, nullptr);
                     }),
                     nullptr);
    if (g_autoptr(GstElement) rtpbin = rtpbin_of(sub_))
      g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(+[](GstElement* bin, guint session_id, guint, gpointer) {
                         GObject* session = nullptr;
                         g_signal_emit_by_name(bin, "get-internal-session", session_id, &session);
                         if (!session) return;
                         g_object_set(session, "rtcp-min-interval", static_cast<guint64>(100 * GST_MSECOND), nullptr);
                         g_object_unref(session);
                       }),
                       nullptr);
  }
  json::Array streams;
  for (guint64 feed : feeds) streams.add(std::move(json::Object().set("feed", static_cast<int64_t>(feed))));
  api_.message(sub_handle_, std::move(json::Object()
                                          .set("request", "join")
                                          .set("room", static_cast<int64_t>(room))
                                          .set("ptype", "subscriber")
                                          .set("use_msid", false)
                                          .set("streams", std::move(streams))));
}

void JanusParticipant::answer_subscribe_offer(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &msg);
  GstWebRTCSessionDescription* desc = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, msg);
  g_signal_emit_by_name(sub_, "set-remote-description", desc, promise([this](GstPromise*) {
                          g_signal_emit_by_name(sub_, "create-answer", nullptr, promise([this](GstPromise* p) {
                                                  GstWebRTCSessionDescription* answer = reply_sdp(p, "answer");
                                                  if (!answer) return;
                                                  g_signal_emit_by_name(sub_, "set-local-description", answer, nullptr);
                                                  std::string text = sdp_text(answer);
                                                  gst_webrtc_session_description_free(answer);
                                                  later([this, text] {
                                                    api_.message(sub_handle_,
                                                                 std::move(json::Object()
                                                                               .set("request", "start")
                                                                               .set("room", static_cast<int64_t>(room_))),
                                                                 "answer", text);
                                                  });
                                                }));
                        }));
  gst_webrtc_session_description_free(desc);
}

void JanusParticipant::on_event(JsonObject* e) {
  std::string kind = json_object_get_string_member_with_default(e, "janus", "");
  guint64 sender = json_object_get_int_member_with_default(e, "sender", 0);
  GstElement* target = sender == pub_handle_ ? pub_ : sender == sub_handle_ ? sub_ : nullptr;
  if (kind == "trickle") {
    JsonObject* c = json_object_get_object_member(e, "candidate");
    if (target && c && json_object_has_member(c, "candidate"))
      g_signal_emit_by_name(target, "add-ice-candidate",
                            static_cast<guint>(json_object_get_int_member_with_default(c, "sdpMLineIndex", 0)),
                            json_object_get_string_member(c, "candidate"));
    return;
  }
  if (kind == "webrtcup" && sender == pub_handle_) publishing_ = true;
  if (kind != "event") return;  // media, slowlink, hangup, keepalive acks...
  JsonObject* plugindata = json_object_get_object_member(e, "plugindata");
  JsonObject* data = plugindata ? json_object_get_object_member(plugindata, "data") : nullptr;
  if (data && json_object_has_member(data, "error")) {
    std::fprintf(stderr, "janus: videoroom error on handle %" G_GUINT64_FORMAT ": %s\n", sender,
                 json_object_get_string_member(data, "error"));
    return;
  }
  std::string what = data ? json_object_get_string_member_with_default(data, "videoroom", "") : "";
  if (sender == pub_handle_ && what == "joined") feed_id_ = json_object_get_int_member(data, "id");
  JsonObject* jsep = json_object_has_member(e, "jsep") ? json_object_get_object_member(e, "jsep") : nullptr;
  if (!jsep) return;
  std::string type = json_object_get_string_member_with_default(jsep, "type", "");
  std::string sdp = json_object_get_string_member_with_default(jsep, "sdp", "");
  if (sender == pub_handle_ && type == "answer") {
    GstSDPMessage* msg = nullptr;
    gst_sdp_message_new_from_text(sdp.c_str(), &msg);
    GstWebRTCSessionDescription* desc = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
    g_signal_emit_by_name(pub_, "set-remote-description", desc, nullptr);
    gst_webrtc_session_description_free(desc);
    publish_answered_ = true;
  } else if (sender == sub_handle_ && type == "offer") {
    answer_subscribe_offer(sdp);
  }
}

void JanusParticipant::pump(int ms) {
  gint64 deadline = g_get_monotonic_time() + ms * 1000LL;
  do {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      work.swap(outbox_);
    }
    for (auto& w : work) w();
    api_.keepalive_if_due();
    // Wait at most 5 ms for the next HTTP answer or event, as WsClient::next does.
    gint64 until = g_get_monotonic_time() + 5000;
    while (g_main_context_iteration(nullptr, FALSE)) {
      if (g_get_monotonic_time() >= until) break;
    }
    if (g_get_monotonic_time() < until) g_usleep(std::min<gint64>(1000, until - g_get_monotonic_time()));
  } while (g_get_monotonic_time() < deadline);
}

}  // namespace convene::bench
