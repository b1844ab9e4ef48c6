#include "sfu_client.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

#define GST_USE_UNSTABLE_API
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "media/pad_util.h"
#include "media/session_sources.h"
#include "ice_setup.h"
#include "keyframe_requests.h"
#include "vp8_temporal_layers.h"

namespace convene::testing {

namespace {

constexpr const char* kVp8Caps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";
constexpr const char* kOpusCaps =
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,encoding-params=(string)2";

// Whether a decoded picture's mean chroma lies within 16 of (u, v): a
// picture of one colour, not noise (subsampled: every 4th chroma sample).
bool shows_chroma(GstPad* pad, GstBuffer* buffer, int u, int v) {
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  GstVideoInfo info;
  if (!caps || !gst_video_info_from_caps(&info, caps) || GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_FORMAT_I420)
    return false;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return false;
  double sums[2] = {0, 0};
  uint64_t samples = 0;
  for (int plane = 1; plane <= 2; ++plane) {
    const auto* data = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane);
    const int width = GST_VIDEO_FRAME_COMP_WIDTH(&frame, plane), height = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, plane);
    uint64_t n = 0;
    for (int y = 0; y < height; y += 2)
      for (int x = 0; x < width; x += 2, ++n) sums[plane - 1] += data[y * stride + x];
    samples = n;
  }
  gst_video_frame_unmap(&frame);
  if (!samples) return false;
  return std::abs(sums[0] / samples - u) <= 16 && std::abs(sums[1] / samples - v) <= 16;
}

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

struct PromiseCtx {
  SfuClient* self;
  std::function<void(GstPromise*)> fn;
};

GstPromise* promise(SfuClient* self, std::function<void(GstPromise*)> fn) {
  return gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer d) { static_cast<PromiseCtx*>(d)->fn(p); }, new PromiseCtx{self, std::move(fn)},
      [](gpointer d) { delete static_cast<PromiseCtx*>(d); });
}

void set_description(GstElement* w, const char* signal, GstWebRTCSDPType type, const std::string& sdp,
                     GstPromise* done) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &msg);
  GstWebRTCSessionDescription* desc = gst_webrtc_session_description_new(type, msg);
  g_signal_emit_by_name(w, signal, desc, done);
  gst_webrtc_session_description_free(desc);
}

}  // namespace

SfuClient::SfuClient(TestPerson& person, SfuClientOptions options) : person_(person), options_(options) {
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

SfuClient::~SfuClient() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (screen_pad_) gst_object_unref(screen_pad_);
  gst_object_unref(pipeline_);
}

GstElement* SfuClient::make_webrtcbin(const char* name, const char* pc) {
  GstElement* w = gst_element_factory_make("webrtcbin", name);
  g_object_set(w, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 50u, nullptr);
  gather_only_on(w, options_.ice_address.c_str());
  struct Ctx {
    SfuClient* self;
    std::string pc;
  };
  g_signal_connect_data(
      w, "on-ice-candidate", G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer d) {
        auto* c = static_cast<Ctx*>(d);
        if (!c->self->options_.trickle_candidates) return;
        c->self->queue_send(std::move(json::Object()
                                          .set("type", "sfu-candidate")
                                          .set("pc", c->pc)
                                          .set("candidate", cand)
                                          .set("sdpMLineIndex", static_cast<int64_t>(mline))));
      }),
      new Ctx{this, pc}, [](gpointer d, GClosure*) { delete static_cast<Ctx*>(d); }, static_cast<GConnectFlags>(0));
  if (!strcmp(pc, "subscribe")) simulate_receive_path(w);
  if (!strcmp(pc, "publish")) simulate_send_path(w);
  gst_bin_add(GST_BIN(pipeline_), w);
  gst_element_sync_state_with_parent(w);
  return w;
}

namespace {

// Drops `percent` of the VP8 RTP packets (payload type 96; retransmissions
// have their own type and pass) going through `pad`. SRTP leaves the RTP
// header readable.
void drop_video_on(GstPad* pad, std::atomic<int>* percent) {
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
    int p = static_cast<std::atomic<int>*>(d)->load();
    if (p <= 0) return GST_PAD_PROBE_OK;
    guint8 header[2];
    if (gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(info), 0, header, 2) != 2) return GST_PAD_PROBE_OK;
    bool vp8 = (header[0] & 0xc0) == 0x80 && (header[1] & 0x7f) == 96;
    return vp8 && g_random_int_range(0, 100) < p ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  }, percent, nullptr);
}

}  // namespace

