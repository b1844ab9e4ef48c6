#include "media/subscriber.h"

#include <gst/sdp/sdp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>

#include "media/media_room.h"
#include "media/pad_util.h"
#include "media/path_shortcut.h"
#include "media/publication.h"
#include "media/sdp_streams.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// Payload types of what the server offers; any free dynamic numbers do, but
// fixed ones keep every subscriber's SDP alike.
int payload_type_of(const std::string& encoding) {
  if (encoding == "OPUS") return 111;
  if (encoding == "H264") return 102;
  return 96;  // VP8
}

guint clock_rate_of(const std::string& encoding) { return encoding == "OPUS" ? 48000 : 90000; }

// Forwarding latency: a packet's PTS is when it arrived (the running time
// webrtcbin's source stamped; with [media] jitter_buffer, when the jitter
// buffer let it out); this is when it leaves for the subscriber. One
// packet in kLatencySampleEvery is timed: reading the clock takes locks.
struct LatencySampler {
  std::shared_ptr<LatencyHistogram> histogram;
  std::atomic<unsigned> seen{0};
  static constexpr unsigned kLatencySampleEvery = 16;

  bool due() { return seen.fetch_add(1, std::memory_order_relaxed) % kLatencySampleEvery == 0; }
  // The running time now, for one packet in kLatencySampleEvery; NONE for the others.
  GstClockTime now_if_due(GstElement* forward) {
    return due() ? gst_element_get_current_running_time(forward) : GST_CLOCK_TIME_NONE;
  }
  void record(GstBuffer* buffer, GstClockTime now) {
    if (GST_CLOCK_TIME_IS_VALID(now) && GST_BUFFER_PTS_IS_VALID(buffer))
      histogram->add(GST_CLOCK_DIFF(GST_BUFFER_PTS(buffer), now) / 1000);
  }
};

// Each packet a slot's forwarder sends goes to the connection's
// DirectSender as the forwarder received it, with the forwarder's rewrite
// to write into the sender's own copy; the sender takes it once the
// connection is keyed. Until then, and for a packet the sender declines,
// the forwarder writes and pushes it into webrtcbin as always (where the
// pad's latency probe times it). Runs on the publisher's streaming thread.
void send_from_forwarder(GstElement* forward, const std::shared_ptr<DirectSender>& sender, guint clock_rate,
                         const std::shared_ptr<LatencyHistogram>& latency) {
  struct Send {
    std::shared_ptr<DirectSender> sender;
    guint clock_rate;
    GstElement* forward;  // the element that owns this (no reference: no cycle)
    LatencySampler latency;
  };
  convene_rtp_forward_set_output(
      forward,
      [](GstBuffer* packet, const ConveneRtpRewrite* rewrite, gpointer data) -> gboolean {
        auto* send = static_cast<Send*>(data);
        // Timed before it is sent, as the pad's probe times a packet before
        // webrtcbin takes it.
        const GstClockTime leaving = send->latency.now_if_due(send->forward);
        if (!send->sender->send_forwarded(packet, *rewrite, send->clock_rate)) return FALSE;
        send->latency.record(packet, leaving);
        return TRUE;
      },
      new Send{sender, clock_rate, forward, LatencySampler{latency}},
      [](gpointer data) { delete static_cast<Send*>(data); });
}

// What one send-only m-line offers. The SSRC goes into the codec
// preferences so the offer names it before any packet has flowed: with
// several video m-lines the browser tells streams apart by SSRC.
GstCaps* send_caps(const std::string& encoding, unsigned ssrc) {
  const int pt = payload_type_of(encoding);
  g_autofree char* text = nullptr;
  if (encoding == "OPUS") {
    text = g_strdup_printf(
        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=%d,encoding-params=(string)2,"
        "minptime=(string)10,useinbandfec=(string)1,ssrc=(uint)%u",
        pt, ssrc);
  } else if (encoding == "H264") {
    text = g_strdup_printf(
        "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=%d,packetization-mode=(string)1,"
        "profile-level-id=(string)42e01f,level-asymmetry-allowed=(string)1,rtcp-fb-nack-pli=(boolean)true,"
        "rtcp-fb-ccm-fir=(boolean)true,ssrc=(uint)%u",
        pt, ssrc);
  } else {
    text = g_strdup_printf(
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d,rtcp-fb-nack-pli=(boolean)true,"
        "rtcp-fb-ccm-fir=(boolean)true,ssrc=(uint)%u",
        pt, ssrc);
  }
  return gst_caps_from_string(text);
}

