// Running a meeting: the lobby (admit, reject), host and co-host actions
// (kick, mute, mute-all, promote, transfer-host), raised hands, and the
// mute state of tracks. Every refused action is an `error`; every applied
// one is announced to the room.
#include <algorithm>

#include "rooms/room_repository.h"
#include "signaling/signaling_module.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {

rooms::LiveRoom& room_of(MessageContext& ctx) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  rooms::LiveRoom* room = ctx.signaling.rooms().live(ctx.session.room_id);
  if (!room) throw MessageError("not_in_room", "the room is closed");
  return *room;
}

rooms::LiveRoom& hosted_room(MessageContext& ctx) {
  rooms::LiveRoom& room = room_of(ctx);
  if (!rooms::can_moderate(ctx.signaling.role_of(ctx.session)))
    throw MessageError("forbidden", "only the host or a co-host can do that");
  return room;
}

rooms::LivePeer& target_peer(MessageContext& ctx, rooms::LiveRoom& room) {
  std::string id = json::require_string(ctx.message, "peerId");
  rooms::LivePeer* p = room.peer(id);
  if (!p) throw MessageError("unknown_peer", "no peer '" + id + "' in this room");
  return *p;
}

json::Object by(const Session& s) {
  json::Object o;
  o.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  return o;
}

void check_source(const std::string& source) {
  if (source != "camera" && source != "microphone" && source != "screen")
    throw json::FieldError("source", "'source' must be camera, microphone or screen");
}

// Tells the media plane (when the room uses the SFU) that a track stopped or resumed.
void forward_mute(SignalingModule& sig, const Session& target, const std::string& source, bool muted) {
  if (!sig.media()) return;
  rooms::LiveRoom* room = sig.rooms().live(target.room_id);
  if (!room || std::string(room->record().media_mode()) != "sfu") return;
  sig.media()->set_muted(target.room_id, target.peer_id, source, muted);
}

void persist_role(SignalingModule& sig, const std::string& room_id, const std::string& user_id, const std::string& role) {
  sig.store().run_void(
      [room_id, user_id, role](store::Connection& c) { rooms::room_store::set_role(c, room_id, user_id, role); },
      [](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("role change not stored: %s", out.error().what());
      });
}

void persist_status(SignalingModule& sig, const std::string& room_id, const std::string& user_id,
                    const std::string& status, bool demote_co_host) {
  sig.store().run_void(
      [room_id, user_id, status, demote_co_host](store::Connection& c) {
        c.transaction([&] {
          rooms::room_store::set_status(c, room_id, user_id, status);
          // A kicked co-host comes back (through the lobby) as a participant.
          if (demote_co_host && rooms::room_store::role_of(c, room_id, user_id) == "CO_HOST")
            rooms::room_store::set_role(c, room_id, user_id, "PARTICIPANT");
        });
      },
      [room_id, user_id](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("admission of %s in room %s not stored: %s", user_id.c_str(), room_id.c_str(), out.error().what());
      });
}

void persist_held_mute(SignalingModule& sig, const std::string& room_id, const std::string& user_id,
                       const std::string& source, const std::string& by_user_id, bool held) {
  sig.store().run_void(
      [room_id, user_id, source, by_user_id, held](store::Connection& c) {
        rooms::room_store::set_hard_mute(c, room_id, user_id, source, by_user_id, held);
      },
      [](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("host mute not stored: %s", out.error().what());
      });
}

// The room's owner (rooms.host_id): nobody else may remove, mute or hand over for them.
bool is_owner(const rooms::LiveRoom& room, const std::string& user_id) { return room.record().host_id == user_id; }

// --- Lobby

rooms::LobbyEntry take_lobby_entry(MessageContext& ctx, rooms::LiveRoom& room) {
  std::string id = json::require_string(ctx.message, "lobbyId");
  auto it = room.lobby().find(id);
  if (it == room.lobby().end()) throw MessageError("unknown_lobby_entry", "nobody is waiting as '" + id + "'");
  return it->second;
}

void lobby_admit(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  rooms::LobbyEntry e = take_lobby_entry(ctx, room);
  room.kicked().erase(e.user_id);
  std::string room_id = room.id();
  Session* waiting = ctx.signaling.session(e.session_id);
  if (!waiting) {
    // Gone meanwhile: admitted all the same, for their next try.
    room.lobby().erase(e.lobby_id);
    persist_status(ctx.signaling, room_id, e.user_id, "admitted", false);
    return;
  }
  ctx.signaling.leave_lobby(*waiting, "admitted");
  GST_INFO("%s admitted %s to room %s", ctx.session.username.c_str(), e.username.c_str(), room_id.c_str());
  start_join(ctx.signaling, e.session_id, room_id, "", true);
}