namespace {

// A bottleneck of `limit->kbps` in front of `pad` (the subscribe connection's
// DTLS/SRTP decoder, fed by webrtcbin's receive queue, which holds up to
// 5 MB): each RTP or RTCP packet leaves when the link has sent it, the
// receiving thread sleeping until then. Arrivals are stamped then, so the
// RTP session's transport-cc feedback reports the delay (and, once the limit
// is lifted, what had queued arrives at once, as from a link that got faster).
void limit_rate_on(GstPad* pad, RateLimitedLink* limit) {
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad* p, GstPadProbeInfo* info, gpointer d) {
    auto* link = static_cast<RateLimitedLink*>(d);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    guint8 first = 0;
    if (!link->used || gst_buffer_extract(buffer, 0, &first, 1) != 1 || (first & 0xc0) != 0x80)
      return GST_PAD_PROBE_OK;
    const int kbps = link->kbps.load();
    if (kbps > 0) {
      const gint64 now = g_get_monotonic_time();
      link->free_at_us = std::max(now, link->free_at_us) +
                         static_cast<gint64>(gst_buffer_get_size(buffer)) * 8 * 1000 / kbps;
      if (link->free_at_us > now) g_usleep(static_cast<gulong>(link->free_at_us - now));
    }
    g_autoptr(GstElement) element = gst_pad_get_parent_element(p);
    const GstClockTime arrived = element ? gst_element_get_current_running_time(element) : GST_CLOCK_TIME_NONE;
    buffer = gst_buffer_make_writable(buffer);
    if (GST_BUFFER_DTS_IS_VALID(buffer)) GST_BUFFER_DTS(buffer) = arrived;
    if (GST_BUFFER_PTS_IS_VALID(buffer)) GST_BUFFER_PTS(buffer) = arrived;
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    return GST_PAD_PROBE_OK;
  }, limit, nullptr);
}

// Accepts the transport-cc extension the server offers, as a browser does
// (webrtcbin 1.22 answers without any extmap): the answer names it on each
// m-line that receives, and the RTP session, which takes its receive caps
// from the local description, then sends transport-cc feedback.
void answer_transport_cc(const std::string& offer_text, GstSDPMessage* answer) {
  GstSDPMessage* offer = nullptr;
  if (gst_sdp_message_new_from_text(offer_text.c_str(), &offer) != GST_SDP_OK) return;
  for (guint i = 0; i < gst_sdp_message_medias_len(offer) && i < gst_sdp_message_medias_len(answer); ++i) {
    const GstSDPMedia* offered = gst_sdp_message_get_media(offer, i);
    auto* answered = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(answer, i));
    if (gst_sdp_media_get_port(answered) == 0) continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len(offered); ++a) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(offered, a);
      if (!g_strcmp0(attr->key, "extmap") && attr->value && strstr(attr->value, "transport-wide-cc"))
        gst_sdp_media_add_attribute(answered, "extmap", attr->value);
    }
  }
  gst_sdp_message_free(offer);
}

}  // namespace

// The publish connection's network may lose video on the way out.
void SfuClient::simulate_send_path(GstElement* webrtcbin) {
  g_signal_connect(webrtcbin, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
    GstElementFactory* f = gst_element_get_factory(e);
    if (!f || strcmp(GST_OBJECT_NAME(f), "nicesink")) return;
    g_autoptr(GstPad) sink = gst_element_get_static_pad(e, "sink");
    drop_video_on(sink, &static_cast<SfuClient*>(d)->outgoing_video_loss_percent_);
  }), this);
}