// The forwarder's spatial-layer API (sink_%u, target-spatial-layer, paused,
// spatial-layer) may be missing from an older element: then layered tracks
// are forwarded as far as it goes and nothing warns on every tick.
bool has_property(GstElement* element, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) != nullptr;
}

int int_property(GstElement* element, const char* name, int fallback) {
  if (!has_property(element, name)) return fallback;
  gint value = fallback;
  g_object_get(element, name, &value, nullptr);
  return value;
}

uint64_t uint64_property(GstElement* element, const char* name) {
  if (!has_property(element, name)) return 0;
  guint64 value = 0;
  g_object_get(element, name, &value, nullptr);
  return value;
}

// Takes our reference to a tee's src pad.
void release_now(GstObjectPtr<GstPad> pad) {
  if (g_autoptr(GstElement) tee = gst_pad_get_parent_element(pad.get())) release_tee_pad(tee, pad.get());
}

}  // namespace

// Asks the receiver for REMB on every video m-line. webrtcbin 1.22 cannot
// offer goog-remb itself (its caps-to-SDP conversion drops the field), so
// the offer text gets the attribute; the RTP session reads the feedback
// whether or not its own description names it.
std::string with_remb_feedback(const std::string& sdp) {
  GstSDPMessage* parsed = nullptr;
  const bool ok = gst_sdp_message_new_from_text(sdp.c_str(), &parsed) == GST_SDP_OK;
  SdpMessagePtr msg(parsed);
  if (!ok) return sdp;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), i));
    if (g_strcmp0(gst_sdp_media_get_media(media), "video") != 0) continue;
    for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
      const int pt = atoi(gst_sdp_media_get_format(media, f));
      g_autoptr(GstCaps) caps = gst_sdp_media_get_caps_from_media(media, pt);
      const char* encoding = caps ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name") : nullptr;
      if (!encoding || (g_ascii_strcasecmp(encoding, "VP8") && g_ascii_strcasecmp(encoding, "H264"))) continue;
      g_autofree char* value = g_strdup_printf("%d goog-remb", pt);
      gst_sdp_media_add_attribute(media, "rtcp-fb", value);
    }
  }
  g_autofree char* text = gst_sdp_message_as_text(msg.get());
  return text;
}

Subscriber::Subscriber(MediaRoom& room, std::string peer_id) : room_(room), peer_id_(std::move(peer_id)) {
  endpoint_ = std::make_unique<WebRtcEndpoint>(room_.bin(), "sub-" + peer_id_, room_.settings(),
                                               PeerConnection::Subscribe,
                                               room_.trickle_to(peer_id_, PeerConnection::Subscribe));
  congestion_ = std::make_unique<CongestionFeedback>(endpoint_->element(), endpoint_->direct_sender());
  endpoint_->on_connected([this] {
    GST_DEBUG("%s's subscribe connection is up", peer_id_.c_str());
    // What was forwarded before DTLS finished would never have reached the
    // subscriber (SRTP drops it): each forwarder starts now, video from a
    // keyframe it asks for.
    const bool again = connected_;  // back after a disconnection: the picture was lost too
    connected_ = true;
    for (auto& slot : slots_) {
      if (again && !slot->linked_track_id.empty())
        g_signal_emit_by_name(slot->forward.get(), "resync");
      else
        g_object_set(slot->forward.get(), "connected", TRUE, nullptr);
    }
  });
  start_quality_timer();
}

Subscriber::~Subscriber() {
  // Off the publishers' tees first, while every branch still accepts data;
  // then webrtcbin (a push racing it returns FLUSHING, which the forwarder
  // keeps from the tee); then the forwarders.
  for (auto& slot : slots_) {
    if (slot->tee_pad) {
      if (Publication* p = room_.publication(slot->linked_track_id)) release_tee_pad(p->tee(), slot->tee_pad.get());
      slot->tee_pad.reset();
    }
    for (auto& pad : slot->layer_tee_pads)
      if (pad) release_now(std::move(pad));
  }
  endpoint_->stop();
  for (auto& slot : slots_) {
    remove_from_bin(slot->forward.get());
    for (auto& pad : slot->layer_sinks) pad.reset();
    slot->forward.reset();
    slot->webrtc_pad.reset();
  }
  endpoint_.reset();
}