void lobby_reject(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  rooms::LobbyEntry e = take_lobby_entry(ctx, room);
  std::string room_id = room.id();
  if (Session* waiting = ctx.signaling.session(e.session_id)) {
    ctx.signaling.leave_lobby(*waiting, "rejected");
    ctx.signaling.send(*waiting, std::move(json::Object().set("type", "lobby-rejected").set("roomId", room_id)));
  } else {
    room.lobby().erase(e.lobby_id);
  }
}

// --- Host actions

void kick(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  rooms::LivePeer& target = target_peer(ctx, room);
  if (target.role == "HOST" || is_owner(room, target.user_id))
    throw MessageError("forbidden", "the host cannot be removed");
  if (target.user_id == ctx.session.user_id) throw MessageError("forbidden", "use leave-room to leave");
  // A kick removes the person, not one connection: every peer of the user
  // leaves, and the store keeps them out until a host admits them again.
  std::string room_id = room.id(), user_id = target.user_id;
  room.kicked().insert(user_id);
  persist_status(ctx.signaling, room_id, user_id, "kicked", true);
  std::vector<std::string> peer_ids;
  for (const rooms::LivePeer* p : room.peers_of_user(user_id)) peer_ids.push_back(p->peer_id);
  GST_INFO("%s removed user %s (%zu peers) from room %s", ctx.session.username.c_str(), user_id.c_str(),
           peer_ids.size(), room_id.c_str());
  for (auto& peer_id : peer_ids) {
    ctx.signaling.broadcast(room_id, std::move(json::Object().set("type", "peer-kicked").set("peerId", peer_id).set("by", by(ctx.session))));
    if (Session* s = ctx.signaling.session_of_peer(peer_id)) {
      ctx.signaling.send(*s, std::move(json::Object().set("type", "kicked").set("roomId", room_id).set("by", by(ctx.session))));
      ctx.signaling.leave_room(*s);
    } else {
      // A participant without a WebSocket (a WHIP publisher) leaves all the same.
      ctx.signaling.remove_remote_peer(room_id, peer_id);
    }
  }
}

// Mutes one source of a user on each of their peers; `allow_unmute` false
// holds it (stored) until a host mutes it again with allowUnmute:true.
void mute_user(SignalingModule& sig, const Session& host, rooms::LiveRoom& room, const std::string& user_id,
               const std::string& source, bool allow_unmute) {
  room.host_muted()[user_id][source] = allow_unmute;
  persist_held_mute(sig, room.id(), user_id, source, host.user_id, !allow_unmute);
  std::vector<std::string> peer_ids;
  for (const rooms::LivePeer* p : room.peers_of_user(user_id)) peer_ids.push_back(p->peer_id);
  for (auto& peer_id : peer_ids) {
    if (Session* s = sig.session_of_peer(peer_id)) {
      sig.send(*s, std::move(json::Object()
                                 .set("type", "muted-by-host")
                                 .set("source", source)
                                 .set("canUnmute", allow_unmute)
                                 .set("by", by(host))));
      forward_mute(sig, *s, source, true);
    }
    sig.broadcast(room.id(), std::move(json::Object()
                                           .set("type", "track-muted")
                                           .set("peerId", peer_id)
                                           .set("source", source)
                                           .set("muted", true)
                                           .set("by", by(host))));
  }
}

void mute(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  rooms::LivePeer& target = target_peer(ctx, room);
  std::string source = json::optional_string(ctx.message, "source").value_or("microphone");
  check_source(source);
  bool allow = json::optional_bool(ctx.message, "allowUnmute").value_or(true);
  if (!allow && is_owner(room, target.user_id) && target.user_id != ctx.session.user_id)
    throw MessageError("forbidden", "the host's mute cannot be held");
  mute_user(ctx.signaling, ctx.session, room, target.user_id, source, allow);
}

void mute_all(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  bool allow = json::optional_bool(ctx.message, "allowUnmute").value_or(true);
  std::vector<std::string> users;
  for (const rooms::LivePeer* p : room.peers())
    if (!rooms::can_moderate(p->role) && !is_owner(room, p->user_id) &&
        std::find(users.begin(), users.end(), p->user_id) == users.end())
      users.push_back(p->user_id);
  for (auto& u : users) mute_user(ctx.signaling, ctx.session, room, u, "microphone", allow);
}

void promote(MessageContext& ctx) {
  rooms::LiveRoom& room = hosted_room(ctx);
  rooms::LivePeer& target = target_peer(ctx, room);
  std::string role = json::require_string(ctx.message, "role");
  if (role != "CO_HOST" && role != "PARTICIPANT" && role != "VIEWER")
    throw json::FieldError("role", "'role' must be CO_HOST, PARTICIPANT or VIEWER (use transfer-host for HOST)");
  if (target.role == "HOST" || is_owner(room, target.user_id))
    throw MessageError("forbidden", "the host's role changes only by transfer-host");
  // Takes effect at once, in media too: a new viewer's publications end.
  ctx.signaling.set_role(room, target, role);
  persist_role(ctx.signaling, room.id(), target.user_id, role);
  ctx.signaling.broadcast(room.id(), std::move(json::Object()
                                                   .set("type", "role-changed")
                                                   .set("peerId", target.peer_id)
                                                   .set("role", role)
                                                   .set("by", by(ctx.session))));
}

