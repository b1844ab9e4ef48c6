#include "rooms/rooms_module.h"

#include "auth/auth_module.h"
#include "http/error.h"
#include "rooms/room_access.h"
#include "rooms/room_repository.h"
#include "rooms/stats.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_rooms_debug

namespace convene::rooms {
namespace {

std::optional<int64_t> optional_time(JsonObject* body, const char* field) {
  auto text = json::optional_string(body, field);
  if (!text) return std::nullopt;
  int64_t ms = 0;
  if (!timeutil::ms_from_iso8601(*text, &ms))
    throw json::FieldError(field, std::string("'") + field + "' must be an ISO-8601 date-time with a time zone");
  return ms;
}

WhiteboardLimits whiteboard_limits_from(const config::Config& c) {
  auto size = [&](const char* key) { return static_cast<size_t>(std::max<int64_t>(0, c.get_int("rooms", key))); };
  WhiteboardLimits l;
  l.max_strokes = size("whiteboard_max_strokes");
  l.max_bytes = size("whiteboard_max_bytes");
  l.points_per_sec = c.get_double("rooms", "whiteboard_points_per_sec");
  l.points_burst = c.get_double("rooms", "whiteboard_points_burst");
  l.history_chunk_bytes = size("whiteboard_history_chunk_bytes");
  return l;
}

// A room only its members may see.
void require_member(const std::optional<std::string>& role) {
  if (!role) throw http::forbidden("you are not a member of this room");
}

}  // namespace

RoomsModule::RoomsModule(const config::Config& config, store::Store& store, http::Server& http,
                         const auth::Authenticator& authenticator)
    : store_(store),
      authenticator_(authenticator),
      whiteboard_limits_(whiteboard_limits_from(config)),
      default_max_participants_(config.get_int("rooms", "default_max_participants")) {
  http.route("POST", "/rooms", [this](http::ExchangePtr ex) { create(ex); });
  http.route("GET", "/rooms", [this](http::ExchangePtr ex) { list(ex); });
  http.route("GET", "/rooms/stats", [this](http::ExchangePtr ex) { stats(ex); });
  http.route("GET", "/rooms/:id", [this](http::ExchangePtr ex) { get(ex); });
  http.route("PATCH", "/rooms/:id", [this](http::ExchangePtr ex) { update(ex); });
  http.route("POST", "/rooms/:id/join", [this](http::ExchangePtr ex) { join_by_id(ex); });
  http.route("POST", "/rooms/join/:code", [this](http::ExchangePtr ex) { join_by_invite(ex); });
  http.route("POST", "/rooms/:id/leave", [this](http::ExchangePtr ex) { leave(ex); });
  http.route("POST", "/rooms/:id/end", [this](http::ExchangePtr ex) { end(ex); });
  http.route("GET", "/rooms/:id/messages", [this](http::ExchangePtr ex) { messages(ex); });

  // Stays left open by a crash would count as endless meetings. A cluster
  // node leaves them to the cluster: the open ones may be calls on other
  // nodes (src/cluster closes a dead node's).
  if (!config.get_bool("cluster", "enabled")) {
    store.run<int64_t>(
        [](store::Connection& c) { return room_store::close_dangling_attendance(c, timeutil::now_ms()); },
        [](store::Outcome<int64_t> out) {
          if (out.ok() && out.value() > 0) GST_INFO("closed %" G_GINT64_FORMAT " attendance rows left open", out.value());
        });
  }
}

LiveRoom* RoomsModule::live(const std::string& room_id) {
  auto it = live_.find(room_id);
  return it == live_.end() ? nullptr : it->second.get();
}

LiveRoom& RoomsModule::open_live(const RoomRecord& record) {
  auto& slot = live_[record.id];
  if (!slot) slot = std::make_unique<LiveRoom>(record, whiteboard_limits_);
  return *slot;
}

void RoomsModule::close_live(const std::string& room_id) { live_.erase(room_id); }

void RoomsModule::announce_room_ended(const std::string& room_id) {
  room_ended_listeners_.each([&](const auto& l) { l(room_id); });
  close_live(room_id);
}

void RoomsModule::create(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  JsonObject* body = ex->json_body();
  RoomRecord room;
  room.host_id = who.id;
  room.name = json::optional_string(body, "name").value_or("");
  if (room.name.empty()) room.name = who.username + "'s meeting";
  if (g_utf8_strlen(room.name.c_str(), -1) > 100) throw json::FieldError("name", "'name' must be at most 100 characters");
  room.type = json::optional_string(body, "type").value_or("GROUP");
  if (!valid_room_type(room.type))
    throw json::FieldError("type", "'type' must be ONE_TO_ONE, GROUP or VIRTUAL_ROOM");
  room.max_participants = json::optional_int(body, "maxParticipants").value_or(default_max_participants_);
  if (room.max_participants < 2 || room.max_participants > 1000)
    throw json::FieldError("maxParticipants", "'maxParticipants' must be 2 to 1000");
  if (room.type == "ONE_TO_ONE") room.max_participants = 2;
  room.scheduled_at = optional_time(body, "scheduledAt");
  room.description = json::optional_string(body, "description");
  if (room.description && room.description->size() > 4000)
    throw json::FieldError("description", "'description' must be at most 4000 characters");
  room.duration_min = json::optional_int(body, "durationMin");
  if (room.duration_min && (*room.duration_min < 1 || *room.duration_min > 1440))
    throw json::FieldError("durationMin", "'durationMin' must be 1 to 1440");
  room.lobby_enabled = json::optional_bool(body, "lobbyEnabled").value_or(false);
  room.e2ee = json::optional_bool(body, "e2ee").value_or(false);
  room.created_at = timeutil::now_ms();

  store_.run<RoomRecord>([room](store::Connection& c) { return c.transaction([&] { return room_store::create(c, room); }); },
                               ex->guard([ex](store::Outcome<RoomRecord> out) {
                                 if (!out.ok()) throw out.error();
                                 GST_INFO("room %s created by %s", out.value().id.c_str(), out.value().host_id.c_str());
                                 ex->json(201, out.value().to_json());
                               }));
}

void RoomsModule::list(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::optional<bool> active;
  if (auto a = ex->query("active")) {
    if (*a != "true" && *a != "false") throw json::FieldError("active", "'active' must be true or false");
    active = *a == "true";
  }
  bool upcoming = false;
  if (auto s = ex->query("scheduled")) {
    if (*s != "upcoming") throw json::FieldError("scheduled", "'scheduled' can only be 'upcoming'");
    upcoming = true;
  }
  store_.run<std::vector<RoomRecord>>(
      [uid = who.id, active, upcoming](store::Connection& c) {
        return upcoming ? room_store::upcoming_for_user(c, uid, timeutil::now_ms())
                        : room_store::list_for_user(c, uid, active);
      },
      ex->guard([ex](store::Outcome<std::vector<RoomRecord>> out) {
        if (!out.ok()) throw out.error();
        json::Array rooms;
        for (auto& r : out.value()) rooms.add(r.to_json());
        json::Object body;
        body.set("rooms", std::move(rooms));
        ex->json(200, std::move(body));
      }));
}

void RoomsModule::get(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  using Found = std::pair<std::optional<RoomRecord>, std::optional<std::string>>;
  store_.run<Found>(
      [id = ex->param("id"), uid = who.id](store::Connection& c) {
        return Found{room_store::find(c, id), room_store::role_of(c, id, uid)};
      },
      ex->guard([ex](store::Outcome<Found> out) {
        if (!out.ok()) throw out.error();
        if (!out.value().first) throw http::not_found("no such room");
        require_member(out.value().second);
        json::Object body = out.value().first->to_json();
        body.set("role", *out.value().second);
        ex->json(200, std::move(body));
      }));
}

void RoomsModule::update(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  JsonObject* body = ex->json_body();
  auto name = json::optional_string(body, "name");
  if (name && (name->empty() || g_utf8_strlen(name->c_str(), -1) > 100))
    throw json::FieldError("name", "'name' must be 1 to 100 characters");
  bool has_schedule = json_object_has_member(body, "scheduledAt");
  auto scheduled = optional_time(body, "scheduledAt");
  auto description = json::optional_string(body, "description");
  auto duration = json::optional_int(body, "durationMin");
  if (duration && (*duration < 1 || *duration > 1440)) throw json::FieldError("durationMin", "'durationMin' must be 1 to 1440");
  auto lobby = json::optional_bool(body, "lobbyEnabled");
  struct Updated {
    std::optional<RoomRecord> room;
    std::optional<std::string> role;
  };
  store_.run<Updated>(
      [id = ex->param("id"), uid = who.id, name, has_schedule, scheduled, description, duration, lobby](store::Connection& c) {
        Updated u{room_store::find(c, id), room_store::role_of(c, id, uid)};
        if (!u.room || !u.role || !can_moderate(*u.role)) return u;
        if (name) u.room->name = *name;
        if (has_schedule) u.room->scheduled_at = scheduled;
        if (description) u.room->description = description;
        if (duration) u.room->duration_min = duration;
        if (lobby) u.room->lobby_enabled = *lobby;
        room_store::update(c, *u.room);
        return u;
      },
      ex->guard([this, ex](store::Outcome<Updated> out) {
        if (!out.ok()) throw out.error();
        if (!out.value().room) throw http::not_found("no such room");
        require_member(out.value().role);
        if (!can_moderate(*out.value().role))
          throw http::forbidden("only the host or a co-host can change the room");
        const RoomRecord& r = *out.value().room;
        if (LiveRoom* live = this->live(r.id)) {
          // The live room keeps its host; the rest follows the update.
          std::string host = live->record().host_id;
          live->record() = r;
          live->record().host_id = host;
        }
        ex->json(200, r.to_json());
      }));
}

void RoomsModule::join(const http::ExchangePtr& ex,
                       std::function<std::optional<RoomRecord>(store::Connection&)> find) {
  auto who = authenticator_.require(*ex);
  struct Joined {
    std::optional<RoomRecord> room;
    std::string role;
    std::string refusal;  // "ended" | "full"
  };
  store_.run<Joined>(
      [find = std::move(find), uid = who.id](store::Connection& c) {
        return c.transaction([&]() -> Joined {
          auto room = find(c);
          if (!room) return {};
          if (!room->is_active) return {room, "", "ended"};
          if (auto role = room_store::role_of(c, room->id, uid)) return {room, *role, ""};
          if (room_store::member_count(c, room->id) >= room->max_participants) return {room, "", "full"};
          // Behind a lobby, a new member sees nothing until a host admits them.
          room_store::add_member(c, room->id, uid, "PARTICIPANT", room->lobby_enabled ? "waiting" : "admitted");
          return {room, "PARTICIPANT", ""};
        });
      },
      ex->guard([ex](store::Outcome<Joined> out) {
        if (!out.ok()) throw out.error();
        Joined& j = out.value();
        if (!j.room) throw http::not_found("no such room");
        if (j.refusal == "ended") throw http::conflict("room_ended", "this meeting has ended");
        if (j.refusal == "full") throw http::conflict("room_full", "this meeting is full");
        json::Object body = j.room->to_json();
        body.set("role", j.role);
        ex->json(200, std::move(body));
      }));
}

void RoomsModule::join_by_id(http::ExchangePtr ex) {
  join(ex, [id = ex->param("id")](store::Connection& c) { return room_store::find(c, id); });
}

void RoomsModule::join_by_invite(http::ExchangePtr ex) {
  join(ex, [code = ex->param("code")](store::Connection& c) { return room_store::find_by_invite(c, code); });
}

void RoomsModule::leave(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  using Found = std::pair<std::optional<RoomRecord>, std::optional<std::string>>;
  store_.run<Found>(
      [room_id, uid = who.id](store::Connection& c) {
        Found f{room_store::find(c, room_id), room_store::role_of(c, room_id, uid)};
        if (f.first && f.second && *f.second != "HOST") room_store::remove_member(c, room_id, uid);
        return f;
      },
      ex->guard([this, ex, room_id, uid = who.id](store::Outcome<Found> out) {
        if (!out.ok()) throw out.error();
        if (!out.value().first) throw http::not_found("no such room");
        require_member(out.value().second);
        member_left_listeners_.each([&](const auto& l) { l(room_id, uid); });
        json::Object body;
        body.set("roomId", room_id).set("left", true);
        ex->json(200, std::move(body));
      }));
}

void RoomsModule::end(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  struct Ended {
    std::optional<RoomRecord> room;
    std::optional<std::string> role;
  };
  store_.run<Ended>(
      [room_id, uid = who.id](store::Connection& c) {
        Ended e{room_store::find(c, room_id), room_store::role_of(c, room_id, uid)};
        if (e.room && e.role == "HOST" && e.room->is_active) {
          room_store::end(c, room_id, timeutil::now_ms());
          e.room = room_store::find(c, room_id);
        }
        return e;
      },
      ex->guard([this, ex, room_id](store::Outcome<Ended> out) {
        if (!out.ok()) throw out.error();
        if (!out.value().room) throw http::not_found("no such room");
        if (out.value().role != "HOST") throw http::forbidden("only the host can end this meeting");
        GST_INFO("room %s ended by its host", room_id.c_str());
        announce_room_ended(room_id);
        ex->json(200, out.value().room->to_json());
      }));
}

void RoomsModule::messages(http::ExchangePtr ex) {
  authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  std::optional<int64_t> before;
  if (auto b = ex->query("before"); b && !b->empty()) {
    int64_t ms = 0;
    if (timeutil::ms_from_iso8601(*b, &ms)) before = ms;
    else throw json::FieldError("before", "'before' must be an ISO-8601 date-time (a message's createdAt)");
  }
  int64_t limit = 50;
  if (auto l = ex->query("limit")) {
    limit = g_ascii_strtoll(l->c_str(), nullptr, 10);
    if (limit < 1 || limit > 200) throw json::FieldError("limit", "'limit' must be 1 to 200");
  }
  with_admitted_member(store_, authenticator_, ex, room_id, [this, ex, room_id, before, limit](const auth::AuthUser&, const MemberAccess&) {
    store_.run<std::vector<ChatMessage>>(
        [room_id, before, limit](store::Connection& c) { return room_store::chat_page(c, room_id, before, limit); },
        ex->guard([ex](store::Outcome<std::vector<ChatMessage>> out) {
          if (!out.ok()) throw out.error();
          json::Array list;
          for (auto& m : out.value()) {
            json::Object from;
            from.set("userId", m.user_id).set("username", m.username);
            json::Object o;
            o.set("id", m.id).set("roomId", m.room_id).set("from", std::move(from)).set("kind", m.kind)
                .set("content", m.content).set_time("createdAt", m.created_at);
            list.add(std::move(o));
          }
          json::Object body;
          body.set("messages", std::move(list));
          ex->json(200, std::move(body));
        }));
  });
}

void RoomsModule::stats(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  // Built on the worker as text: outcomes cross threads by copy.
  store_.run<std::string>(
      [uid = who.id](store::Connection& c) { return user_stats(c, uid, timeutil::now_ms()).to_string(); },
      ex->guard([ex](store::Outcome<std::string> out) {
        if (!out.ok()) throw out.error();
        ex->json(200, json::parse(out.value(), nullptr));
      }));
}

}  // namespace convene::rooms