Subscriber::Slot& Subscriber::new_slot(const Publication& p) {
  auto slot = std::make_unique<Slot>();
  slot->kind = p.info().kind;
  slot->encoding = p.encoding_name();
  slot->layered = p.layered();
  slot->ssrc = g_random_int();
  GstElement* webrtcbin = endpoint_->element();
  slot->webrtc_pad = adopt_gst(gst_element_request_pad_simple(webrtcbin, "sink_%u"));
  if (!slot->webrtc_pad) throw std::runtime_error("webrtcbin gave no sink pad");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(slot->webrtc_pad.get(), "transceiver", &trans, nullptr);
  slot->transceiver = adopt_gst(trans);
  g_autoptr(GstCaps) caps = send_caps(slot->encoding, slot->ssrc);
  CongestionFeedback::offer_in(caps);
  // Retransmissions for video only: Chromium refuses an offer whose audio
  // m-line carries RTX (an ssrc-group it cannot add).
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               "do-nack", slot->kind == "video", nullptr);

  // Named for its subscriber, so its log lines say whose they are (and
  // numbered: names are unique in the room's bin, which may still hold a
  // rejoining peer's old forwarder).
  static std::atomic<unsigned> forwarders_made{0};
  const std::string name = "fwd-" + peer_id_ + "-" + std::to_string(forwarders_made++);
  GstElement* forward = gst_element_factory_make("convenertpforward", name.c_str());
  if (!forward) throw std::runtime_error("convenertpforward is not registered");
  // Not connected until the subscriber's connection is: the forwarder drops
  // until then instead of pushing into a webrtcbin that may hold it back.
  g_object_set(forward, "ssrc", slot->ssrc, "payload-type", payload_type_of(slot->encoding), "connected",
               connected_, nullptr);
  slot->forward = retain_gst(forward);  // ours; the bin takes the floating one
  // tee → forwarder → webrtcbin, with no queue and so no thread per slot:
  // the forwarder runs on the publisher's streaming thread (a header
  // rewrite, then webrtcbin's send path: SRTP and a non-blocking UDP send),
  // never passes a subscriber's flow error back to the shared tee
  // ("isolate"), and pushes only once this connection is up and the slot
  // negotiated, so nothing can block that thread.
  gst_bin_add(room_.bin(), forward);
  g_autoptr(GstPad) fsrc = gst_element_get_static_pad(slot->forward.get(), "src");
  gst_pad_link(fsrc, slot->webrtc_pad.get());
  gst_pad_add_probe(
      fsrc, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo* info, gpointer data) {
        auto* sampler = static_cast<LatencySampler*>(data);
        if (!sampler->due()) return GST_PAD_PROBE_OK;
        g_autoptr(GstElement) forward = gst_pad_get_parent_element(pad);
        if (forward) sampler->record(GST_PAD_PROBE_INFO_BUFFER(info), gst_element_get_current_running_time(forward));
        return GST_PAD_PROBE_OK;
      },
      new LatencySampler{room_.latency()}, [](gpointer data) { delete static_cast<LatencySampler*>(data); });
  // Sent from the forwarder, past webrtcbin's send path, once the
  // connection is keyed (direct_send.h); before that, and for events,
  // webrtcbin's way.
  if (const auto& sender = endpoint_->direct_sender())
    send_from_forwarder(slot->forward.get(), sender, clock_rate_of(slot->encoding), room_.latency());
  congestion_->tag(fsrc);
  // The subscriber's PLIs and FIRs about this slot's SSRC reach the forwarder
  // straight from the RTCP it sends (keyframe_feedback.h).
  if (const auto& keyframes = endpoint_->keyframe_feedback()) keyframes->add_stream(slot->ssrc, slot->forward.get());
  // Into webrtcbin past its sink ghost pad (path_shortcut.h), after the
  // probes above (a probe that takes a buffer ends the pad's probe list):
  // webrtcbin's own probes there act only while the slot is not
  // negotiated, when the pad is blocked and nothing skips.
  skip_ghost_pads_after(fsrc, "forwarder into webrtcbin");
  gst_element_sync_state_with_parent(slot->forward.get());
  slots_.push_back(std::move(slot));
  return *slots_.back();
}

