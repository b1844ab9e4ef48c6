// publish-offer, subscribe-answer, sfu-candidate and track-settings
// (track-muted is a meeting control: control_handlers.cpp tells media). The
// wire format is checked here; media gets plain values (and refuses what is
// wrong in them with invalid_field, e.g. a layer published twice).
#include "signaling/media_handlers.h"

#include "signaling/signaling_module.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {

// The session's SFU room: refuses a session not in a room, or in a p2p one.
const std::string& sfu_room(MessageContext& ctx, const std::string& type) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  rooms::LiveRoom* room = ctx.signaling.rooms().live(ctx.session.room_id);
  if (!room || !ctx.signaling.uses_sfu(*room))
    throw MessageError("wrong_media_mode", "'" + type + "' is for SFU rooms; this room is peer to peer");
  return ctx.session.room_id;
}

// Every mid the client publishes on, with what it is.
std::map<std::string, media::PublishedTrack> tracks_of(JsonObject* message) {
  std::map<std::string, media::PublishedTrack> out;
  JsonArray* tracks = json::optional_array(message, "tracks");
  if (!tracks) throw json::FieldError("tracks", "'tracks' must list {mid, source} for every track sent");
  for (guint i = 0; i < json_array_get_length(tracks); ++i) {
    JsonNode* n = json_array_get_element(tracks, i);
    if (!JSON_NODE_HOLDS_OBJECT(n)) throw json::FieldError("tracks", "each track is {mid, source, layer?}");
    JsonObject* t = json_node_get_object(n);
    std::string mid = json::require_string(t, "mid");
    std::string source = json::require_string(t, "source");
    std::string layer = json::optional_string(t, "layer").value_or("");
    if (source != "camera" && source != "microphone" && source != "screen")
      throw json::FieldError("source", "'source' must be camera, microphone or screen");
    if (mid.empty() || mid.size() > 64) throw json::FieldError("mid", "'mid' must be 1 to 64 characters");
    if (!layer.empty() && layer != "q" && layer != "h" && layer != "f")
      throw json::FieldError("layer", "'layer' must be q, h or f");
    if (out.count(mid)) throw json::FieldError("mid", "mid '" + mid + "' is listed twice");
    out[mid] = media::PublishedTrack{source, layer};
  }
  return out;
}

void publish_offer(MessageContext& ctx) {
  const std::string& room_id = sfu_room(ctx, "publish-offer");
  std::string sdp = json::require_string(ctx.message, "sdp");
  ctx.signaling.media()->publish_offer(room_id, ctx.session.peer_id, sdp, tracks_of(ctx.message), ctx.request_id);
}

// What one of the client's tiles needs: its size and whether it shows.
void track_settings(MessageContext& ctx) {
  const std::string& room_id = sfu_room(ctx, "track-settings");
  media::TrackSettings settings;
  settings.peer_id = json::require_string(ctx.message, "peerId");
  settings.source = json::require_string(ctx.message, "source");
  if (settings.source != "camera" && settings.source != "screen")
    throw json::FieldError("source", "'source' must be camera or screen");
  const int64_t width = json::require_int(ctx.message, "width");
  const int64_t height = json::require_int(ctx.message, "height");
  constexpr int64_t kMaxSide = 16384;
  if (width < 0 || width > kMaxSide) throw json::FieldError("width", "'width' must be 0 to 16384");
  if (height < 0 || height > kMaxSide) throw json::FieldError("height", "'height' must be 0 to 16384");
  settings.width = static_cast<int>(width);
  settings.height = static_cast<int>(height);
  settings.visible = json::optional_bool(ctx.message, "visible").value_or(true);
  ctx.signaling.media()->track_settings(room_id, ctx.session.peer_id, settings);
}

void subscribe_answer(MessageContext& ctx) {
  const std::string& room_id = sfu_room(ctx, "subscribe-answer");
  ctx.signaling.media()->subscribe_answer(room_id, ctx.session.peer_id, json::require_string(ctx.message, "sdp"),
                                          ctx.request_id);
}

