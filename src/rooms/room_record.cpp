#include "rooms/room_record.h"

namespace convene::rooms {

json::Object RoomRecord::to_json() const {
  json::Object o;
  o.set("id", id)
      .set("name", name)
      .set("type", type)
      .set("inviteCode", invite_code)
      .set("hostId", host_id)
      .set("isActive", is_active)
      .set("maxParticipants", max_participants)
      .set_time("createdAt", created_at)
      .set_time("scheduledAt", scheduled_at)
      .set_time("endedAt", ended_at)
      .set_optional("description", description)
      .set_optional("durationMin", duration_min)
      .set("lobbyEnabled", lobby_enabled)
      .set("e2ee", e2ee);
  return o;
}

bool valid_room_type(const std::string& type) {
  return type == "ONE_TO_ONE" || type == "GROUP" || type == "VIRTUAL_ROOM";
}

bool can_moderate(const std::string& role) { return role == "HOST" || role == "CO_HOST"; }
bool can_publish(const std::string& role) { return role != "VIEWER"; }

bool valid_role(const std::string& role) {
  return role == "HOST" || role == "CO_HOST" || role == "PARTICIPANT" || role == "VIEWER";
}

}  // namespace convene::rooms