void Subscriber::assign(Slot& slot, const Publication& p) {
  slot.track_id = p.info().id;
  slot.peer_id = p.info().peer_id;
  slot.source = p.info().source;
  // A new track starts at full quality: what the last one suffered says
  // nothing about this one (the path is the same, the next report tells).
  slot.rates.reset();
  slot.loss_cap.reset();
  slot.fraction_lost = 0;
  slot.max_layer = kTemporalLayers - 1;
  slot.ladder.reset();
  slot.spatial_cap = kSpatialLayers - 1;
  slot.desired_layer = slot.target_layer = -1;
  g_object_set(slot.forward.get(), "muted", p.info().muted, "max-temporal-layer", static_cast<guint>(slot.max_layer),
               nullptr);
  if (slot.paused && has_property(slot.forward.get(), "paused")) g_object_set(slot.forward.get(), "paused", FALSE, nullptr);
  slot.paused = false;
}

void Subscriber::unlink(Slot& slot, bool at_once) {
  Publication* layered = room_.publication(slot.linked_track_id);
  for (auto& pad : slot.layer_tee_pads) {
    if (!pad) continue;
    if (at_once || !layered)
      release_now(std::move(pad));
    else
      layered->release_pad(pad.release());  // takes our reference
  }
  if (!slot.tee_pad) {
    slot.linked_track_id.clear();
    return;
  }
  if (Publication* p = room_.publication(slot.linked_track_id)) {
    if (at_once) {
      release_tee_pad(p->tee(), slot.tee_pad.get());
      slot.tee_pad.reset();
    } else {
      p->release_pad(slot.tee_pad.release());  // takes our reference
    }
  } else {
    slot.tee_pad.reset();
  }
  slot.linked_track_id.clear();
}

void Subscriber::set_tracks(const std::vector<const Publication*>& wanted) {
  std::set<std::string> want;
  for (const Publication* p : wanted) want.insert(p->info().id);
  bool changed = false;
  for (auto& slot : slots_) {
    if (slot->track_id.empty() || want.count(slot->track_id)) continue;
    // The slot goes quiet but keeps its direction: webrtcbin 1.22 refuses a
    // later answer that changes a transceiver's direction back ("transceiver
    // direction changes are not implemented"). A slot not in `tracks` is unused.
    unlink(*slot, false);
    slot->track_id.clear();
    changed = true;
  }
  for (const Publication* p : wanted) {
    const std::string& id = p->info().id;
    if (std::any_of(slots_.begin(), slots_.end(), [&](const auto& s) { return s->track_id == id; })) continue;
    // A forwarder is used either with its one sink pad or with its layer
    // pads, so a slot is reused only for a track of the same shape.
    auto free_slot = std::find_if(slots_.begin(), slots_.end(), [&](const auto& s) {
      return s->track_id.empty() && s->kind == p->info().kind && s->encoding == p->encoding_name() &&
             s->layered == p->layered();
    });
    Slot& slot = free_slot != slots_.end() ? **free_slot : new_slot(*p);
    assign(slot, *p);
    changed = true;
  }
  if (changed) {
    ++version_;
    negotiate();
    allocate();
  }
}

void Subscriber::drop_stopped(const std::string& track_id) {
  for (auto& slot : slots_)
    if (slot->linked_track_id == track_id) unlink(*slot, true);
}

// Offers once the current main-loop turn is over, so the changes of one turn
// (a publisher's audio and video, everyone a joiner should see) make one
// offer. Emitting create-offer at the first change would race webrtcbin's own
// thread against the transceivers still being added in this turn: the offer
// would carry some of them and a second round trip would follow.
void Subscriber::negotiate() {
  if (offer_in_flight_) {
    renegotiate_ = true;
    return;
  }
  if (offer_soon_) return;
  auto* weak = new std::weak_ptr<Subscriber*>(handle_.weak());
  GSource* idle = g_idle_source_new();
  g_source_set_callback(
      idle,
      [](gpointer data) -> gboolean {
        if (auto alive = static_cast<std::weak_ptr<Subscriber*>*>(data)->lock()) {
          Subscriber& self = **alive;
          g_source_unref(self.offer_soon_.release());  // the source ends by returning REMOVE
          self.offer_now();
        }
        return G_SOURCE_REMOVE;
      },
      weak, [](gpointer data) { delete static_cast<std::weak_ptr<Subscriber*>*>(data); });
  g_source_attach(idle, g_main_context_default());
  offer_soon_.reset(idle);
}

