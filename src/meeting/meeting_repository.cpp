#include "meeting/meeting_repository.h"

#include <glib.h>

#include "auth/user_repository.h"
#include "rooms/room_repository.h"
#include "util/random.h"

namespace convene::meeting::meeting_store {

RoomAccess room_access(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  RoomAccess a;
  auto room = rooms::room_store::find(c, room_id);
  if (!room) return a;
  auto role = rooms::room_store::role_of(c, room_id, user_id);
  bool is_host = room->host_id == user_id;
  a.exists = true;
  a.member = is_host || role.has_value();
  a.host = is_host || (role && rooms::can_moderate(*role));
  a.name = room->name;
  a.invite_code = room->invite_code;
  a.scheduled_at = room->scheduled_at;
  a.duration_min = room->duration_min;
  a.description = room->description;
  if (auto host = auth::users::find_by_id(c, room->host_id)) a.host_email = host->email;
  return a;
}

void add_transcript_line(store::Connection& c, const std::string& room_id, const std::string& user_id,
                         const std::string& speaker, const std::string& text, int64_t at_ms) {
  c.exec("INSERT INTO transcript_lines (id, room_id, user_id, speaker, text, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
         {random::uuid(), room_id, user_id, speaker, text, at_ms});
}

std::vector<TranscriptLine> transcript(store::Connection& c, const std::string& room_id, size_t limit) {
  auto r = c.exec(
      "SELECT speaker, text, created_at FROM transcript_lines WHERE room_id = $1 ORDER BY created_at, id LIMIT $2",
      {room_id, static_cast<int64_t>(limit)});
  std::vector<TranscriptLine> out;
  for (size_t i = 0; i < r.size(); ++i)
    out.push_back({r.row(i).text("speaker"), r.row(i).text("text"), r.row(i).integer("created_at")});
  return out;
}

std::vector<std::string> add_invitations(store::Connection& c, const std::string& room_id,
                                         const std::string& invited_by, const std::vector<std::string>& emails) {
  std::vector<std::string> added;
  for (const auto& e : emails) {
    auto res = c.exec(
        "INSERT INTO room_invitations (room_id, email, invited_by, invited_at) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT DO NOTHING",
        {room_id, e, invited_by, static_cast<int64_t>(g_get_real_time() / 1000)});
    if (res.affected == 1) added.push_back(e);
  }
  return added;
}

std::vector<std::string> end_idle_instant_rooms(store::Connection& c, int64_t now_ms, int64_t idle_ms) {
  int64_t cutoff = now_ms - idle_ms;
  // Last sign of life: creation, anyone leaving, a chat line, recorded activity.
  auto r = c.exec(
      "SELECT r.id FROM rooms r WHERE r.is_active = 1 AND r.scheduled_at IS NULL AND r.ended_at IS NULL"
      " AND NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL)"
      " AND r.created_at < $1"
      " AND COALESCE(r.last_activity_at, 0) < $1"
      " AND COALESCE((SELECT MAX(p.left_at) FROM room_participants p WHERE p.room_id = r.id), 0) < $1"
      " AND COALESCE((SELECT MAX(m.created_at) FROM chat_messages m WHERE m.room_id = r.id), 0) < $1",
      {cutoff});
  std::vector<std::string> ended;
  for (size_t i = 0; i < r.size(); ++i) {
    std::string id = r.row(i).text("id");
    auto u = c.exec("UPDATE rooms SET is_active = 0, ended_at = $2 WHERE id = $1 AND is_active = 1", {id, now_ms});
    if (u.affected == 1) ended.push_back(id);
  }
  return ended;
}

}  // namespace convene::meeting::meeting_store
