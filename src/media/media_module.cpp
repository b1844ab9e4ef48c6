#include "media/media_module.h"

#include <stdexcept>

#include "auth/auth_module.h"
#include "convene_rtp_forward.h"
#include "http/error.h"
#include "media/subscriber.h"
#include "rooms/room_access.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

using signaling::Refusal;

namespace {

// Every mid the client publishes on, with what it is.
std::map<std::string, std::string> sources_of(JsonObject* message) {
  std::map<std::string, std::string> sources;
  JsonArray* tracks = json::optional_array(message, "tracks");
  if (!tracks) throw json::FieldError("tracks", "'tracks' must list {mid, source} for every track sent");
  for (guint i = 0; i < json_array_get_length(tracks); ++i) {
    JsonNode* n = json_array_get_element(tracks, i);
    if (!JSON_NODE_HOLDS_OBJECT(n)) throw json::FieldError("tracks", "each track is {mid, source}");
    JsonObject* t = json_node_get_object(n);
    std::string mid = json::require_string(t, "mid");
    std::string source = json::require_string(t, "source");
    if (source != "camera" && source != "microphone" && source != "screen")
      throw json::FieldError("source", "'source' must be camera, microphone or screen");
    if (mid.empty() || mid.size() > 64) throw json::FieldError("mid", "'mid' must be 1 to 64 characters");
    sources[mid] = source;
  }
  return sources;
}

}  // namespace

MediaModule::MediaModule(app::App& app, signaling::PeerMessenger& messenger)
    : app_(app), messenger_(messenger), settings_(MediaSettings::from(app.config())) {
  if (settings_.video_codec != "VP8" && settings_.video_codec != "H264")
    throw std::runtime_error("[media] video_codec must be VP8 or H264, not '" + settings_.video_codec + "'");
  if (settings_.min_port < 0 || settings_.max_port < settings_.min_port || settings_.max_port > 65535)
    throw std::runtime_error("[media] min_port/max_port must be a range within 0..65535");
  for (const char* factory : {"webrtcbin", "rtpopusdepay", "opusdec", "level", "tee", "queue"}) {
    g_autoptr(GstElementFactory) f = gst_element_factory_find(factory);
    if (!f) throw std::runtime_error(std::string("GStreamer element '") + factory + "' is missing; install the "
                                     "gstreamer1.0-plugins-{base,good,bad} and gstreamer1.0-nice packages");
  }
  // The forwarder is compiled in; registering it here needs no plugin path.
  g_autoptr(GstElementFactory) forward = gst_element_factory_find("convenertpforward");
  if (!forward && !convene_rtp_forward_register(nullptr)) throw std::runtime_error("convenertpforward: registration failed");
  app_.http().route("GET", "/rooms/:id/media", [this](http::ExchangePtr ex) { describe(ex); });
  GST_INFO("SFU ready: %s video, jitter buffers %u ms, ICE on %s", settings_.video_codec.c_str(),
           settings_.jitter_latency_ms, settings_.ice_addresses.empty() ? "all interfaces" : "listed addresses");
}

MediaModule::~MediaModule() { release_all_rooms(); }

// Out of the map before they go: a listener told that a room's media is
// closing may ask for any room's media, and must find none half-destroyed.
void MediaModule::release_all_rooms() {
  auto rooms = std::move(rooms_);
  rooms_.clear();
  rooms.clear();
}

bool MediaModule::handles(const std::string& type) const {
  return type == "publish-offer" || type == "subscribe-answer" || type == "sfu-candidate" || type == "track-muted";
}

void MediaModule::peer_joined(const signaling::PeerInfo& peer) {
  auto it = rooms_.find(peer.room_id);
  if (it == rooms_.end()) {
    try {
      it = rooms_.emplace(peer.room_id, std::make_unique<MediaRoom>(peer.room_id, settings_, static_cast<MediaRoomOwner&>(*this))).first;
    } catch (const std::exception& e) {
      GST_ERROR("no media for room %s: %s", peer.room_id.c_str(), e.what());
      send_to_peer(peer.room_id, peer.peer_id,
                   std::move(json::Object().set("type", "error").set("code", "media_failed").set("message", e.what())));
      return;
    }
  }
  it->second->add_participant(peer);
}

void MediaModule::peer_left(const std::string& room_id, const std::string& peer_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return;
  it->second->remove_participant(peer_id);
  if (it->second->empty()) close_room_soon(room_id);
}

// Torn down from an idle callback, not from inside whatever signaling call
// made the room empty.
void MediaModule::close_room_soon(const std::string& room_id) {
  // Through a weak handle: a module destroyed first (an in-process server in
  // a test, shut down) leaves nothing pointing at it in the main context.
  MainThreadHandle<MediaModule>::post(handle_.weak(), [room_id](MediaModule& self) {
    auto it = self.rooms_.find(room_id);
    if (it == self.rooms_.end() || !it->second->empty()) return;
    std::unique_ptr<MediaRoom> room = std::move(it->second);
    self.rooms_.erase(it);
  });
}

void MediaModule::room_closed(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return;
  std::unique_ptr<MediaRoom> room = std::move(it->second);
  rooms_.erase(it);
}

