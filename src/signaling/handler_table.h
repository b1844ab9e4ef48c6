// Message type → handler. Each concern (room membership, chat, whiteboard,
// 1:1 relay, meeting controls) registers its own handlers from its own file.
#pragma once

#include <json-glib/json-glib.h>

#include <functional>
#include <cstdint>
#include <map>
#include <string>

namespace convene::signaling {

class SignalingModule;
struct Session;

struct MessageContext {
  SignalingModule& signaling;
  Session& session;
  JsonObject* message;
  const std::string& request_id;  // "" when the client sent none
};

using MessageHandler = std::function<void(MessageContext&)>;

class HandlerTable {
 public:
  void add(const std::string& type, MessageHandler handler) { handlers_[type] = std::move(handler); }
  const MessageHandler* find(const std::string& type) const {
    auto it = handlers_.find(type);
    return it == handlers_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, MessageHandler> handlers_;
};

// The join-room flow (membership check, lobby, room-joined), also used when
// a host admits someone from the lobby (`admit`: stores the admission).
void start_join(SignalingModule& signaling, uint64_t session_id, const std::string& room_id,
                const std::string& request_id, bool admit = false);
// After a session entered its room: the host's mutes its user may not lift
// hold on the new peer too (muted-by-host, the SFU stops the tracks).
void apply_held_mutes(SignalingModule& signaling, Session& session);

void register_room_handlers(HandlerTable& table);
void register_chat_handlers(HandlerTable& table);
void register_whiteboard_handlers(HandlerTable& table);
void register_relay_handlers(HandlerTable& table);
void register_control_handlers(HandlerTable& table);
void register_qa_handlers(HandlerTable& table);
void register_breakout_handlers(HandlerTable& table);

}  // namespace convene::signaling
