// chat-message and reaction. Chat is stored before it is broadcast; each
// room's messages are stored one after another, so they reach everyone in
// the order they were sent, whatever the store's worker count.
#include <deque>
#include <map>
#include <regex>

#include "rooms/room_repository.h"
#include "signaling/signaling_module.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {

void require_speaker(SignalingModule& sig, const Session& s, const char* what) {
  if (!s.in_room()) throw MessageError("not_in_room", "join a room first");
  if (!rooms::can_publish(sig.role_of(s))) throw MessageError("forbidden", std::string("viewers cannot ") + what);
}

// The decoded size of the base64 text after `start` (an invalid_image error when it is not base64).
size_t base64_bytes(const std::string& content, size_t start) {
  size_t len = content.size() - start, pad = 0;
  for (size_t i = start; i < content.size(); ++i) {
    char c = content[i];
    bool ok = g_ascii_isalnum(c) || c == '+' || c == '/' || (c == '=' && i >= content.size() - 2);
    if (!ok) throw MessageError("invalid_image", "the image is not valid base64");
    if (c == '=') ++pad;
  }
  if (len == 0 || len % 4 != 0) throw MessageError("invalid_image", "the image is not valid base64");
  return len / 4 * 3 - pad;
}

// Checks a data:image/...;base64 URL without decoding it; returns the decoded size.
size_t image_bytes(const std::string& content) {
  static const std::regex prefix(R"(^data:image/(png|jpeg|gif|webp);base64,)");
  std::smatch m;
  if (!std::regex_search(content, m, prefix))
    throw MessageError("invalid_image", "images must be data:image/(png|jpeg|gif|webp);base64,... URLs");
  return base64_bytes(content, m.length(0));
}

// In an end-to-end encrypted room an image is sealed by the sender's browser
// ("e2ee:v1:<keyId>:<iv>:<ciphertext>", docs/protocol.md); the server can
// only check its shape and size. Returns the ciphertext's size less the
// sealing overhead (GCM tag and the MIME type in front of the image).
size_t sealed_image_bytes(const std::string& content) {
  static const std::regex prefix(R"(^e2ee:v1:[A-Za-z0-9+/=]{1,64}:[A-Za-z0-9+/=]{1,64}:)");
  std::smatch m;
  if (!std::regex_search(content, m, prefix))
    throw MessageError("e2ee_required", "images in an end-to-end encrypted meeting must be sealed (e2ee:v1:...)");
  size_t bytes = base64_bytes(content, m.length(0));
  constexpr size_t overhead = 16 + 32;
  return bytes > overhead ? bytes - overhead : 0;
}

struct PendingChat {
  uint64_t session_id;
  std::string request_id;
  rooms::ChatMessage message;
  std::string peer_id;
};

// Per room, one store write at a time.
struct ChatQueues {
  std::map<std::string, std::deque<PendingChat>> queues;
};

ChatQueues& queues() {
  static ChatQueues q;
  return q;
}

void store_next(SignalingModule& sig, const std::string& room_id) {
  auto& q = queues().queues[room_id];
  if (q.empty()) {
    queues().queues.erase(room_id);
    return;
  }
  PendingChat pending = q.front();
  sig.store().run<rooms::ChatMessage>(
      [m = pending.message](store::Connection& c) { return rooms::room_store::add_chat(c, m); },
      [&sig, room_id, pending](store::Outcome<rooms::ChatMessage> out) {
        auto& queue = queues().queues[room_id];
        if (!queue.empty()) queue.pop_front();
        Session* sender = sig.session(pending.session_id);
        if (!out.ok()) {
          GST_WARNING("chat message not stored: %s", out.error().what());
          if (sender) sig.send_error(*sender, "database_unavailable", "the message was not sent; try again", pending.request_id);
        } else {
          const rooms::ChatMessage& m = out.value();
          json::Object from;
          from.set("peerId", pending.peer_id).set("userId", m.user_id).set("username", m.username);
          json::Object msg;
          msg.set("type", "chat-message").set("id", m.id).set("roomId", m.room_id).set("from", std::move(from))
              .set("kind", m.kind).set("content", m.content).set_time("createdAt", m.created_at);
          std::string text = std::move(msg).to_string();
          if (rooms::LiveRoom* room = sig.rooms().live(room_id)) {
            for (const rooms::LivePeer* p : room->peers()) {
              Session* s = sig.session_of_peer(p->peer_id);
              if (!s) continue;
              if (s->id == pending.session_id && !pending.request_id.empty()) {
                // The sender's copy answers its request.
                auto node = json::parse(text, nullptr);
                json::Object copy(json_node_get_object(node.get()));
                sig.send(*s, std::move(copy), pending.request_id);
              } else {
                s->send_text(text);
              }
            }
          }
        }
        store_next(sig, room_id);
      });
}

void chat_message(MessageContext& ctx) {
  Session& s = ctx.session;
  require_speaker(ctx.signaling, s, "chat");
  std::string kind = json::optional_string(ctx.message, "kind").value_or("text");
  std::string content = json::require_string(ctx.message, "content");
  if (kind == "text") {
    glong chars = g_utf8_strlen(content.c_str(), -1);
    if (!g_utf8_validate(content.c_str(), -1, nullptr)) throw MessageError("invalid_text", "the text is not valid UTF-8");
    if (chars == 0 || content.find_first_not_of(" \t\r\n") == std::string::npos)
      throw MessageError("empty_message", "the message is empty");
    if (chars > ctx.signaling.chat_max_chars())
      throw MessageError("message_too_long", "text messages are limited to " +
                                                 std::to_string(ctx.signaling.chat_max_chars()) + " characters");
  } else if (kind == "image") {
    rooms::LiveRoom* live = ctx.signaling.rooms().live(s.room_id);
    bool sealed = live && live->record().e2ee;
    if ((sealed ? sealed_image_bytes(content) : image_bytes(content)) >
        static_cast<size_t>(ctx.signaling.chat_image_max_bytes()))
      throw MessageError("image_too_large", "images are limited to " +
                                                std::to_string(ctx.signaling.chat_image_max_bytes()) + " bytes");
  } else {
    throw MessageError("invalid_field", "'kind' must be text or image");
  }
  rooms::LiveRoom* room = ctx.signaling.rooms().live(s.room_id);
  if (!room) throw MessageError("not_in_room", "the room is closed");
  rooms::ChatMessage m;
  m.room_id = s.room_id;
  m.user_id = s.user_id;
  m.username = s.username;
  m.kind = kind;
  m.content = std::move(content);
  m.created_at = room->next_chat_time(timeutil::now_ms());
  auto& q = queues().queues[s.room_id];
  q.push_back(PendingChat{s.id, ctx.request_id, std::move(m), s.peer_id});
  if (q.size() == 1) store_next(ctx.signaling, s.room_id);
}

void reaction(MessageContext& ctx) {
  Session& s = ctx.session;
  if (!s.in_room()) throw MessageError("not_in_room", "join a room first");
  std::string emoji = json::require_string(ctx.message, "emoji");
  if (!ctx.signaling.reactions().count(emoji)) throw MessageError("invalid_reaction", "that reaction is not offered here");
  json::Object from;
  from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  ctx.signaling.broadcast(s.room_id,
                          std::move(json::Object().set("type", "reaction").set("from", std::move(from)).set("emoji", emoji)));
}

}  // namespace

void register_chat_handlers(HandlerTable& table) {
  table.add("chat-message", chat_message);
  table.add("reaction", reaction);
}

}  // namespace convene::signaling