// The subscribe connection as a browser's: frequent receiver reports
// (rtpbin's default minimum interval is five seconds, a browser reports
// about every second and sends NACKs at once), and a network that may lose
// video packets on the way in.
void SfuClient::simulate_receive_path(GstElement* webrtcbin) {
  g_object_set(webrtcbin, "latency", static_cast<guint>(options_.receive_latency_ms), nullptr);
  g_signal_connect(webrtcbin, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer d) {
    GstElementFactory* f = gst_element_get_factory(e);
    if (!f) return;
    const char* factory = GST_OBJECT_NAME(f);
    if (!strcmp(factory, "nicesrc")) {
      g_autoptr(GstPad) src = gst_element_get_static_pad(e, "src");
      drop_video_on(src, &static_cast<SfuClient*>(d)->incoming_video_loss_percent_);
    }
    if (!strcmp(factory, "dtlssrtpdec")) {
      g_autoptr(GstPad) sink = gst_element_get_static_pad(e, "sink");
      if (sink) limit_rate_on(sink, &static_cast<SfuClient*>(d)->incoming_rate_limit_);
    }
  }), this);
  g_autoptr(GstElement) rtpbin = media::child_by_factory(GST_BIN(webrtcbin), "rtpbin");
  if (!rtpbin) return;
  g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(+[](GstElement* bin, guint session_id, guint, gpointer) {
    GObject* session = nullptr;
    g_signal_emit_by_name(bin, "get-internal-session", session_id, &session);
    if (!session) return;
    g_object_set(session, "rtcp-min-interval", static_cast<guint64>(100 * GST_MSECOND), nullptr);
    // transport-cc feedback (options_.transport_cc) every 100 ms, as browsers
    // send it, rather than after every frame as an early RTCP packet each.
    g_object_set(session, "twcc-feedback-interval", static_cast<guint64>(100 * GST_MSECOND), nullptr);
    g_object_unref(session);
  }), nullptr);
}

void SfuClient::queue_send(json::Object&& message) {
  std::string text = std::move(message).to_string();
  std::lock_guard<std::mutex> lock(mutex_);
  outbox_.push_back(std::move(text));
}

// One sending track: `description` produces RTP with `caps`; a sendonly
// transceiver with those codec preferences carries it.
void SfuClient::add_source(const std::string& description_text, const char* caps_base, bool temporal_layers,
                           const EncodedClip* clip, const std::string& preferences) {
  // Each stream names its SSRC in the offer, as browsers do, so the server
  // can tell two video m-lines with the same payload type apart.
  guint ssrc = g_random_int();
  std::string caps_str = std::string(caps_base) + ",ssrc=(uint)" + std::to_string(ssrc);
  std::string description = description_text;
  description.replace(description.find(caps_base), strlen(caps_base), caps_str);
  auto pay = description.find(" pt=");
  description.insert(pay, " ssrc=" + std::to_string(ssrc));
  GstElement* src = gst_parse_bin_from_description(description.c_str(), TRUE, nullptr);
  if (temporal_layers) configure_vp8_temporal_layers_in(GST_BIN(src));
  if (clip) {
    g_autoptr(GstElement) appsrc = gst_bin_get_by_name(GST_BIN(src), "clip");
    clip->play_into(GST_APP_SRC(appsrc));
  }
  gst_bin_add(GST_BIN(pipeline_), src);
  GstPad* sink = gst_element_request_pad_simple(pub_, "sink_%u");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(sink, "transceiver", &trans, nullptr);
  // Header extensions go in the codec preferences only (webrtcbin offers
  // them from there).
  g_autoptr(GstCaps) caps = gst_caps_from_string((caps_str + preferences).c_str());
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               "do-nack", strstr(caps_base, "VP8") != nullptr, nullptr);
  gst_object_unref(trans);
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(src, "src");
  gst_pad_link(src_pad, sink);
  if (!preferences.empty() && strstr(caps_base, "OPUS")) write_audio_level(src);
  gst_element_sync_state_with_parent(src);
  if (description.find("pattern=ball") != std::string::npos) {
    screen_src_ = src;
    screen_pad_ = sink;
  } else {
    gst_object_unref(sink);
  }
}

// Every packet leaving the Opus payloader gets the audio-level extension
// with options_.audio_level (no voice-activity bit), as browsers write it.
void SfuClient::write_audio_level(GstElement* source) {
  g_autoptr(GstIterator) it = gst_bin_iterate_elements(GST_BIN(source));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* element = static_cast<GstElement*>(g_value_get_object(&item));
    if (g_str_has_prefix(GST_OBJECT_NAME(gst_element_get_factory(element)), "rtpopuspay")) {
      g_autoptr(GstPad) pay_src = gst_element_get_static_pad(element, "src");
      gst_pad_add_probe(
          pay_src, GST_PAD_PROBE_TYPE_BUFFER,
          [](GstPad*, GstPadProbeInfo* info, gpointer level) {
            GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
            GST_PAD_PROBE_INFO_DATA(info) = buffer;
            GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
            if (gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp)) {
              guint8 byte = static_cast<guint8>(GPOINTER_TO_INT(level) & 0x7f);
              gst_rtp_buffer_add_extension_onebyte_header(&rtp, kAudioLevelExtensionId, &byte, 1);
              gst_rtp_buffer_unmap(&rtp);
            }
            return GST_PAD_PROBE_OK;
          },
          GINT_TO_POINTER(options_.audio_level), nullptr);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
}