void Subscriber::offer_now() {
  if (offer_in_flight_) {
    renegotiate_ = true;
    return;
  }
  offer_in_flight_ = true;
  renegotiate_ = false;
  const gint64 asked_us = g_get_monotonic_time();
  endpoint_->offer([this, asked_us](const std::string& sdp, const std::string& error) {
    if (!error.empty()) {
      offer_in_flight_ = false;
      GST_WARNING("subscribe offer for %s failed: %s", peer_id_.c_str(), error.c_str());
      room_.fail(peer_id_, "media_failed", "the server could not offer your media: " + error);
      return;
    }
    // A transceiver added by this renegotiation has no mid property yet in
    // 1.22; the offer itself names every m-line's mid.
    std::vector<std::string> mids;
    if (SdpMessagePtr msg = parse_sdp(sdp)) {
      for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
        const char* mid = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg.get(), i), "mid");
        mids.push_back(mid ? mid : "");
      }
    }
    // Slots are never removed, and webrtcbin gives a new transceiver the next
    // m-line, so slot i is m-line i (mlineindex is unset until then).
    // What this offer carries: every slot, if webrtcbin made an m-line for
    // each (a slot added after create-offer ran is in the next offer).
    offered_version_ = mids.size() == slots_.size() ? version_ : 0;
    std::vector<OfferedTrack> tracks;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot* slot = slots_[i].get();
      if (slot->track_id.empty()) continue;
      guint mline = G_MAXUINT;
      g_object_get(slot->transceiver.get(), "mlineindex", &mline, nullptr);
      if (mline >= mids.size()) mline = static_cast<guint>(i);
      // A slot added after create-offer ran has no m-line here: naming it
      // would give the client a track it cannot find. The next offer has it.
      if (mline >= mids.size()) continue;
      tracks.push_back(OfferedTrack{mids[mline], slot->peer_id, slot->source, slot->kind});
    }
    GST_DEBUG("subscribe-offer to %s: %zu tracks, made in %.1f ms", peer_id_.c_str(), tracks.size(),
              (g_get_monotonic_time() - asked_us) / 1000.0);
    room_.peers().subscribe_offer(room_.room_id(), peer_id_, with_remb_feedback(sdp), tracks);
    start_answer_timer();
  });
}

void Subscriber::start_answer_timer() {
  guint seconds = static_cast<guint>(std::max(1, room_.settings().answer_timeout_sec));
  handle_.start_timer(answer_timer_, seconds * 1000, [](Subscriber& self) {
    if (!self.offer_in_flight_) return;
    GST_INFO("%s did not answer its subscribe-offer; offering again", self.peer_id_.c_str());
    self.offer_in_flight_ = false;
    self.negotiate();
  });
}

void Subscriber::start_quality_timer() {
  handle_.start_timer(quality_timer_, 1000, [](Subscriber& self) { self.adapt_quality(); }, true);
}

// Once a second: the receiver's reports → each video slot's highest layer.
void Subscriber::adapt_quality() {
  if (!feedback_->attach(endpoint_->element())) return;  // no RTP session yet
  RtcpFeedback::Reports reports = feedback_->take();
  remb_bps_ = reports.remb_bps;
  const int64_t now_ms = g_get_monotonic_time() / 1000;
  for (auto& slot : slots_) {
    if (slot->linked_track_id.empty() || slot->kind != "video") continue;
    g_autoptr(GstStructure) counters = nullptr;
    g_object_get(slot->forward.get(), "layer-bytes", &counters, nullptr);
    std::array<uint64_t, kTemporalLayers> bytes{};
    for (int i = 0; counters && i < kTemporalLayers; ++i) {
      g_autofree char* field = g_strdup_printf("layer-%d", i);
      guint64 n = 0;
      gst_structure_get_uint64(counters, field, &n);
      bytes[i] = n;
    }
    slot->rates.update(bytes, now_ms);
    auto report = reports.fraction_lost.find(slot->ssrc);
    if (report == reports.fraction_lost.end()) continue;
    slot->fraction_lost = report->second;
    int layer;
    if (slot->layered) {
      // Spatial layers go first, then the temporal layers of the smallest.
      const LossLadder::Step step = slot->ladder.on_report(report->second, slot->rates.rates().top);
      if (step.spatial_cap != slot->spatial_cap)
        GST_INFO("%s receives %s's %s up to spatial layer %s (%.0f %% lost)", peer_id_.c_str(), slot->peer_id.c_str(),
                 slot->source.c_str(), spatial_layer_name(step.spatial_cap), slot->fraction_lost * 100);
      slot->spatial_cap = step.spatial_cap;
      layer = step.temporal_cap;
    } else {
      layer = slot->loss_cap.on_report(report->second, slot->rates.rates().top);
    }
    if (layer == slot->max_layer) continue;
    GST_INFO("%s receives %s's %s up to temporal layer %d (was %d; %.0f %% lost)", peer_id_.c_str(),
             slot->peer_id.c_str(), slot->source.c_str(), layer, slot->max_layer, slot->fraction_lost * 100);
    slot->max_layer = layer;
    g_object_set(slot->forward.get(), "max-temporal-layer", static_cast<guint>(layer), nullptr);
  }
  allocate();
  room_.layers_changed();  // the layer each forwarder sends may have changed
}

