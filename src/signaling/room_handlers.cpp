// join-room and leave-room: membership checked in the store, then the
// session becomes a peer of the live room.
#include "meeting/question_repository.h"
#include "rooms/room_repository.h"
#include "signaling/host_handover.h"
#include "signaling/signaling_module.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {

struct JoinCheck {
  std::optional<rooms::RoomRecord> room;
  std::optional<std::string> role;
  std::string status;                    // the stored admission (admitted | waiting | kicked)
  std::vector<std::string> held_mutes;   // sources a host muted for good (allowUnmute:false)
  std::vector<rooms::ChatMessage> chat;  // newest first
  std::string questions;                 // JSON array, ordered for display
};

json::Array chat_json(const std::vector<rooms::ChatMessage>& newest_first) {
  json::Array out;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    json::Object from;
    from.set("userId", it->user_id).set("username", it->username);
    out.add(std::move(json::Object()
                          .set("id", it->id)
                          .set("roomId", it->room_id)
                          .set("from", std::move(from))
                          .set("kind", it->kind)
                          .set("content", it->content)
                          .set_time("createdAt", it->created_at)));
  }
  return out;
}

void join_room(MessageContext& ctx) {
  std::string room_id = json::require_string(ctx.message, "roomId");
  SignalingModule& sig = ctx.signaling;
  // Kept on the session: lobby admission and breakouts join again later.
  ctx.session.e2ee_capable = json::optional_bool(ctx.message, "e2ee").value_or(false);
  if (!sig.join_gate()) return start_join(sig, ctx.session.id, room_id, ctx.request_id);
  // Cluster: the room's call may live on another node; then the client goes there.
  sig.join_gate()(room_id, ctx.session.user_id, ctx.session.username,
                  [&sig, session_id = ctx.session.id, room_id, request_id = ctx.request_id](JoinPlace place) {
                    Session* s = sig.session(session_id);
                    if (!s) return;
                    if (place.kind == JoinPlace::Kind::Here) return start_join(sig, session_id, room_id, request_id);
                    if (place.kind == JoinPlace::Kind::Unavailable)
                      return sig.send_error(*s, "unavailable", "no node of the cluster takes this call now; try again",
                                            request_id);
                    json::Object m;
                    m.set("type", "redirect").set("roomId", room_id).set("url", place.url);
                    if (!place.ws_token.empty()) m.set("wsToken", place.ws_token);
                    sig.send(*s, std::move(m), request_id);
                  });
}

}  // namespace

void start_join(SignalingModule& sig, uint64_t session_id, const std::string& room_id, const std::string& request_id,
                bool admit) {
  Session* asker = sig.session(session_id);
  if (!asker) return;
  int64_t history = sig.chat_history();
  sig.store().run<JoinCheck>(
      [room_id, uid = asker->user_id, history, admit](store::Connection& c) {
        return c.transaction([&] {
          JoinCheck j{rooms::room_store::find(c, room_id), rooms::room_store::role_of(c, room_id, uid)};
          if (!j.room || !j.role) return j;
          j.status = rooms::room_store::status_of(c, room_id, uid).value_or("admitted");
          // Admission is written here, before room-joined, so REST agrees
          // with the call from the first moment: a host let them in, or the
          // room has no lobby (any more) and they were not kicked.
          if ((admit && j.status != "admitted") || (!j.room->lobby_enabled && j.status == "waiting")) {
            rooms::room_store::set_status(c, room_id, uid, "admitted");
            j.status = "admitted";
          }
          j.held_mutes = rooms::room_store::hard_mutes(c, room_id, uid);
          j.chat = rooms::room_store::chat_page(c, room_id, std::nullopt, history);
          json::Array qs;
          for (auto& q : meeting::questions::list(c, room_id, uid)) qs.add(q.to_json());
          j.questions = json::stringify(std::move(qs).node().get());
          return j;
        });
      },
      [&sig, session_id, request_id](store::Outcome<JoinCheck> out) {
        Session* s = sig.session(session_id);
        if (!s) return;  // the connection went away meanwhile
        if (!out.ok()) {
          sig.send_error(*s, out.error().kind == store::ErrorKind::Unavailable ? "database_unavailable" : "internal_error",
                         "the room could not be read; try again", request_id);
          return;
        }
        JoinCheck& j = out.value();
        if (!j.room) return sig.send_error(*s, "not_found", "no such room", request_id);
        if (!j.room->is_active) return sig.send_error(*s, "room_ended", "this meeting has ended", request_id);
        if (!j.role)
          return sig.send_error(*s, "forbidden", "join this room first (POST /rooms/:id/join or the invite link)",
                                request_id);
        // The server cannot encrypt for a client: one that does not encrypt
        // would send everyone its media and chat in the clear.
        if (j.room->e2ee && !s->e2ee_capable)
          return sig.send_error(*s, "e2ee_required",
                                "this meeting is end-to-end encrypted; join with a client that encrypts "
                                "(the Convene web app in a current browser)",
                                request_id);
        // The live record (e.g. a host handed over by transfer-host, not yet
        // stored) wins over the stored one.
        rooms::RoomRecord record = *j.room;
        rooms::LiveRoom* live = sig.rooms().live(record.id);
        if (live) record = live->record();
        bool owner = record.host_id == s->user_id;
        std::string role = owner ? "HOST" : *j.role;
        bool host_like = rooms::can_moderate(role);
        // Kicked (stored, or by this meeting before the store caught up):
        // back through the lobby, whatever the role. Otherwise the lobby
        // holds members not yet admitted.
        bool kicked = !owner && (j.status == "kicked" || (live && live->kicked().count(s->user_id)));
        if (kicked || (!host_like && record.lobby_enabled && j.status != "admitted"))
          return sig.wait_in_lobby(*s, record, role, request_id);
        sig.set_pending_questions(s->id, json::parse(j.questions, nullptr));
        sig.enter_room(*s, record, role, chat_json(j.chat), request_id);
        if (!s->in_room()) return;
        if (rooms::LiveRoom* room = sig.rooms().live(s->room_id)) {
          for (auto& source : j.held_mutes) room->host_muted()[s->user_id][source] = false;
        }
        apply_held_mutes(sig, *s);
        if (owner) owner_returned(sig, *s);
      });
}

namespace {

void leave_room(MessageContext& ctx) {
  if (!ctx.session.waiting_room_id.empty()) {
    std::string room_id = ctx.session.waiting_room_id;
    ctx.signaling.leave_lobby(ctx.session, "left");
    ctx.signaling.send(ctx.session, std::move(json::Object().set("type", "room-left").set("roomId", room_id)),
                       ctx.request_id);
    return;
  }
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "you are not in a room");
  std::string room_id = ctx.session.room_id;
  ctx.signaling.leave_room(ctx.session);
  ctx.signaling.send(ctx.session, std::move(json::Object().set("type", "room-left").set("roomId", room_id)),
                     ctx.request_id);
}

}  // namespace

void register_room_handlers(HandlerTable& table) {
  table.add("join-room", join_room);
  table.add("leave-room", leave_room);
}

}  // namespace convene::signaling