void SfuClient::publish() {
  pub_ = make_webrtcbin("pub", "publish");
  if (options_.audio) {
    // 960 samples: one 20 ms Opus frame a buffer, as a browser sends. With
    // audiotestsrc's 1024 (21.3 ms) packets drift behind the 20 ms every
    // receiver's jitter buffer expects; it NACKed 8 of every 16 audio
    // packets, and that stream of early RTCP starved the regular reports.
    add_source("audiotestsrc is-live=true samplesperbuffer=960 wave=sine freq=440 volume=" + std::to_string(options_.volume) +
                   " ! audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay pt=111" +
                   // The extension is written below: rtpbasepayload would
                   // make its own from the codec preferences and fail to
                   // negotiate.
                   (options_.audio_level >= 0 ? " auto-header-extension=false" : "") + " ! " + kOpusCaps,
               kOpusCaps, false, nullptr,
               options_.audio_level >= 0 ? ",extmap-" + std::to_string(kAudioLevelExtensionId) +
                                               "=(string)urn:ietf:params:rtp-hdrext:ssrc-audio-level"
                                         : "");
    pub_sources_["audio"] = "microphone";
    pub_order_.emplace_back("microphone", "");
  }
  if (options_.video && options_.camera_clip) {
    add_source("appsrc name=clip ! identity sync=true ! rtpvp8pay picture-id-mode=15-bit pt=96 ! " +
                   std::string(kVp8Caps),
               kVp8Caps, false, options_.camera_clip.get());
  } else if (options_.video && options_.camera_layers) {
    // Each layer its own encoder and SSRC, as a browser's three encodings
    // (scaleResolutionDownBy 4, 2, 1) on three transceivers.
    struct Layer {
      const char* name;
      int width, height, bitrate;
    };
    int index = 0;
    for (const Layer& l : {Layer{"q", 320, 180, 100000}, Layer{"h", 640, 360, 300000}, Layer{"f", 1280, 720, 900000}}) {
      if (const EncodedClip* clip = options_.camera_layer_clips[index++].get()) {
        add_source("appsrc name=clip ! identity sync=true ! rtpvp8pay picture-id-mode=15-bit pt=96 ! " +
                       std::string(kVp8Caps),
                   kVp8Caps, false, clip);
        pub_order_.emplace_back("camera", l.name);
        continue;
      }
      add_source("videotestsrc is-live=true pattern=" + options_.video_pattern + " ! video/x-raw,width=" +
                     std::to_string(l.width) + ",height=" + std::to_string(l.height) +
                     ",framerate=15/1 ! vp8enc deadline=1 cpu-used=8 target-bitrate=" + std::to_string(l.bitrate) +
                     " keyframe-max-dist=" + std::to_string(options_.keyframe_interval) +
                     " ! rtpvp8pay picture-id-mode=15-bit pt=96 ! " + kVp8Caps,
                 kVp8Caps, false);
      pub_order_.emplace_back("camera", l.name);
    }
  } else if (options_.video) {
    add_source("videotestsrc is-live=true pattern=" + options_.video_pattern + " ! video/x-raw,width=" +
                   std::to_string(options_.width) + ",height=" + std::to_string(options_.height) +
                   ",framerate=30/1 ! vp8enc deadline=1 keyframe-max-dist=" + std::to_string(options_.keyframe_interval) +
                   " ! rtpvp8pay picture-id-mode=15-bit pt=96 ! " + kVp8Caps,
               kVp8Caps, options_.temporal_layers);
  }
  if (options_.video && !options_.camera_layers) pub_order_.emplace_back("camera", "");
  offer_publish();
}

void SfuClient::start_screen() {
  add_source("videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=15/1 ! "
             "vp8enc deadline=1 keyframe-max-dist=" + std::to_string(options_.keyframe_interval) +
                 " ! rtpvp8pay pt=96 ! " + kVp8Caps,
             kVp8Caps);
  screen_on_ = true;
  pub_order_.emplace_back("screen", "");
  offer_publish();
}

void SfuClient::stop_screen() {
  // As a browser's removeTrack: the transceiver turns inactive, the source
  // stops, and the next offer no longer lists the screen.
  screen_on_ = false;
  if (screen_pad_) {
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(screen_pad_, "transceiver", &trans, nullptr);
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE, nullptr);
    gst_object_unref(trans);
  }
  if (screen_src_) {
    gst_element_set_locked_state(screen_src_, TRUE);
    gst_element_set_state(screen_src_, GST_STATE_NULL);
  }
  offer_publish();
}

