#include "media/publisher.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>

#include "media/fec_decline.h"
#include "media/layer_allocation.h"
#include "media/media_room.h"
#include "media/pad_util.h"
#include "media/sdp_streams.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// The codecs the server accepts from publishers: the configured video codec
// and Opus. Set on each transceiver the client's offer creates, so the answer
// names only those and the browser sends exactly what subscribers are offered.
GstCaps* accepted_codecs(const std::string& video_codec, int audio_level_id = 0) {
  std::string audio = "application/x-rtp,media=audio,encoding-name=OPUS";
  // webrtcbin 1.22 answers only the header extensions its codec preferences
  // name (as "extmap-<id>" fields), with the offer's id.
  if (audio_level_id) audio += ",extmap-" + std::to_string(audio_level_id) + "=(string)" + kAudioLevelUri;
  std::string caps = audio + ";application/x-rtp,media=video,encoding-name=" + video_codec;
  return gst_caps_from_string(caps.c_str());
}

}  // namespace

// What on-new-transceiver needs (it runs on webrtcbin's thread while the
// offer is applied): the codecs, and which m-lines offer the audio-level
// extension, written by offer() before the offer is handed over.
struct TransceiverSetup {
  std::string video_codec;
  std::mutex mutex;
  std::map<unsigned, int> audio_level_ids;  // m-line -> extension id, of the offer being answered
  // For pad-added (webrtcbin's streaming thread): the mid each announced SSRC
  // belongs to, and the tees made at the answer for streams not arrived yet
  // (mid -> our reference; taken out when the stream's pad links to it).
  std::map<uint32_t, std::string> mid_of_ssrc;
  std::map<std::string, GstObjectPtr<GstElement>> waiting_tees;
};

// What a pad-added handler holds.
struct PadAddedContext {
  std::weak_ptr<Publisher*> publisher;
  std::shared_ptr<TransceiverSetup> setup;
};

Publisher::Publisher(MediaRoom& room, std::string peer_id) : room_(room), peer_id_(std::move(peer_id)) {
  endpoint_ = std::make_unique<WebRtcEndpoint>(room_.bin(), "pub-" + peer_id_, room_.settings(),
                                               PeerConnection::Publish, room_.trickle_to(peer_id_, PeerConnection::Publish));
  GstElement* w = endpoint_->element();
  setup_ = std::make_shared<TransceiverSetup>();
  setup_->video_codec = room_.settings().video_codec;
  g_signal_connect_data(w, "on-new-transceiver", G_CALLBACK(+[](GstElement*, GstWebRTCRTPTransceiver* t, gpointer d) {
                          auto& setup = **static_cast<std::shared_ptr<TransceiverSetup>*>(d);
                          guint mline = 0;
                          g_object_get(t, "mlineindex", &mline, nullptr);
                          int level_id = 0;
                          {
                            std::lock_guard<std::mutex> lock(setup.mutex);
                            if (auto it = setup.audio_level_ids.find(mline); it != setup.audio_level_ids.end())
                              level_id = it->second;
                          }
                          g_autoptr(GstCaps) caps = accepted_codecs(setup.video_codec, level_id);
                          // NACK (and RTX where the client offers it) on what we receive.
                          g_object_set(t, "codec-preferences", caps, "do-nack", TRUE, nullptr);
                        }),
                        new std::shared_ptr<TransceiverSetup>(setup_),
                        [](gpointer d, GClosure*) { delete static_cast<std::shared_ptr<TransceiverSetup>*>(d); },
                        static_cast<GConnectFlags>(0));
  endpoint_->on_connected([this] {
    connected_ = true;
    connect_timer_.reset();
  });
  g_signal_connect_data(w, "pad-added", G_CALLBACK(on_pad_added), new PadAddedContext{handle_.weak(), setup_},
                        [](gpointer d, GClosure*) { delete static_cast<PadAddedContext*>(d); },
                        static_cast<GConnectFlags>(0));
}

void Publisher::stop() {
  endpoint_->stop();
  for (auto& [mid, in] : incoming_) stop_element(in.tee.get());
  for (const auto& tee : ignored_) stop_element(tee.get());
}

Publisher::~Publisher() {
  stop();
  endpoint_.reset();
  {
    std::lock_guard<std::mutex> lock(setup_->mutex);
    setup_->waiting_tees.clear();  // our references to the tees no stream arrived at
  }
  for (auto& [mid, in] : incoming_) {
    remove_from_bin(in.tee.get());
    in.tee.reset();
  }
  for (auto& tee : ignored_) {
    remove_from_bin(tee.get());
    tee.reset();
  }
}

