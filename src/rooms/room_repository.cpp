#include "rooms/room_repository.h"

#include <glib.h>

#include <cstdint>

#include "util/random.h"

namespace convene::rooms::room_store {
namespace {

constexpr const char* kRoomColumns =
    "r.id, r.name, r.type, r.invite_code, r.host_id, r.is_active, r.max_participants, r.created_at,"
    " r.scheduled_at, r.ended_at, r.description, r.duration_min, r.lobby_enabled, r.e2ee";

RoomRecord room_from(const store::Row& row) {
  RoomRecord r;
  r.id = row.text("id");
  r.name = row.text("name");
  r.type = row.text("type");
  r.invite_code = row.text("invite_code");
  r.host_id = row.text("host_id");
  r.is_active = row.boolean("is_active");
  r.max_participants = row.integer("max_participants");
  r.created_at = row.integer("created_at");
  r.scheduled_at = row.opt_integer("scheduled_at");
  r.ended_at = row.opt_integer("ended_at");
  r.description = row.opt_text("description");
  r.duration_min = row.opt_integer("duration_min");
  r.lobby_enabled = row.boolean("lobby_enabled");
  r.e2ee = row.boolean("e2ee");
  return r;
}

std::vector<RoomRecord> rooms_from(const store::Result& res) {
  std::vector<RoomRecord> out;
  for (size_t i = 0; i < res.size(); ++i) out.push_back(room_from(res.row(i)));
  return out;
}

ChatMessage chat_from(const store::Row& row) {
  return {row.text("id"),   row.text("room_id"), row.text("user_id"),      row.text("username"),
          row.text("kind"), row.text("content"), row.integer("created_at")};
}

}  // namespace

RoomRecord create(store::Connection& c, RoomRecord room) {
  room.id = random::uuid();
  // Invite codes are short and readable; retry the rare collision.
  for (int attempt = 0;; ++attempt) {
    room.invite_code = random::readable_code(10);
    try {
      c.exec(
          "INSERT INTO rooms (id, name, type, invite_code, host_id, is_active, max_participants, created_at,"
          " scheduled_at, description, duration_min, lobby_enabled, last_activity_at, e2ee)"
          " VALUES ($1,$2,$3,$4,$5,1,$6,$7,$8,$9,$10,$11,$7,$12)",
          {room.id, room.name, room.type, room.invite_code, room.host_id, room.max_participants, room.created_at,
           room.scheduled_at, room.description, room.duration_min, room.lobby_enabled, room.e2ee});
      break;
    } catch (const store::Error& e) {
      if (e.kind != store::ErrorKind::Conflict || attempt >= 3) throw;
    }
  }
  add_member(c, room.id, room.host_id, "HOST");
  return room;
}

std::optional<RoomRecord> find(store::Connection& c, const std::string& id) {
  auto r = c.exec(std::string("SELECT ") + kRoomColumns + " FROM rooms r WHERE r.id = $1", {id});
  if (r.empty()) return std::nullopt;
  return room_from(r.row(0));
}

std::optional<RoomRecord> find_by_invite(store::Connection& c, const std::string& code) {
  auto r = c.exec(std::string("SELECT ") + kRoomColumns + " FROM rooms r WHERE r.invite_code = $1", {code});
  if (r.empty()) return std::nullopt;
  return room_from(r.row(0));
}

std::vector<RoomRecord> list_for_user(store::Connection& c, const std::string& user_id, std::optional<bool> active) {
  std::string sql = std::string("SELECT ") + kRoomColumns +
                    " FROM rooms r WHERE (r.host_id = $1 OR EXISTS (SELECT 1 FROM room_members m"
                    " WHERE m.room_id = r.id AND m.user_id = $1 AND m.status <> 'kicked'))";
  store::Params params = {user_id};
  if (active) {
    sql += " AND r.is_active = $2";
    params.emplace_back(*active);
  }
  sql += " ORDER BY r.created_at DESC, r.id LIMIT 500";
  return rooms_from(c.exec(sql, params));
}

std::vector<RoomRecord> upcoming_for_user(store::Connection& c, const std::string& user_id, int64_t now_ms) {
  return rooms_from(c.exec(std::string("SELECT ") + kRoomColumns +
                               " FROM rooms r WHERE (r.host_id = $1 OR EXISTS (SELECT 1 FROM room_members m"
                               " WHERE m.room_id = r.id AND m.user_id = $1 AND m.status <> 'kicked'))"
                               " AND r.scheduled_at IS NOT NULL"
                               " AND r.scheduled_at > $2 AND r.is_active = 1 ORDER BY r.scheduled_at, r.id",
                           {user_id, now_ms}));
}

std::optional<std::string> role_of(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  auto r = c.exec("SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2", {room_id, user_id});
  if (r.empty()) return std::nullopt;
  return r.row(0).text("role");
}

int64_t member_count(store::Connection& c, const std::string& room_id) {
  return c.exec("SELECT COUNT(*) AS n FROM room_members WHERE room_id = $1", {room_id}).row(0).integer("n");
}

void add_member(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& role,
                const std::string& status) {
  c.exec(
      "INSERT INTO room_members (room_id, user_id, role, joined_at, status) VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT DO NOTHING",
      {room_id, user_id, role, static_cast<int64_t>(g_get_real_time() / 1000), status});
}

void remove_member(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  c.exec("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 AND role <> 'HOST' AND status <> 'kicked'",
         {room_id, user_id});
}

std::optional<std::string> status_of(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  auto r = c.exec("SELECT status FROM room_members WHERE room_id = $1 AND user_id = $2", {room_id, user_id});
  if (r.empty()) return std::nullopt;
  return r.row(0).text("status");
}

void set_status(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& status) {
  c.exec("UPDATE room_members SET status = $3 WHERE room_id = $1 AND user_id = $2", {room_id, user_id, status});
}

std::vector<std::string> hard_mutes(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  auto r = c.exec("SELECT source FROM room_host_mutes WHERE room_id = $1 AND user_id = $2 ORDER BY source",
                  {room_id, user_id});
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.row(i).text("source"));
  return out;
}

