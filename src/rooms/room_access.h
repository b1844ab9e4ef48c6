// Who may see a room's content: its chat history, questions, transcript, AI
// summaries and suggestions over it, media and breakout listings, recordings.
// One check for all of them, on facts of the store, so REST answers what the
// WebSocket answers: members a host admitted (or who joined without a lobby),
// and the room's hosts and co-hosts. Someone waiting in the lobby, or kicked,
// is a member but sees nothing.
//
// Threads: member_access() on a store worker; the rest on the main loop.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "auth/authenticator.h"
#include "http/exchange.h"
#include "rooms/room_record.h"
#include "store/connection.h"
#include "store/store.h"

namespace convene::rooms {

struct MemberAccess {
  std::optional<RoomRecord> room;  // nullopt: no such room
  std::optional<std::string> role;  // nullopt: not a member
  std::string status;               // admitted | waiting | kicked ("" when not a member)
  bool owner = false;               // the room's stored host (rooms.host_id)

  // May see the room's content.
  bool admitted() const;
};

namespace room_store {
MemberAccess member_access(store::Connection& c, const std::string& room_id, const std::string& user_id);
}  // namespace room_store

// Throws http::Error unless the caller may see the room's content:
// 404 not_found (no room), 403 forbidden (not a member), 403 not_admitted
// (waiting in the lobby), 403 kicked (removed by a host). Returns the room.
const RoomRecord& require_admitted(const MemberAccess& access);

// The REST form: signs the caller in (401), reads their access on a store
// worker, checks it with require_admitted, then runs `then` on the main loop
// (errors thrown there become the exchange's reply).
void with_admitted_member(store::Store& store, const auth::Authenticator& authenticator, const http::ExchangePtr& ex,
                          const std::string& room_id,
                          std::function<void(const auth::AuthUser& who, const MemberAccess& access)> then);

}  // namespace convene::rooms
