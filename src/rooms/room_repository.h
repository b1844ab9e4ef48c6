// Rooms, membership, attendance and chat in the store. Called on store
// workers only (inside Store::run).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rooms/room_record.h"
#include "store/connection.h"

namespace convene::rooms {

struct ChatMessage {
  std::string id;
  std::string room_id;
  std::string user_id;
  std::string username;
  std::string kind;
  std::string content;
  int64_t created_at = 0;
};

namespace room_store {

RoomRecord create(store::Connection& c, RoomRecord room);
std::optional<RoomRecord> find(store::Connection& c, const std::string& id);
std::optional<RoomRecord> find_by_invite(store::Connection& c, const std::string& code);
// Rooms the user hosts or is a member of; `active` filters when set.
std::vector<RoomRecord> list_for_user(store::Connection& c, const std::string& user_id, std::optional<bool> active);
// Scheduled rooms of the user that have not started and not ended.
std::vector<RoomRecord> upcoming_for_user(store::Connection& c, const std::string& user_id, int64_t now_ms);

// The user's role in the room, or nullopt when not a member (the host always is).
std::optional<std::string> role_of(store::Connection& c, const std::string& room_id, const std::string& user_id);
int64_t member_count(store::Connection& c, const std::string& room_id);
// Adds the user as a member with `role` and admission `status` (admitted |
// waiting | kicked); no-op when already one.
void add_member(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& role,
                const std::string& status = "admitted");
// Ends a membership; the host's stays, and so does a kicked one (leaving and
// joining again must not lift a kick).
void remove_member(store::Connection& c, const std::string& room_id, const std::string& user_id);
// The member's admission: "admitted", "waiting", "kicked", or nullopt when not a member.
std::optional<std::string> status_of(store::Connection& c, const std::string& room_id, const std::string& user_id);
void set_status(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& status);
// Host mutes the member may not lift (allowUnmute:false): the sources held.
std::vector<std::string> hard_mutes(store::Connection& c, const std::string& room_id, const std::string& user_id);
// Holds (`held`) or lifts the mute of one source of a member.
void set_hard_mute(store::Connection& c, const std::string& room_id, const std::string& user_id,
                   const std::string& source, const std::string& by_user_id, bool held);
void set_role(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& role);
// Makes the user the room's owner (an explicit transfer-host; a live hand-over
// when the host drops is not stored).
void set_host(store::Connection& c, const std::string& room_id, const std::string& user_id);
// Saves name, schedule, description, duration and lobby flag.
void update(store::Connection& c, const RoomRecord& room);
// Marks the room ended; false when it already was.
bool end(store::Connection& c, const std::string& room_id, int64_t now_ms);

// Attendance (the source of analytics): one row per stay in the call.
void attendance_start(store::Connection& c, const std::string& attendance_id, const std::string& room_id,
                      const std::string& user_id, const std::string& role, int64_t now_ms);
void attendance_stop(store::Connection& c, const std::string& attendance_id, int64_t now_ms);
// Closes rows left open by a crash (called at start).
int64_t close_dangling_attendance(store::Connection& c, int64_t now_ms);

ChatMessage add_chat(store::Connection& c, ChatMessage message);
// Newest first, before `before_ms` when given.
std::vector<ChatMessage> chat_page(store::Connection& c, const std::string& room_id, std::optional<int64_t> before_ms,
                                   int64_t limit);

}  // namespace room_store
}  // namespace convene::rooms