void Publisher::on_pad_added(GstElement* webrtcbin, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  auto* context = static_cast<PadAddedContext*>(data);
  auto* weak = &context->publisher;
  std::string mid, kind;
  {
    g_autoptr(GstWebRTCRTPTransceiver) trans = nullptr;
    g_object_get(pad, "transceiver", &trans, nullptr);
    if (trans) {
      g_autofree char* m = nullptr;
      GstWebRTCKind k = GST_WEBRTC_KIND_UNKNOWN;
      g_object_get(trans, "mid", &m, "kind", &k, nullptr);
      if (m) mid = m;
      kind = k == GST_WEBRTC_KIND_AUDIO ? "audio" : k == GST_WEBRTC_KIND_VIDEO ? "video" : "";
    }
  }
  // The SSRC, from the rtpbin pad behind this one (recv_rtp_src_<session>_<ssrc>_<pt>).
  guint session = 0, ssrc = 0, pt = 0;
  if (GST_IS_GHOST_PAD(pad))
    if (g_autoptr(GstPad) target = gst_ghost_pad_get_target(GST_GHOST_PAD(pad)))
      if (sscanf(GST_PAD_NAME(target), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3) ssrc = 0;
  std::string encoding;
  if (g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad) ?: gst_pad_query_caps(pad, nullptr)) {
    if (!gst_caps_is_empty(caps)) {
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      if (const char* e = gst_structure_get_string(s, "encoding-name")) encoding = e;
      if (kind.empty())
        if (const char* media = gst_structure_get_string(s, "media")) kind = media;
    }
  }
  // Linked here and now: a webrtcbin src pad left unlinked fails the stream.
  // To the tee made for it at the answer, when there is one (its
  // publication, and the subscribers' slots, exist already); else to a new one.
  GstObjectPtr<GstElement> tee;
  {
    TransceiverSetup& setup = *context->setup;
    std::lock_guard<std::mutex> lock(setup.mutex);
    auto announced = ssrc ? setup.mid_of_ssrc.find(ssrc) : setup.mid_of_ssrc.end();
    const std::string& stream_mid = announced != setup.mid_of_ssrc.end() ? announced->second : mid;
    if (auto waiting = setup.waiting_tees.find(stream_mid); waiting != setup.waiting_tees.end()) {
      tee = std::move(waiting->second);  // its reference goes with the post below
      setup.waiting_tees.erase(waiting);
    }
  }
  if (!tee) tee = make_tee(webrtcbin);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee.get(), "sink");
  gst_pad_link(pad, sink);
  GST_DEBUG("publish pad %s: ssrc %u, mid %s, %s %s", GST_PAD_NAME(pad), ssrc, mid.c_str(), kind.c_str(),
            encoding.c_str());
  // The reference travels in a shared holder: post_to_main takes a copyable function.
  auto held = std::make_shared<GstObjectPtr<GstElement>>(std::move(tee));
  post_to_main([weak = *weak, held, mid, kind, encoding, ssrc] {
    if (auto alive = weak.lock()) {
      (*alive)->incoming_stream(mid, std::move(*held), kind, encoding, ssrc);
    } else {
      remove_from_bin(held->get());
      held->reset();
    }
  });
}

void Publisher::incoming_stream(std::string mid, GstObjectPtr<GstElement> tee, std::string kind,
                                const std::string& encoding, uint32_t ssrc) {
  // What the offer says this SSRC is wins over webrtcbin's transceiver (see sdp_streams.h).
  if (auto announced = announced_.find(ssrc); announced != announced_.end()) {
    if (announced->second.mid != mid)
      GST_INFO("%s: ssrc %u is mid %s (%s) in the offer; webrtcbin said mid %s (%s)", peer_id_.c_str(), ssrc,
               announced->second.mid.c_str(), announced->second.kind.c_str(), mid.c_str(), kind.c_str());
    mid = announced->second.mid;
    kind = announced->second.kind;
  }
  if (auto prepared = incoming_.find(mid); prepared != incoming_.end() && prepared->second.tee == tee) {
    GST_DEBUG("%s: the stream of mid %s arrived on the tee made at the answer", peer_id_.c_str(), mid.c_str());
    return;  // incoming_ holds its own: `tee` releases this one
  }
  if (incoming_.count(mid)) {
    // A second stream for a mid webrtcbin could not tell apart (no a=ssrc
    // and no mid extension in the offer). The tee stays linked until the
    // connection closes: unlinking a live webrtcbin pad fails its transport.
    GST_WARNING("%s: a second stream for mid %s is ignored (the offer should name SSRCs)", peer_id_.c_str(),
                mid.c_str());
    ignored_.push_back(std::move(tee));
    return;
  }
  std::string e = encoding.empty() ? (kind == "audio" ? "OPUS" : room_.settings().video_codec) : encoding;
  incoming_[mid] = Incoming{std::move(tee), kind, e};
  sync_publications();
}