// The transport-cc estimate (0 until feedback has measured the link: then
// nothing is lowered for bandwidth). Never REMB: it follows what is sent (see
// layer_policy.h). Loss decides too, through the ladder.
double Subscriber::allocation_estimate_bps() const { return estimated_bitrate(); }

void Subscriber::allocate() {
  std::vector<Slot*> video;
  std::vector<LayerAllocationInput> inputs;
  const int64_t now_ms = g_get_monotonic_time() / 1000;
  for (auto& slot : slots_) {
    if (slot->track_id.empty() || slot->kind != "video") continue;
    Publication* p = room_.publication(slot->track_id);
    if (!p) continue;
    const TrackSettings* settings = room_.settings_of(peer_id_, slot->peer_id, slot->source);
    LayerAllocationInput in;
    in.role = slot->source == "screen"                  ? TrackRole::Screen
              : slot->peer_id == room_.active_speaker() ? TrackRole::ActiveSpeaker
                                                        : TrackRole::Camera;
    in.visible = !settings || settings->visible;
    if (slot->layered) {
      in.wanted = settings ? spatial_layer_for_size(settings->width, settings->height) : kDefaultSpatialLayer;
      in.cap = slot->spatial_cap;
      in.present = p->declared_layers();
      in.bps = p->layer_bps(now_ms);
    } else {
      // One layer: a fixed cost, forwarded or paused.
      in.wanted = in.cap = kSpatialLayers - 1;
      in.present = 1u << (kSpatialLayers - 1);
      in.bps[kSpatialLayers - 1] = slot->rates.rates().bps[slot->rates.rates().top];
    }
    inputs.push_back(in);
    video.push_back(slot.get());
  }
  const std::vector<int> layers = allocate_layers(inputs, allocation_estimate_bps());
  for (size_t i = 0; i < video.size(); ++i) {
    Slot& slot = *video[i];
    const bool paused = layers[i] < 0;
    if (paused != slot.paused && has_property(slot.forward.get(), "paused")) {
      GST_INFO("%s: %s's %s %s", peer_id_.c_str(), slot.peer_id.c_str(), slot.source.c_str(),
               paused ? "paused (not visible)" : "resumes");
      g_object_set(slot.forward.get(), "paused", paused, nullptr);
      slot.paused = paused;
    }
    if (!slot.layered) continue;
    slot.desired_layer = layers[i];
    if (paused) continue;
    // The forwarder switches only to a layer that arrives; the one chosen
    // is asked of the publisher (layers-wanted) and taken once it is here.
    const Publication* p = room_.publication(slot.track_id);
    const int target = nearest_present_layer(layers[i], p->present_layers());
    if (target < 0 || target == slot.target_layer || !has_property(slot.forward.get(), "target-spatial-layer")) continue;
    GST_INFO("%s: %s's %s to layer %s (chosen %s)", peer_id_.c_str(), slot.peer_id.c_str(), slot.source.c_str(),
             spatial_layer_name(target), spatial_layer_name(layers[i]));
    slot.target_layer = target;
    g_object_set(slot.forward.get(), "target-spatial-layer", target, nullptr);
  }
}

void Subscriber::settings_changed() { allocate(); }

std::optional<unsigned> Subscriber::needed_layers(const std::string& track_id) const {
  for (const auto& slot : slots_) {
    if (slot->track_id != track_id || !slot->layered) continue;
    if (slot->paused) return 0u;
    unsigned mask = 0;
    if (slot->desired_layer >= 0) mask |= 1u << slot->desired_layer;
    if (slot->linked_track_id == track_id) {
      const int sent = int_property(slot->forward.get(), "spatial-layer", -1);
      if (sent >= 0 && sent < kSpatialLayers) mask |= 1u << sent;
    }
    return mask;
  }
  return std::nullopt;
}

