// Messages the server only relays between peers of one room: the 1:1
// WebRTC offer/answer/candidates (p2p rooms) and E2EE public keys.
#include "signaling/signaling_module.h"

namespace convene::signaling {
namespace {

// The addressee, who must be a peer of the sender's room.
Session& addressee(MessageContext& ctx) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  std::string to = json::require_string(ctx.message, "to");
  Session* target = ctx.signaling.session_of_peer(to);
  if (!target || target->room_id != ctx.session.room_id || target->id == ctx.session.id)
    throw MessageError("unknown_peer", "no peer '" + to + "' in your room");
  return *target;
}

void require_p2p(MessageContext& ctx) {
  rooms::LiveRoom* room = ctx.signaling.rooms().live(ctx.session.room_id);
  if (!room || std::string(room->record().media_mode()) != "p2p")
    throw MessageError("wrong_media_mode", "peer-to-peer media is only for ONE_TO_ONE rooms; use the SFU messages");
}

// Copies the message, drops the addressing, adds `from`.
json::Object relayed(MessageContext& ctx) {
  json::Object out;
  g_autoptr(GList) members = json_object_get_members(ctx.message);
  for (GList* m = members; m; m = m->next) {
    const char* key = static_cast<const char*>(m->data);
    if (g_str_equal(key, "to") || g_str_equal(key, "requestId") || g_str_equal(key, "from")) continue;
    out.set(key, JsonNodePtr(json_node_copy(json_object_get_member(ctx.message, key))));
  }
  out.set("from", ctx.session.peer_id);
  return out;
}

void relay_media(MessageContext& ctx) {
  require_p2p(ctx);
  if (ctx.session.role == "VIEWER" && json::optional_string(ctx.message, "type") == "offer")
    throw MessageError("forbidden", "viewers cannot publish");
  Session& target = addressee(ctx);
  if (json::optional_string(ctx.message, "type") != "ice-candidate") json::require_string(ctx.message, "sdp");
  ctx.signaling.send(target, relayed(ctx));
}

void relay_key(MessageContext& ctx) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  std::string key = json::require_string(ctx.message, "publicKey");
  if (key.size() > 16384) throw MessageError("invalid_field", "'publicKey' is too large");
  if (json::optional_string(ctx.message, "to")) {
    ctx.signaling.send(addressee(ctx), relayed(ctx));
  } else {
    ctx.signaling.broadcast(ctx.session.room_id, relayed(ctx), ctx.session.peer_id);
  }
}

}  // namespace

void register_relay_handlers(HandlerTable& table) {
  table.add("offer", relay_media);
  table.add("answer", relay_media);
  table.add("ice-candidate", relay_media);
  table.add("e2e-public-key", relay_key);
}

}  // namespace convene::signaling