void Publisher::offer(const std::string& offered, const std::map<std::string, PublishedTrack>& tracks,
                      const std::string& request_id) {
  if (answering_) throw Refusal("offer_in_progress", "the previous publish-offer is still being answered");
  // The offer as the answer will take it: no RED or FEC (fec_decline.h).
  const std::string sdp = decline_fec(offered);
  tracks_ = tracks;
  // SSRCs keep their m-line for the connection's life: later offers add to the table.
  for (auto& [ssrc, stream] : sdp_streams(sdp)) announced_[ssrc] = std::move(stream);
  {
    std::lock_guard<std::mutex> lock(setup_->mutex);
    for (const auto& [ssrc, stream] : announced_) setup_->mid_of_ssrc[ssrc] = stream.mid;
    setup_->audio_level_ids.clear();
    for (const auto& [mline, ext] : sdp_audio_level_extensions(sdp)) setup_->audio_level_ids[mline] = ext.id;
  }
  answering_ = true;
  last_request_id_ = request_id;
  if (!connected_ && !connect_timer_) start_connect_timer();
  const gint64 asked_us = g_get_monotonic_time();
  endpoint_->answer(sdp, [this, request_id, asked_us](const std::string& answer, const std::string& error) {
    answering_ = false;
    if (!error.empty()) {
      GST_WARNING("publish offer of %s refused: %s", peer_id_.c_str(), error.c_str());
      room_.fail(peer_id_, "invalid_sdp", "publish-offer: " + error, request_id);
      return;
    }
    // Loudness is read from the audio-level extension where the answer
    // agreed to it (the client then sends it), and decoded elsewhere.
    for (const auto& [mline, ext] : sdp_audio_level_extensions(answer))
      if (!ext.mid.empty()) audio_level_ids_[ext.mid] = ext.id;
    GST_DEBUG("publish-answer to %s, made in %.1f ms", peer_id_.c_str(), (g_get_monotonic_time() - asked_us) / 1000.0);
    // Before the client has the answer (so before any of its streams can
    // arrive): the announced streams' tees and publications, so subscribers
    // are offered them while this connection is still being set up.
    prepare_announced_streams();
    room_.peers().publish_answer(room_.room_id(), peer_id_, answer, request_id);
    sync_publications();
    room_.publish_answered(peer_id_);
  });
  // Tracks the new offer no longer lists stop at once.
  sync_publications();
}

GstObjectPtr<GstElement> Publisher::make_tee(GstElement* webrtcbin) {
  GstElement* tee = gst_element_factory_make("tee", nullptr);
  g_object_set(tee, "allow-not-linked", TRUE, nullptr);
  g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(webrtcbin));
  gst_bin_add(GST_BIN(parent), tee);
  gst_element_sync_state_with_parent(tee);  // running before the first buffer can reach it
  return retain_gst(tee);  // the bin holds the other
}

void Publisher::prepare_announced_streams() {
  for (const auto& [ssrc, stream] : announced_) {
    auto track = tracks_.find(stream.mid);
    if (incoming_.count(stream.mid) || track == tracks_.end()) continue;
    if (stream.kind != "audio" && stream.kind != "video") continue;
    // Not a spatial layer: subscribers choose among the layers that arrived
    // (Publication::present_layers), and one that never does must not be chosen.
    if (!track->second.layer.empty()) continue;
    GstObjectPtr<GstElement> tee = make_tee(endpoint_->element());
    GstElement* made = tee.get();
    // The answer accepts these codecs only (accepted_codecs).
    incoming_[stream.mid] =
        Incoming{std::move(tee), stream.kind, stream.kind == "audio" ? "OPUS" : room_.settings().video_codec};
    std::lock_guard<std::mutex> lock(setup_->mutex);
    setup_->waiting_tees[stream.mid] = retain_gst(made);
  }
}

