// whiteboard-draw and whiteboard-clear: strokes are validated straight into
// the room's compact store (bounded, for late joiners), charged to the
// drawer's budget, and sent to the others; late joiners get the board in
// bounded whiteboard-history chunks.
#include "signaling/whiteboard_handlers.h"

#include <cmath>
#include <vector>

#include "signaling/signaling_module.h"
#include "util/time.h"

namespace convene::signaling {
namespace {

using rooms::Stroke;

void require_drawer(SignalingModule& sig, const Session& s) {
  if (!s.in_room()) throw MessageError("not_in_room", "join a room first");
  if (!rooms::can_publish(sig.role_of(s))) throw MessageError("forbidden", "viewers cannot draw");
}

double coordinate(JsonNode* v) {
  if (!JSON_NODE_HOLDS_VALUE(v) ||
      (json_node_get_value_type(v) != G_TYPE_DOUBLE && json_node_get_value_type(v) != G_TYPE_INT64))
    throw json::FieldError("points", "point coordinates must be numbers");
  double d = json_node_get_double(v);
  if (!std::isfinite(d) || std::fabs(d) > Stroke::kMaxCoordinate)
    throw json::FieldError("points", "point coordinates must be between -1000000 and 1000000");
  return d;
}

// Reads only the fields we know, so nothing else rides along to other clients.
Stroke validated_stroke(JsonObject* stroke) {
  Stroke out;
  std::string tool = json::require_string(stroke, "tool");
  if (tool != "pen" && tool != "eraser") throw json::FieldError("tool", "'tool' must be pen or eraser");
  out.tool = tool == "eraser" ? Stroke::Tool::Eraser : Stroke::Tool::Pen;
  out.color = json::optional_string(stroke, "color").value_or("#000000");
  if (out.color.size() > 32) throw json::FieldError("color", "'color' is too long");
  out.width = json::optional_number(stroke, "width").value_or(2.0);
  if (!(out.width > 0 && out.width <= 200)) throw json::FieldError("width", "'width' must be between 0 and 200");
  JsonArray* points = json::require_array(stroke, "points");
  guint n = json_array_get_length(points);
  if (n == 0 || n > Stroke::kMaxPoints) throw json::FieldError("points", "'points' must hold 1 to 10000 [x,y] pairs");
  out.xy.reserve(2 * n);
  for (guint i = 0; i < n; ++i) {
    JsonNode* p = json_array_get_element(points, i);
    if (!JSON_NODE_HOLDS_ARRAY(p) || json_array_get_length(json_node_get_array(p)) != 2)
      throw json::FieldError("points", "each point must be [x, y]");
    JsonArray* xy = json_node_get_array(p);
    out.add_point(coordinate(json_array_get_element(xy, 0)), coordinate(json_array_get_element(xy, 1)));
  }
  return out;
}

rooms::LiveRoom& room_of(MessageContext& ctx) {
  rooms::LiveRoom* room = ctx.signaling.rooms().live(ctx.session.room_id);
  if (!room) throw MessageError("not_in_room", "the room is closed");
  return *room;
}

json::Object sender(const Session& s) {
  json::Object from;
  from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  return from;
}

void draw(MessageContext& ctx) {
  Session& s = ctx.session;
  require_drawer(ctx.signaling, s);
  rooms::Whiteboard& board = room_of(ctx).whiteboard();
  Stroke stroke = validated_stroke(json::require_object(ctx.message, "stroke"));
  if (!board.admit(s.user_id, stroke.point_count(), timeutil::monotonic_us()))
    throw MessageError("rate_limited", "drawing too fast: at most " +
                                           std::to_string(static_cast<int64_t>(board.limits().points_per_sec)) +
                                           " points a second; wait a moment and draw again");
  json::Object copy = stroke.to_json();
  board.add(std::move(stroke));
  ctx.signaling.broadcast(
      s.room_id,
      std::move(json::Object().set("type", "whiteboard-draw").set("from", sender(s)).set("stroke", std::move(copy))),
      s.peer_id);
}

void clear(MessageContext& ctx) {
  Session& s = ctx.session;
  require_drawer(ctx.signaling, s);
  room_of(ctx).whiteboard().clear();
  ctx.signaling.broadcast(s.room_id,
                          std::move(json::Object().set("type", "whiteboard-clear").set("from", sender(s))));
}

json::Object history_message(json::Array strokes, bool done) {
  json::Object m;
  m.set("type", "whiteboard-history").set("strokes", std::move(strokes)).set("done", done);
  return m;
}

}  // namespace

void send_whiteboard_history(SignalingModule& signaling, Session& s, const rooms::Whiteboard& board) {
  const size_t limit = board.limits().history_chunk_bytes;
  const size_t envelope = history_message(json::Array(), false).to_string().size();
  std::vector<JsonNodePtr> chunk;
  size_t size = envelope;
  auto flush = [&](bool done) {
    json::Array strokes;
    for (JsonNodePtr& node : chunk) strokes.add(std::move(node));
    chunk.clear();
    size = envelope;
    signaling.send(s, history_message(std::move(strokes), done));
  };
  for (const Stroke& stroke : board.strokes()) {
    JsonNodePtr node = stroke.to_json().node();
    size_t bytes = json::stringify(node.get()).size() + 1;  // and a comma
    // Whole strokes only; a stroke larger than a chunk goes alone.
    if (!chunk.empty() && size + bytes > limit) flush(false);
    chunk.push_back(std::move(node));
    size += bytes;
  }
  flush(true);
}

void register_whiteboard_handlers(HandlerTable& table) {
  table.add("whiteboard-draw", draw);
  table.add("whiteboard-clear", clear);
}

}  // namespace convene::signaling