void Subscriber::layer_added(const std::string& track_id) {
  for (auto& slot : slots_)
    if (slot->layered && slot->linked_track_id == track_id)
      if (Publication* p = room_.publication(track_id)) link_layers(*slot, *p);
  allocate();
}

bool Subscriber::layer_sink_linked(const Slot& slot) const {
  for (const auto& pad : slot.layer_sinks)
    if (pad && gst_pad_is_linked(pad.get())) return true;
  return false;
}

// Every layer that has arrived feeds the forwarder's pad of that layer
// (sink_0 = q, 1 = h, 2 = f); it sends the one it is told to.
void Subscriber::link_layers(Slot& slot, Publication& p) {
  for (int l = 0; l < kSpatialLayers; ++l) {
    if (!(p.present_layers() & (1u << l)) || slot.layer_tee_pads[l]) continue;
    if (!slot.layer_sinks[l]) {
      g_autofree char* name = g_strdup_printf("sink_%d", l);
      slot.layer_sinks[l] = adopt_gst(gst_element_request_pad_simple(slot.forward.get(), name));
      if (!slot.layer_sinks[l]) {
        GST_WARNING("the forwarder has no %s: %s's layers cannot reach %s", name, slot.track_id.c_str(),
                    peer_id_.c_str());
        return;
      }
    }
    if (gst_pad_is_linked(slot.layer_sinks[l].get())) continue;  // the previous track's unlink is on its way
    GstObjectPtr<GstPad> tee_pad = adopt_gst(p.request_layer_pad(l));
    if (!tee_pad) continue;
    if (gst_pad_link(tee_pad.get(), slot.layer_sinks[l].get()) != GST_PAD_LINK_OK) {
      GST_WARNING("could not link layer %s of %s to %s's slot", spatial_layer_name(l), slot.track_id.c_str(),
                  peer_id_.c_str());
      release_now(std::move(tee_pad));
      continue;
    }
    slot.layer_tee_pads[l] = std::move(tee_pad);
  }
}

std::vector<Subscriber::SubscriptionStats> Subscriber::subscriptions() const {
  std::vector<SubscriptionStats> out;
  for (const auto& slot : slots_) {
    if (slot->linked_track_id.empty()) continue;
    SubscriptionStats s;
    s.peer_id = slot->peer_id;
    s.source = slot->source;
    s.kind = slot->kind;
    g_object_get(slot->forward.get(), "temporal-layer", &s.temporal_layer, nullptr);
    s.max_temporal_layer = slot->max_layer;
    s.fraction_lost = slot->fraction_lost;
    const LayerRates& rates = slot->rates.rates();
    if (slot->kind == "video")
      s.layer_bitrates.assign(rates.bps.begin(), rates.bps.begin() + rates.top + 1);
    s.layered = slot->layered;
    if (slot->layered) {
      s.layer = int_property(slot->forward.get(), "spatial-layer", -1);
      s.layer_wanted = slot->desired_layer;
    }
    if (const TrackSettings* settings = room_.settings_of(peer_id_, slot->peer_id, slot->source)) {
      s.has_request = true;
      s.requested_width = settings->width;
      s.requested_height = settings->height;
    }
    s.paused = slot->paused;
    s.bytes_forwarded = uint64_property(slot->forward.get(), "bytes-forwarded");
    s.packets_forwarded = uint64_property(slot->forward.get(), "packets-forwarded");
    s.spatial_switches = uint64_property(slot->forward.get(), "spatial-switches");
    s.keyframe_requests = uint64_property(slot->forward.get(), "keyframe-requests");
    s.keyframes_forwarded = uint64_property(slot->forward.get(), "keyframes-forwarded");
    out.push_back(std::move(s));
  }
  return out;
}