// A connection that never comes up (no usable candidate, DTLS never
// finishing) would otherwise hold its webrtcbin, ports and threads for as
// long as the peer stays in the room, with the client none the wiser.
void Publisher::start_connect_timer() {
  guint seconds = static_cast<guint>(std::max(1, room_.settings().publish_connect_timeout_sec));
  handle_.start_timer(connect_timer_, seconds * 1000, [](Publisher& self) {
    if (self.connected_) return;
    // Frees this publisher: nothing of `self` is touched after.
    MediaRoom& room = self.room_;
    std::string peer_id = self.peer_id_, request_id = self.last_request_id_;
    room.publisher_not_connected(peer_id, request_id);
  });
}

std::string Publisher::key_mid(const std::string& source) const {
  std::string key;
  int lowest = kSpatialLayers;
  for (const auto& [mid, t] : tracks_) {
    if (t.source != source || t.layer.empty()) continue;
    const int layer = spatial_layer_index(t.layer).value_or(kSpatialLayers);
    if (layer < lowest) lowest = layer, key = mid;
  }
  return key;
}

std::string Publisher::layered_track_id(const std::string& source) const {
  const std::string key = key_mid(source);
  return key.empty() ? "" : track_id(key);
}

std::map<std::string, unsigned> Publisher::layered_sources() const {
  std::map<std::string, unsigned> out;
  for (const auto& [mid, t] : tracks_)
    if (auto layer = spatial_layer_index(t.layer)) out[t.source] |= 1u << *layer;
  return out;
}

void Publisher::sync_publications() {
  // A publication ends when the mid it is named after is no longer listed as
  // the same thing (a layer that goes while others stay just stops sending).
  std::set<std::string> ended;
  for (const auto& [mid, key] : published_) {
    auto listed = tracks_.find(key);
    const bool still = listed != tracks_.end() &&
                       (listed->second.layer.empty() ? key == mid : key_mid(listed->second.source) == key);
    if (!still) ended.insert(key);
  }
  for (const std::string& key : ended) {
    room_.remove_publication(track_id(key), false);
    for (auto it = published_.begin(); it != published_.end();) it = it->second == key ? published_.erase(it) : std::next(it);
  }
  const MediaPeer& peer = room_.participant(peer_id_)->peer;
  for (const auto& [mid, in] : incoming_) {
    auto listed = tracks_.find(mid);
    if (listed == tracks_.end() || published_.count(mid)) continue;
    const PublishedTrack& track = listed->second;
    const int layer = in.kind == "video" ? spatial_layer_index(track.layer).value_or(-1) : -1;
    const std::string key = layer >= 0 ? key_mid(track.source) : mid;
    if (layer >= 0 &&
        std::any_of(published_.begin(), published_.end(), [&](const auto& p) { return p.second == key; })) {
      // One more layer of a publication that exists.
      published_[mid] = key;
      room_.add_layer(track_id(key), layer, in.tee.get());
      continue;
    }
    TrackInfo t;
    t.id = track_id(key);
    t.room_id = room_.room_id();
    t.peer_id = peer_id_;
    t.user_id = peer.user_id;
    t.username = peer.username;
    // The source names what the track is; its kind is what actually arrived.
    t.source = in.kind == "audio" ? "microphone" : (track.source == "screen" ? "screen" : "camera");
    t.kind = in.kind;
    published_[mid] = key;
    auto level_id = in.kind == "audio" ? audio_level_ids_.find(mid) : audio_level_ids_.end();
    room_.add_publication(t, in.tee.get(), in.encoding_name, layer, layer >= 0 ? layered_sources()[track.source] : 0,
                          level_id == audio_level_ids_.end() ? 0 : level_id->second);
  }
}

void Publisher::add_remote_candidate(unsigned mline, const std::string& candidate) {
  endpoint_->add_remote_candidate(mline, candidate);
}

std::vector<std::string> Publisher::published() const {
  std::set<std::string> keys;
  for (const auto& [mid, key] : published_) keys.insert(key);
  std::vector<std::string> ids;
  for (const std::string& key : keys) ids.push_back(track_id(key));
  return ids;
}

}  // namespace convene::media