void set_hard_mute(store::Connection& c, const std::string& room_id, const std::string& user_id,
                   const std::string& source, const std::string& by_user_id, bool held) {
  if (!held) {
    c.exec("DELETE FROM room_host_mutes WHERE room_id = $1 AND user_id = $2 AND source = $3", {room_id, user_id, source});
    return;
  }
  c.exec(
      "INSERT INTO room_host_mutes (room_id, user_id, source, muted_by, muted_at) VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (room_id, user_id, source) DO UPDATE SET muted_by = $4, muted_at = $5",
      {room_id, user_id, source, by_user_id, static_cast<int64_t>(g_get_real_time() / 1000)});
}

void set_role(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& role) {
  c.exec("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2", {room_id, user_id, role});
}

void set_host(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  c.transaction([&] {
    c.exec("UPDATE room_members SET role = 'CO_HOST' WHERE room_id = $1 AND role = 'HOST'", {room_id});
    add_member(c, room_id, user_id, "HOST");
    c.exec("UPDATE room_members SET role = 'HOST', status = 'admitted' WHERE room_id = $1 AND user_id = $2",
           {room_id, user_id});
    c.exec("UPDATE rooms SET host_id = $2 WHERE id = $1", {room_id, user_id});
  });
}

void update(store::Connection& c, const RoomRecord& r) {
  c.exec(
      "UPDATE rooms SET name = $2, scheduled_at = $3, description = $4, duration_min = $5, lobby_enabled = $6"
      " WHERE id = $1",
      {r.id, r.name, r.scheduled_at, r.description, r.duration_min, r.lobby_enabled});
}

bool end(store::Connection& c, const std::string& room_id, int64_t now_ms) {
  return c.exec("UPDATE rooms SET is_active = 0, ended_at = $2 WHERE id = $1 AND is_active = 1", {room_id, now_ms})
             .affected == 1;
}

void attendance_start(store::Connection& c, const std::string& attendance_id, const std::string& room_id,
                      const std::string& user_id, const std::string& role, int64_t now_ms) {
  c.exec("INSERT INTO room_participants (id, room_id, user_id, role, joined_at) VALUES ($1,$2,$3,$4,$5)",
         {attendance_id, room_id, user_id, role, now_ms});
  c.exec("UPDATE rooms SET last_activity_at = $2 WHERE id = $1", {room_id, now_ms});
}

void attendance_stop(store::Connection& c, const std::string& attendance_id, int64_t now_ms) {
  c.exec("UPDATE room_participants SET left_at = $2 WHERE id = $1 AND left_at IS NULL", {attendance_id, now_ms});
  c.exec("UPDATE rooms SET last_activity_at = $2 WHERE id = (SELECT room_id FROM room_participants WHERE id = $1)",
         {attendance_id, now_ms});
}

int64_t close_dangling_attendance(store::Connection& c, int64_t now_ms) {
  // A crash left these open: close them at their room's last known activity, or now.
  return c
      .exec(
          "UPDATE room_participants SET left_at = COALESCE((SELECT MAX(r.last_activity_at) FROM rooms r"
          " WHERE r.id = room_participants.room_id AND r.last_activity_at >= room_participants.joined_at), $1)"
          " WHERE left_at IS NULL",
          {now_ms})
      .affected;
}

ChatMessage add_chat(store::Connection& c, ChatMessage m) {
  m.id = random::uuid();
  c.exec("INSERT INTO chat_messages (id, room_id, user_id, kind, content, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
         {m.id, m.room_id, m.user_id, m.kind, m.content, m.created_at});
  c.exec("UPDATE rooms SET last_activity_at = $2 WHERE id = $1", {m.room_id, m.created_at});
  return m;
}

std::vector<ChatMessage> chat_page(store::Connection& c, const std::string& room_id, std::optional<int64_t> before_ms,
                                   int64_t limit) {
  auto r = c.exec(
      "SELECT m.id, m.room_id, m.user_id, u.username, m.kind, m.content, m.created_at FROM chat_messages m"
      " JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 AND m.created_at < $2"
      " ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
      {room_id, before_ms.value_or(INT64_MAX), limit});
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(chat_from(r.row(i)));
  return out;
}

}  // namespace convene::rooms::room_store
