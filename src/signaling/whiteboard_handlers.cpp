// whiteboard-draw and whiteboard-clear: strokes are validated, kept by the
// live room (bounded) for late joiners, and sent to the others.
#include "signaling/signaling_module.h"

namespace convene::signaling {
namespace {

constexpr guint kMaxPoints = 10000;

void require_drawer(const Session& s) {
  if (!s.in_room()) throw MessageError("not_in_room", "join a room first");
  if (s.role == "VIEWER") throw MessageError("forbidden", "viewers cannot draw");
}

// Copies only the fields we know, so nothing else rides along to other clients.
json::Object validated_stroke(JsonObject* stroke) {
  std::string tool = json::require_string(stroke, "tool");
  if (tool != "pen" && tool != "eraser") throw json::FieldError("tool", "'tool' must be pen or eraser");
  std::string color = json::optional_string(stroke, "color").value_or("#000000");
  if (color.size() > 32) throw json::FieldError("color", "'color' is too long");
  double width = json::optional_number(stroke, "width").value_or(2.0);
  if (width <= 0 || width > 200) throw json::FieldError("width", "'width' must be between 0 and 200");
  JsonArray* points = json::require_array(stroke, "points");
  guint n = json_array_get_length(points);
  if (n == 0 || n > kMaxPoints) throw json::FieldError("points", "'points' must hold 1 to 10000 [x,y] pairs");
  json::Array copy;
  for (guint i = 0; i < n; ++i) {
    JsonNode* p = json_array_get_element(points, i);
    if (!JSON_NODE_HOLDS_ARRAY(p) || json_array_get_length(json_node_get_array(p)) != 2)
      throw json::FieldError("points", "each point must be [x, y]");
    JsonArray* xy = json_node_get_array(p);
    json::Array pair;
    for (guint k = 0; k < 2; ++k) {
      JsonNode* v = json_array_get_element(xy, k);
      if (!JSON_NODE_HOLDS_VALUE(v) ||
          (json_node_get_value_type(v) != G_TYPE_DOUBLE && json_node_get_value_type(v) != G_TYPE_INT64))
        throw json::FieldError("points", "point coordinates must be numbers");
      pair.add(json_node_get_double(v));
    }
    copy.add(std::move(pair));
  }
  json::Object out;
  out.set("tool", tool).set("color", color).set("width", width).set("points", std::move(copy));
  return out;
}

void draw(MessageContext& ctx) {
  Session& s = ctx.session;
  require_drawer(s);
  rooms::LiveRoom* room = ctx.signaling.rooms().live(s.room_id);
  if (!room) throw MessageError("not_in_room", "the room is closed");
  JsonNodePtr stroke = validated_stroke(json::require_object(ctx.message, "stroke")).node();
  room->add_stroke(JsonNodePtr(json_node_copy(stroke.get())));
  json::Object from;
  from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  ctx.signaling.broadcast(
      s.room_id,
      std::move(json::Object().set("type", "whiteboard-draw").set("from", std::move(from)).set("stroke", std::move(stroke))),
      s.peer_id);
}

void clear(MessageContext& ctx) {
  Session& s = ctx.session;
  require_drawer(s);
  rooms::LiveRoom* room = ctx.signaling.rooms().live(s.room_id);
  if (!room) throw MessageError("not_in_room", "the room is closed");
  room->clear_strokes();
  json::Object from;
  from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  ctx.signaling.broadcast(s.room_id,
                          std::move(json::Object().set("type", "whiteboard-clear").set("from", std::move(from))));
}

}  // namespace

void register_whiteboard_handlers(HandlerTable& table) {
  table.add("whiteboard-draw", draw);
  table.add("whiteboard-clear", clear);
}

}  // namespace convene::signaling