void sfu_candidate(MessageContext& ctx) {
  const std::string& room_id = sfu_room(ctx, "sfu-candidate");
  std::string pc = json::require_string(ctx.message, "pc");
  if (pc != "publish" && pc != "subscribe") throw json::FieldError("pc", "'pc' must be publish or subscribe");
  std::string candidate = json::require_string(ctx.message, "candidate");
  int64_t mline = json::optional_int(ctx.message, "sdpMLineIndex").value_or(0);
  if (!candidate.empty()) {
    if (mline < 0 || mline > 1024) throw json::FieldError("sdpMLineIndex", "'sdpMLineIndex' is out of range");
    if (candidate.rfind("candidate:", 0) != 0 && candidate.rfind("a=candidate:", 0) != 0)
      throw json::FieldError("candidate", "'candidate' must be an ICE candidate line");
  }
  ctx.signaling.media()->remote_candidate(room_id, ctx.session.peer_id,
                                          pc == "publish" ? media::PeerConnection::Publish
                                                          : media::PeerConnection::Subscribe,
                                          static_cast<unsigned>(mline), candidate);
}

}  // namespace

void register_media_handlers(HandlerTable& table) {
  table.add("publish-offer", publish_offer);
  table.add("subscribe-answer", subscribe_answer);
  table.add("sfu-candidate", sfu_candidate);
  table.add("track-settings", track_settings);
}

void MediaEvents::publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                 const std::string& request_id) {
  signaling_.send_to_peer(room_id, peer_id, std::move(json::Object().set("type", "publish-answer").set("sdp", sdp)),
                          request_id);
}

void MediaEvents::subscribe_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                  const std::vector<media::OfferedTrack>& tracks) {
  json::Array list;
  for (const media::OfferedTrack& t : tracks)
    list.add(std::move(
        json::Object().set("mid", t.mid).set("peerId", t.peer_id).set("source", t.source).set("kind", t.kind)));
  signaling_.send_to_peer(room_id, peer_id, std::move(json::Object()
                                                          .set("type", "subscribe-offer")
                                                          .set("sdp", sdp)
                                                          .set("tracks", std::move(list))));
}

void MediaEvents::local_candidate(const std::string& room_id, const std::string& peer_id, media::PeerConnection pc,
                                  unsigned mline, const std::string& candidate) {
  signaling_.send_to_peer(room_id, peer_id,
                          std::move(json::Object()
                                        .set("type", "sfu-candidate")
                                        .set("pc", pc == media::PeerConnection::Publish ? "publish" : "subscribe")
                                        .set("candidate", candidate)
                                        .set("sdpMLineIndex", static_cast<int64_t>(mline))));
}

void MediaEvents::active_speaker(const std::string& room_id, const std::string& peer_id) {
  signaling_.broadcast(room_id, std::move(json::Object().set("type", "active-speaker").set("peerId", peer_id)));
}

void MediaEvents::layers_wanted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                                const std::vector<std::string>& layers) {
  json::Array list;
  for (const std::string& layer : layers) list.add(layer);
  signaling_.send_to_peer(room_id, peer_id,
                          std::move(json::Object()
                                        .set("type", "layers-wanted")
                                        .set("source", source)
                                        .set("layers", std::move(list))));
}

void MediaEvents::media_failed(const std::string& room_id, const std::string& peer_id, const media::Refusal& failure,
                               const std::string& request_id) {
  GST_INFO("media of peer %s in room %s: %s (%s)", peer_id.c_str(), room_id.c_str(), failure.what(),
           failure.code.c_str());
  signaling_.send_to_peer(
      room_id, peer_id,
      std::move(json::Object().set("type", "error").set("code", failure.code).set("message", failure.what())),
      request_id);
}

}  // namespace convene::signaling