void transfer_host(MessageContext& ctx) {
  rooms::LiveRoom& room = room_of(ctx);
  if (ctx.signaling.role_of(ctx.session) != "HOST") throw MessageError("forbidden", "only the host can hand over the meeting");
  // A stand-in (the host's connection dropped) runs the meeting but does not own the room.
  if (!is_owner(room, ctx.session.user_id))
    throw MessageError("forbidden", "only the room's owner can hand it over; you stand in while they are away");
  rooms::LivePeer& target = target_peer(ctx, room);
  if (target.peer_id == ctx.session.peer_id) throw MessageError("invalid_field", "you are the host already");
  rooms::LivePeer* me = room.peer(ctx.session.peer_id);
  ctx.signaling.set_role(room, *me, "CO_HOST");
  ctx.signaling.set_role(room, target, "HOST");
  room.record().host_id = target.user_id;
  ctx.signaling.store().run_void(
      [room_id = room.id(), uid = target.user_id](store::Connection& c) { rooms::room_store::set_host(c, room_id, uid); },
      [](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("host transfer not stored: %s", out.error().what());
      });
  ctx.signaling.broadcast(room.id(), std::move(json::Object()
                                                   .set("type", "host-changed")
                                                   .set("peerId", target.peer_id)
                                                   .set("userId", target.user_id)
                                                   .set("previousPeerId", ctx.session.peer_id)
                                                   .set("reason", "transfer")));
}

// --- Everyone

void hand(MessageContext& ctx) {
  rooms::LiveRoom& room = room_of(ctx);
  bool raised = json::optional_bool(ctx.message, "raised").value_or(true);
  std::string peer_id = json::optional_string(ctx.message, "peerId").value_or(ctx.session.peer_id);
  if (peer_id != ctx.session.peer_id) {
    // Lowering someone else's hand is a host action.
    if (!rooms::can_moderate(ctx.signaling.role_of(ctx.session)) || raised)
      throw MessageError("forbidden", "only the host or a co-host can lower another person's hand");
  }
  rooms::LivePeer* p = room.peer(peer_id);
  if (!p) throw MessageError("unknown_peer", "no peer '" + peer_id + "' in this room");
  p->hand_raised = raised;
  json::Object m;
  m.set("type", "hand").set("peerId", peer_id).set("raised", raised);
  if (peer_id != ctx.session.peer_id) m.set("by", by(ctx.session));
  ctx.signaling.broadcast(room.id(), std::move(m));
}

void track_muted(MessageContext& ctx) {
  rooms::LiveRoom& room = room_of(ctx);
  std::string source = json::require_string(ctx.message, "source");
  check_source(source);
  bool muted = json::optional_bool(ctx.message, "muted").value_or(true);
  auto& held = room.host_muted()[ctx.session.user_id];
  if (!muted) {
    auto it = held.find(source);
    if (it != held.end() && !it->second)
      throw MessageError("unmute_not_allowed", "the host muted your " + source + "; ask them to allow unmuting");
    held.erase(source);
  }
  forward_mute(ctx.signaling, ctx.session, source, muted);
  ctx.signaling.broadcast(room.id(), std::move(json::Object()
                                                   .set("type", "track-muted")
                                                   .set("peerId", ctx.session.peer_id)
                                                   .set("source", source)
                                                   .set("muted", muted)));
}

}  // namespace

void apply_held_mutes(SignalingModule& sig, Session& s) {
  rooms::LiveRoom* room = s.in_room() ? sig.rooms().live(s.room_id) : nullptr;
  if (!room) return;
  auto it = room->host_muted().find(s.user_id);
  if (it == room->host_muted().end()) return;
  for (auto& [source, allow_unmute] : it->second) {
    if (allow_unmute) continue;
    sig.send(s, std::move(json::Object().set("type", "muted-by-host").set("source", source).set("canUnmute", false)));
    forward_mute(sig, s, source, true);
    sig.broadcast(room->id(), std::move(json::Object()
                                            .set("type", "track-muted")
                                            .set("peerId", s.peer_id)
                                            .set("source", source)
                                            .set("muted", true)),
                  s.peer_id);
  }
}

void register_control_handlers(HandlerTable& table) {
  table.add("lobby-admit", lobby_admit);
  table.add("lobby-reject", lobby_reject);
  table.add("kick", kick);
  table.add("mute", mute);
  table.add("mute-all", mute_all);
  table.add("promote", promote);
  table.add("transfer-host", transfer_host);
  table.add("hand", hand);
  table.add("track-muted", track_muted);
}

}  // namespace convene::signaling