// Offers what the publish connection carries; the tracks list names each
// m-line's mid by the order the sources were added (audio, camera, screen).
void SfuClient::offer_publish() {
  bool screen_on = screen_on_;
  auto order = pub_order_;
  g_signal_emit_by_name(pub_, "create-offer", nullptr, promise(this, [this, screen_on, order](GstPromise* p) {
                          GstWebRTCSessionDescription* offer = reply_sdp(p, "offer");
                          if (!offer) return;
                          g_signal_emit_by_name(pub_, "set-local-description", offer, nullptr);
                          json::Array tracks;
                          for (guint i = 0; i < gst_sdp_message_medias_len(offer->sdp) && i < order.size(); ++i) {
                            const auto& [source, layer] = order[i];
                            if (source == "screen" && !screen_on) continue;
                            const GstSDPMedia* m = gst_sdp_message_get_media(offer->sdp, i);
                            const char* mid = gst_sdp_media_get_attribute_val(m, "mid");
                            json::Object t;
                            t.set("mid", mid ? mid : "").set("source", source);
                            if (!layer.empty()) t.set("layer", layer);
                            tracks.add(std::move(t));
                          }
                          std::string request_id;
                          {
                            std::lock_guard<std::mutex> lock(mutex_);
                            request_id = "publish-" + std::to_string(++publish_offers_);
                            last_publish_request_id_ = request_id;
                          }
                          queue_send(std::move(json::Object()
                                                   .set("type", "publish-offer")
                                                   .set("requestId", request_id)
                                                   .set("sdp", sdp_text(offer))
                                                   .set("tracks", std::move(tracks))));
                          gst_webrtc_session_description_free(offer);
                        }));
}

SfuClient::Counter& SfuClient::counter(const std::string& mid) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& c = counters_[mid];
  if (!c) c = std::make_unique<Counter>();
  return *c;
}

void SfuClient::on_sub_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<SfuClient*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(pad, "transceiver", &trans, nullptr);
  g_autofree char* mid = nullptr;
  GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
  g_object_get(trans, "mid", &mid, "kind", &kind, nullptr);
  gst_object_unref(trans);
  bool audio = kind == GST_WEBRTC_KIND_AUDIO;
  if (g_getenv("SFU_CLIENT_DEBUG")) std::fprintf(stderr, "client pad %s mid %s\n", GST_PAD_NAME(pad), mid ? mid : "?");
  const bool h264 = self->options_.video_codec == "H264";
  GstElement* bin = gst_parse_bin_from_description(
      !self->options_.decode
          ? (audio  ? "queue ! rtpopusdepay ! fakesink name=count signal-handoffs=true sync=false async=false"
             : h264 ? "queue ! rtph264depay request-keyframe=true ! "
                      "fakesink name=count signal-handoffs=true sync=false async=false"
                    : "queue ! rtpvp8depay request-keyframe=true ! "
                      "fakesink name=count signal-handoffs=true sync=false async=false")
      : audio ? "queue ! rtpopusdepay ! opusdec ! fakesink name=count signal-handoffs=true sync=false async=false"
      : h264  ? "queue ! rtph264depay request-keyframe=true ! h264parse ! avdec_h264 ! "
                "fakesink name=count signal-handoffs=true sync=false async=false"
            // Like a browser, ask for a keyframe (RTCP PLI) when packets were
            // lost or a picture cannot be decoded.
            : "queue ! rtpvp8depay request-keyframe=true ! "
              "vp8dec automatic-request-sync-points=true discard-corrupted-frames=true ! "
              "fakesink name=count signal-handoffs=true sync=false async=false",
      TRUE, nullptr);
  Counter* c = &self->counter(mid ? mid : "");
  struct Ctx {
    SfuClient* self;
    Counter* counter;
  };
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(bin), "count");
  g_signal_connect_data(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer* buffer, GstPad* pad, gpointer d) {
                          auto* ctx = static_cast<Ctx*>(d);
                          ctx->counter->count++;
                          if (g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad)) {
                            gint width = 0;
                            if (gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &width))
                              ctx->counter->width = width;
                          }
                          if (const auto& chroma = ctx->self->options_.picture_chroma;
                              chroma && shows_chroma(pad, buffer, chroma->first, chroma->second))
                            ctx->counter->showing++;
                          gint64 none = 0;
                          ctx->self->first_frame_at_us_.compare_exchange_strong(none, g_get_monotonic_time());
                          double expected = -1;
                          gint64 answered = ctx->self->answered_us_.load();
                          if (answered && ctx->self->first_frame_ms_.compare_exchange_strong(
                                              expected, (g_get_monotonic_time() - answered) / 1000.0)) {
                          }
                        }),
                        new Ctx{self, c}, [](gpointer d, GClosure*) { delete static_cast<Ctx*>(d); },
                        static_cast<GConnectFlags>(0));
  gst_bin_add(GST_BIN(self->pipeline_), bin);
  gst_element_sync_state_with_parent(bin);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(bin, "sink");
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer d) {
    static_cast<Counter*>(d)->packets++;
    return GST_PAD_PROBE_OK;
  }, c, nullptr);
  gst_pad_link(pad, sinkpad);
}