void MediaModule::handle(const signaling::PeerInfo& peer, const std::string& type, JsonObject* message) {
  auto it = rooms_.find(peer.room_id);
  if (it == rooms_.end()) throw Refusal("not_in_room", "you are not in this room's call");
  MediaRoom& room = *it->second;
  if (type == "publish-offer") {
    room.publish_offer(peer.peer_id, json::require_string(message, "sdp"), sources_of(message),
                       json::optional_string(message, "requestId").value_or(""));
  } else if (type == "subscribe-answer") {
    room.subscribe_answer(peer.peer_id, json::require_string(message, "sdp"));
  } else if (type == "sfu-candidate") {
    std::string pc = json::require_string(message, "pc");
    if (pc != "publish" && pc != "subscribe") throw json::FieldError("pc", "'pc' must be publish or subscribe");
    std::string candidate = json::require_string(message, "candidate");
    if (candidate.empty()) return;  // end of candidates: nothing to do
    int64_t mline = json::optional_int(message, "sdpMLineIndex").value_or(0);
    if (mline < 0 || mline > 1024) throw json::FieldError("sdpMLineIndex", "'sdpMLineIndex' is out of range");
    if (candidate.rfind("candidate:", 0) != 0 && candidate.rfind("a=candidate:", 0) != 0)
      throw json::FieldError("candidate", "'candidate' must be an ICE candidate line");
    room.remote_candidate(peer.peer_id, pc == "publish", static_cast<unsigned>(mline), candidate);
  } else if (type == "track-muted") {
    room.set_muted(peer.peer_id, json::require_string(message, "source"),
                   json::optional_bool(message, "muted").value_or(true));
  }
}

RoomMedia* MediaModule::room_media(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void MediaModule::describe(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  rooms::with_admitted_member(app_.store(), app_.module<auth::AuthModule>()->authenticator(), ex, room_id,
      [this, ex, room_id](const auth::AuthUser&, const rooms::MemberAccess&) {
        json::Object body;
        json::Array tracks;
        json::Array subscribers;
        MediaRoom::Stats stats;
        json::Object latency;
        if (auto it = rooms_.find(room_id); it != rooms_.end()) {
          const LatencyHistogram& h = *it->second->latency();
          latency.set("p50", h.quantile(0.5) / 1000.0)
              .set("p99", h.quantile(0.99) / 1000.0)
              .set("samples", static_cast<int64_t>(h.samples()));
          stats = it->second->stats();
          auto received = it->second->packets_received();
          for (const TrackInfo& t : it->second->tracks())
            tracks.add(std::move(json::Object()
                                     .set("id", t.id)
                                     .set("peerId", t.peer_id)
                                     .set("source", t.source)
                                     .set("kind", t.kind)
                                     .set("muted", t.muted)
                                     .set("packetsReceived", static_cast<int64_t>(received[t.id]))));
          for (const Subscriber* sub : it->second->subscribers()) {
            json::Array receives;
            for (const Subscriber::SubscriptionStats& s : sub->subscriptions()) {
              json::Array layer_bitrates;
              for (double bps : s.layer_bitrates) layer_bitrates.add(static_cast<int64_t>(bps));
              receives.add(std::move(json::Object()
                                         .set("peerId", s.peer_id)
                                         .set("source", s.source)
                                         .set("kind", s.kind)
                                         .set("temporalLayer", static_cast<int64_t>(s.temporal_layer))
                                         .set("maxTemporalLayer", static_cast<int64_t>(s.max_temporal_layer))
                                         .set("fractionLost", s.fraction_lost)
                                         .set("layerBitrates", std::move(layer_bitrates))));
            }
            subscribers.add(std::move(json::Object()
                                          .set("peerId", sub->peer_id())
                                          .set("estimatedBitrate", sub->estimated_bitrate())
                                          .set("receives", std::move(receives))));
          }
        }
        body.set("roomId", room_id)
            .set("participants", static_cast<int64_t>(stats.participants))
            .set("tracks", std::move(tracks))
            .set("subscribers", std::move(subscribers))
            .set("subscriberTracks", static_cast<int64_t>(stats.subscriber_tracks))
            .set("packetsForwarded", static_cast<int64_t>(stats.packets_forwarded))
            .set("elements", static_cast<int64_t>(stats.elements))
            .set("forwardingLatencyMs", std::move(latency));
        ex->json(200, std::move(body));
      });
}

void MediaModule::shutdown(std::function<void()> done) {
  release_all_rooms();
  done();
}

void MediaModule::send_to_peer(const std::string& room_id, const std::string& peer_id, json::Object&& message) {
  messenger_.send_to_peer(room_id, peer_id, std::move(message));
}

void MediaModule::broadcast(const std::string& room_id, json::Object&& message) {
  messenger_.broadcast(room_id, std::move(message));
}

void MediaModule::track_added(const TrackInfo& track) {
  for (auto* l : std::set<RoomMediaListener*>(listeners_)) l->track_added(track);
}
void MediaModule::track_removed(const TrackInfo& track) {
  for (auto* l : std::set<RoomMediaListener*>(listeners_)) l->track_removed(track);
}
void MediaModule::track_muted(const TrackInfo& track) {
  for (auto* l : std::set<RoomMediaListener*>(listeners_)) l->track_muted(track);
}
void MediaModule::active_speaker_changed(const std::string& room_id, const std::string& peer_id) {
  for (auto* l : std::set<RoomMediaListener*>(listeners_)) l->active_speaker_changed(room_id, peer_id);
}
void MediaModule::room_media_closing(const std::string& room_id) {
  for (auto* l : std::set<RoomMediaListener*>(listeners_)) l->room_media_closing(room_id);
}

}  // namespace convene::media
