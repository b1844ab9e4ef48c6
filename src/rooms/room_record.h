// A room as the store keeps it, and its public JSON shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/json.h"

namespace convene::rooms {

struct RoomRecord {
  std::string id;
  std::string name;
  std::string type;  // ONE_TO_ONE | GROUP | VIRTUAL_ROOM
  std::string invite_code;
  std::string host_id;
  bool is_active = true;
  int64_t max_participants = 50;
  int64_t created_at = 0;
  std::optional<int64_t> scheduled_at;
  std::optional<int64_t> ended_at;
  std::optional<std::string> description;
  std::optional<int64_t> duration_min;
  bool lobby_enabled = false;
  // End-to-end encrypted media: the server cannot record or stream it.
  bool e2ee = false;

  // {id, name, type, inviteCode, hostId, isActive, maxParticipants, createdAt,
  //  scheduledAt, endedAt, description, durationMin, lobbyEnabled, e2ee}
  json::Object to_json() const;
  // "p2p" for ONE_TO_ONE rooms, "sfu" otherwise.
  const char* media_mode() const { return type == "ONE_TO_ONE" ? "p2p" : "sfu"; }
};

bool valid_room_type(const std::string& type);
bool valid_role(const std::string& role);
// HOST and CO_HOST run the meeting: lobby, host actions, moderation.
bool can_moderate(const std::string& role);
// Whether the role may send media, draw and chat (everyone but viewers).
bool can_publish(const std::string& role);

}  // namespace convene::rooms