void SfuClient::on_subscribe_offer(const std::string& sdp, JsonArray* tracks) {
  gint64 never = 0;
  offered_us_.compare_exchange_strong(never, g_get_monotonic_time());
  subscribe_offers_++;
  {
    std::map<std::string, TrackRef> next;
    for (guint i = 0; tracks && i < json_array_get_length(tracks); ++i) {
      JsonObject* t = json_array_get_object_element(tracks, i);
      std::string mid = json_object_get_string_member(t, "mid");
      TrackRef ref{json_object_get_string_member(t, "peerId"), json_object_get_string_member(t, "source"),
                   json_object_get_string_member(t, "kind"), 0};
      Counter& c = counter(mid);
      std::lock_guard<std::mutex> lock(mutex_);
      auto old = tracks_.find(mid);
      bool same = old != tracks_.end() && old->second.peer_id == ref.peer_id && old->second.source == ref.source;
      ref.base = same ? old->second.base : c.count.load();
      ref.showing_base = same ? old->second.showing_base : c.showing.load();
      next[mid] = ref;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    tracks_ = std::move(next);
  }
  if (!options_.answer_subscribe_offers) return;
  if (!sub_) {
    sub_ = make_webrtcbin("sub", "subscribe");
    g_signal_connect(sub_, "pad-added", G_CALLBACK(on_sub_pad), this);
    // Ask for retransmissions of what the network lost, as browsers do.
    g_signal_connect(sub_, "on-new-transceiver", G_CALLBACK(+[](GstElement*, GstWebRTCRTPTransceiver* t, gpointer) {
                       g_object_set(t, "do-nack", TRUE, nullptr);
                     }),
                     nullptr);
  }
  set_description(sub_, "set-remote-description", GST_WEBRTC_SDP_TYPE_OFFER, sdp,
                  promise(this, [this, sdp](GstPromise*) {
                    g_signal_emit_by_name(sub_, "create-answer", nullptr, promise(this, [this, sdp](GstPromise* p) {
                                            GstWebRTCSessionDescription* answer = reply_sdp(p, "answer");
                                            if (!answer) return;
                                            if (options_.transport_cc) answer_transport_cc(sdp, answer->sdp);
                                            g_signal_emit_by_name(sub_, "set-local-description", answer, nullptr);
                                            queue_send(std::move(json::Object()
                                                                     .set("type", "subscribe-answer")
                                                                     .set("sdp", sdp_text(answer))));
                                            gint64 zero = 0;
                                            answered_us_.compare_exchange_strong(zero, g_get_monotonic_time());
                                            gst_webrtc_session_description_free(answer);
                                          }));
                  }));
}

void SfuClient::on_message(JsonNode* node) {
  JsonObject* m = json_node_get_object(node);
  std::string type = json_object_get_string_member_with_default(m, "type", "");
  if (type == "publish-answer") {
    publish_answer_ = json_object_get_string_member(m, "sdp");
    set_description(pub_, "set-remote-description", GST_WEBRTC_SDP_TYPE_ANSWER,
                    json_object_get_string_member(m, "sdp"), nullptr);
  } else if (type == "subscribe-offer") {
    on_subscribe_offer(json_object_get_string_member(m, "sdp"), json_object_get_array_member(m, "tracks"));
  } else if (type == "sfu-candidate") {
    server_candidates_.push_back(json_object_get_string_member(m, "candidate"));
    if (!options_.trickle_candidates) return;
    std::string pc = json_object_get_string_member(m, "pc");
    GstElement* target = pc == "publish" ? pub_ : sub_;
    if (target)
      g_signal_emit_by_name(target, "add-ice-candidate",
                            static_cast<guint>(json_object_get_int_member_with_default(m, "sdpMLineIndex", 0)),
                            json_object_get_string_member(m, "candidate"));
  } else {
    others_.push_back(JsonNodePtr(json_node_copy(node)));
  }
}

bool SfuClient::send_queued() {
  std::vector<std::string> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out.swap(outbox_);
  }
  for (auto& text : out) person_.ws->send_text(text);
  return !out.empty();
}

