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

// The relayed message: its type, `from`, and only the documented fields
// present (docs/protocol.md); anything else a client adds stays with it.
json::Object relayed(MessageContext& ctx, std::initializer_list<const char*> fields) {
  json::Object out;
  out.set("type", json::require_string(ctx.message, "type"));
  for (const char* key : fields)
    if (JsonNode* n = json_object_get_member(ctx.message, key)) out.set(key, JsonNodePtr(json_node_copy(n)));
  out.set("from", ctx.session.peer_id);
  return out;
}

// `field` absent, null, or of this kind; otherwise invalid_field.
void check_optional(MessageContext& ctx, const char* field, bool integer) {
  JsonNode* n = json_object_get_member(ctx.message, field);
  if (!n || JSON_NODE_HOLDS_NULL(n)) return;
  if (integer) json::optional_int(ctx.message, field);
  else json::optional_string(ctx.message, field);
}

void relay_media(MessageContext& ctx) {
  require_p2p(ctx);
  std::string type = json::require_string(ctx.message, "type");
  if (!rooms::can_publish(ctx.signaling.role_of(ctx.session)) && type == "offer") throw MessageError("forbidden", "viewers cannot publish");
  Session& target = addressee(ctx);
  if (type == "ice-candidate") {
    json::require_string(ctx.message, "candidate");
    check_optional(ctx, "sdpMid", false);
    check_optional(ctx, "sdpMLineIndex", true);
    ctx.signaling.send(target, relayed(ctx, {"candidate", "sdpMid", "sdpMLineIndex"}));
  } else {
    json::require_string(ctx.message, "sdp");
    ctx.signaling.send(target, relayed(ctx, {"sdp"}));
  }
}

void relay_key(MessageContext& ctx) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  std::string key = json::require_string(ctx.message, "publicKey");
  if (key.size() > 16384) throw MessageError("invalid_field", "'publicKey' is too large");
  if (json::optional_string(ctx.message, "to")) {
    ctx.signaling.send(addressee(ctx), relayed(ctx, {"publicKey"}));
  } else {
    ctx.signaling.broadcast(ctx.session.room_id, relayed(ctx, {"publicKey"}), ctx.session.peer_id);
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