void Subscriber::answer(const std::string& sdp, const std::string& request_id) {
  if (!offer_in_flight_) throw Refusal("no_offer", "no subscribe-offer is waiting for an answer");
  try {
    check_sdp(sdp);
  } catch (const std::invalid_argument& e) {
    throw Refusal("invalid_sdp", std::string("subscribe-answer: ") + e.what());
  }
  answer_timer_.reset();
  congestion_->answered(sdp);  // before any packet goes to a slot it answers
  endpoint_->accept_answer(sdp, [this, request_id](const std::string& error) {
    offer_in_flight_ = false;
    if (!error.empty()) {
      GST_WARNING("subscribe answer of %s refused: %s", peer_id_.c_str(), error.c_str());
      room_.fail(peer_id_, "invalid_sdp", "subscribe-answer: " + error, request_id);
      renegotiate_ = true;  // offer again: the client may do better with a fresh offer
    } else {
      link_assigned();
      // Changes that came while the offer was on its way may already be in it:
      // offering again for nothing would hold the streams back once more.
      if (offered_version_ == version_) renegotiate_ = false;
    }
    if (renegotiate_) negotiate();
  });
}

// Feeds every slot from the tee of the track it was assigned, now that the
// subscriber has agreed to receive it (before that, webrtcbin holds the pad
// back).
void Subscriber::link_assigned() {
  bool retry = false;
  for (auto& slot : slots_) {
    if (slot->track_id.empty() || slot->linked_track_id == slot->track_id) continue;
    unlink(*slot, false);
    g_autoptr(GstPad) fsink = gst_element_get_static_pad(slot->forward.get(), "sink");
    if (gst_pad_is_linked(fsink) || layer_sink_linked(*slot)) {  // the previous track's unlink is still on its way
      retry = true;
      continue;
    }
    Publication* p = room_.publication(slot->track_id);
    if (!p) continue;
    // webrtcbin lets a sink pad through only once its transceiver sends: a
    // slot the answer refused (rejected or inactive m-line) would hold the
    // forwarder, and the publisher's thread with it, for good.
    GstWebRTCRTPTransceiverDirection direction = GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_NONE;
    g_object_get(slot->transceiver.get(), "current-direction", &direction, nullptr);
    if (direction != GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY &&
        direction != GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV) {
      GST_WARNING("%s's answer does not receive %s (direction %d): not forwarded", peer_id_.c_str(),
                  slot->track_id.c_str(), static_cast<int>(direction));
      continue;
    }
    if (slot->layered) {
      link_layers(*slot, *p);
      slot->linked_track_id = slot->track_id;
      GST_DEBUG("%s now receives %s in layers", peer_id_.c_str(), slot->track_id.c_str());
      continue;  // the forwarder asks for the keyframe of the layer it switches to
    }
    slot->tee_pad = adopt_gst(p->request_pad());
    if (gst_pad_link(slot->tee_pad.get(), fsink) != GST_PAD_LINK_OK) {
      GST_WARNING("could not link %s to %s's slot", slot->track_id.c_str(), peer_id_.c_str());
      release_tee_pad(p->tee(), slot->tee_pad.get());
      slot->tee_pad.reset();
      continue;
    }
    slot->linked_track_id = slot->track_id;
    GST_DEBUG("%s now receives %s", peer_id_.c_str(), slot->track_id.c_str());
    // On a connection that is up the new slot's picture starts now. Before
    // that the forwarder asks when the connection comes up: a keyframe
    // asked for now would be dropped on the way, and would hold the
    // publication's limiter (one request per 300 ms) against the one that
    // counts, a few hundred milliseconds of every join.
    if (connected_) p->request_keyframe();
  }
  // Once the unlink is through: a few milliseconds, on the main loop.
  if (retry && !relink_timer_) handle_.start_timer(relink_timer_, 10, [](Subscriber& self) { self.link_assigned(); });
  allocate();
  room_.layers_changed();
}

void Subscriber::add_remote_candidate(unsigned mline, const std::string& candidate) {
  endpoint_->add_remote_candidate(mline, candidate);
}

void Subscriber::set_muted(const std::string& track_id, bool muted) {
  for (auto& slot : slots_)
    if (slot->track_id == track_id) g_object_set(slot->forward.get(), "muted", muted, nullptr);
}

size_t Subscriber::active_tracks() const {
  return static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(),
                                           [](const auto& s) { return !s->linked_track_id.empty(); }));
}

uint64_t Subscriber::packets_forwarded() const {
  uint64_t total = 0;
  for (const auto& slot : slots_) {
    guint64 n = 0;
    g_object_get(slot->forward.get(), "packets-forwarded", &n, nullptr);
    total += n;
  }
  return total;
}

}  // namespace convene::media