bool SfuClient::pump_ready() {
  bool handled = send_queued();
  while (JsonNodePtr m = person_.ws->next(0)) {
    on_message(m.get());
    handled = true;
  }
  return handled;
}

void pump_as_they_arrive(const std::vector<std::unique_ptr<SfuClient>>& clients, int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000LL;
  // The context the clients' WebSockets were made on (WsClient takes the
  // thread's default; null here is the global default, as it is there).
  GMainContext* context = g_main_context_get_thread_default();
  while (g_get_monotonic_time() < end) {
    bool busy = false;
    while (g_main_context_iteration(context, FALSE)) busy = true;
    for (const auto& c : clients) busy |= c->pump_ready();
    if (!busy) g_usleep(500);
  }
}

void SfuClient::pump(int ms) {
  gint64 deadline = g_get_monotonic_time() + ms * 1000LL;
  do {
    send_queued();
    if (JsonNodePtr m = person_.ws->next(5)) on_message(m.get());
  } while (g_get_monotonic_time() < deadline);
}

int SfuClient::counted_since_start(const std::string& peer_id, const std::string& source,
                                   std::atomic<int> Counter::*counted, int TrackRef::*base) const {
  std::lock_guard<std::mutex> lock(mutex_);
  int total = 0;
  for (const auto& [mid, t] : tracks_) {
    if (t.peer_id != peer_id || t.source != source) continue;
    auto c = counters_.find(mid);
    if (c != counters_.end()) total += (c->second.get()->*counted).load() - t.*base;
  }
  return total;
}

int SfuClient::request_keyframes() {
  if (!sub_) return 0;
  g_autoptr(GObject) session = media::bundled_session(sub_);
  if (!session) return 0;
  guint own_ssrc = 0;
  g_object_get(session, "internal-ssrc", &own_ssrc, nullptr);
  std::vector<guint32> video;
  media::for_each_source(session, [&video](const GstStructure* source) {
    gboolean internal = TRUE;
    gint clock_rate = 0;
    guint ssrc = 0;
    gst_structure_get_boolean(source, "internal", &internal);
    gst_structure_get_int(source, "clock-rate", &clock_rate);
    if (!internal && clock_rate == 90000 && gst_structure_get_uint(source, "ssrc", &ssrc)) video.push_back(ssrc);
  });
  std::sort(video.begin(), video.end());  // the same order at every call
  // Into the SRTP encoder's RTCP input: one compound packet, a receiver
  // report and a PLI per stream (RFC 4585 allows any number), which the
  // server receives all at one instant.
  auto encoders = media::descendants_by_factory(GST_BIN(sub_), "srtpenc");
  g_autoptr(GstPad) rtcp_input =
      encoders.empty() ? nullptr : gst_element_get_static_pad(encoders.front().get(), "rtcp_sink_0");
  if (!rtcp_input || video.empty()) return 0;
  GstBuffer* compound = keyframe_requests(own_ssrc, video);
  return gst_pad_chain(rtcp_input, compound) == GST_FLOW_OK ? static_cast<int>(video.size()) : 0;
}

int SfuClient::frames_from(const std::string& peer_id, const std::string& source) const {
  return counted_since_start(peer_id, source, &Counter::count, &TrackRef::base);
}

int SfuClient::frames_showing(const std::string& peer_id, const std::string& source) const {
  return counted_since_start(peer_id, source, &Counter::showing, &TrackRef::showing_base);
}

int SfuClient::frame_width_from(const std::string& peer_id, const std::string& source) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [mid, t] : tracks_) {
    if (t.peer_id != peer_id || t.source != source) continue;
    auto c = counters_.find(mid);
    if (c != counters_.end()) return c->second->width.load();
  }
  return 0;
}

int SfuClient::pipeline_errors(std::string* text) {
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
  while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    g_autoptr(GError) e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    pipeline_error_text_ += std::string(GST_MESSAGE_SRC_NAME(m)) + ": " + e->message + "; ";
    ++pipeline_errors_;
    gst_message_unref(m);
  }
  if (text) *text = pipeline_error_text_;
  return pipeline_errors_;
}

void SfuClient::track_settings(const std::string& peer_id, const std::string& source, int width, int height,
                               bool visible, const std::string& request_id) {
  json::Object m;
  m.set("type", "track-settings")
      .set("peerId", peer_id)
      .set("source", source)
      .set("width", static_cast<int64_t>(width))
      .set("height", static_cast<int64_t>(height))
      .set("visible", visible);
  if (!request_id.empty()) m.set("requestId", request_id);
  queue_send(std::move(m));
}

int SfuClient::packets_from(const std::string& peer_id, const std::string& source) const {
  std::lock_guard<std::mutex> lock(mutex_);
  int total = 0;
  for (const auto& [mid, t] : tracks_) {
    if (t.peer_id != peer_id || t.source != source) continue;
    auto c = counters_.find(mid);
    if (c != counters_.end()) total += c->second->packets.load();
  }
  return total;
}

std::vector<std::string> SfuClient::offered_peers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> peers;
  for (const auto& [mid, t] : tracks_)
    if (std::find(peers.begin(), peers.end(), t.peer_id) == peers.end()) peers.push_back(t.peer_id);
  return peers;
}

bool SfuClient::offered(const std::string& peer_id, const std::string& source) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [mid, t] : tracks_)
    if (t.peer_id == peer_id && (source.empty() || t.source == source)) return true;
  return false;
}

}  // namespace convene::testing

namespace convene::testing {

std::string SfuClient::describe() const {
  std::string out;
  // Outside the lock: webrtcbin's thread answers get-stats, and it takes the
  // lock itself when it queues a candidate.
  // What the publish connection sent, from webrtcbin's own statistics.
  if (pub_) {
    GstPromise* promise = gst_promise_new();
    g_signal_emit_by_name(pub_, "get-stats", nullptr, promise);
    if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
      const GstStructure* stats = gst_promise_get_reply(promise);
      gst_structure_foreach(
          stats,
          [](GQuark, const GValue* value, gpointer data) -> gboolean {
            if (!GST_VALUE_HOLDS_STRUCTURE(value)) return TRUE;
            const GstStructure* s = gst_value_get_structure(value);
            GstWebRTCStatsType type;
            if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) return TRUE;
            auto* out = static_cast<std::string*>(data);
            if (type == GST_WEBRTC_STATS_OUTBOUND_RTP) {
              guint ssrc = 0;
              guint64 packets = 0;
              gst_structure_get(s, "ssrc", G_TYPE_UINT, &ssrc, "packets-sent", G_TYPE_UINT64, &packets, nullptr);
              *out += " sent[" + std::to_string(ssrc) + "]=" + std::to_string(packets);
            } else if (type == GST_WEBRTC_STATS_TRANSPORT) {
              *out += " transport";
            } else if (type == GST_WEBRTC_STATS_CANDIDATE_PAIR) {
              *out += " pair";
            }
            return TRUE;
          },
          &out);
    }
    gst_promise_unref(promise);
    GstWebRTCPeerConnectionState pc_state;
    g_object_get(pub_, "connection-state", &pc_state, nullptr);
    out += " publish-state=" + std::to_string(static_cast<int>(pc_state));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [mid, t] : tracks_) {
    auto c = counters_.find(mid);
    out += mid + "=" + t.peer_id + "/" + t.source + " " + std::to_string(c == counters_.end() ? -1 : c->second->count.load()) +
           " (base " + std::to_string(t.base) + "); ";
  }
  for (const auto& [mid, c] : counters_)
    out += "[" + mid + ":" + std::to_string(c->count.load()) + " from " + std::to_string(c->packets.load()) + " packets] ";
  // Errors the client's own pipeline reported, if any.
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
  while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    g_autoptr(GError) e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    out += std::string(" client error from ") + GST_MESSAGE_SRC_NAME(m) + ": " + e->message;
    gst_message_unref(m);
  }
  return out;
}

}  // namespace convene::testing

namespace convene::testing {

int SfuClient::streams_with_sender_reports() const {
  if (!sub_) return 0;
  g_autoptr(GObject) session = media::bundled_session(sub_);
  if (!session) return 0;
  int with_reports = 0;
  media::for_each_source(session, [&with_reports](const GstStructure* source) {
    gboolean internal = TRUE, have_sr = FALSE;
    gst_structure_get_boolean(source, "internal", &internal);
    gst_structure_get_boolean(source, "have-sr", &have_sr);
    if (!internal && have_sr) ++with_reports;
  });
  return with_reports;
}

}  // namespace convene::testing
