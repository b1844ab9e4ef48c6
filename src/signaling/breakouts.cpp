#include "signaling/breakouts.h"

#include <set>

#include "http/error.h"
#include "rooms/room_access.h"
#include "rooms/room_repository.h"
#include "signaling/signaling_module.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {


std::vector<std::string> string_list(JsonObject* o, const char* field) {
  std::vector<std::string> out;
  JsonArray* a = json::optional_array(o, field);
  if (!a) return out;
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonNode* n = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
      throw json::FieldError(field, std::string("'") + field + "' must be a list of strings");
    out.emplace_back(json_node_get_string(n));
  }
  return out;
}

}  // namespace

Breakouts::Breakouts(SignalingModule& sig) : sig_(sig) {
  auto& http = sig.http();
  http.route("POST", "/rooms/:id/breakouts", [this](http::ExchangePtr ex) { create(ex); });
  http.route("DELETE", "/rooms/:id/breakouts", [this](http::ExchangePtr ex) { remove(ex); });
  http.route("GET", "/rooms/:id/breakouts", [this](http::ExchangePtr ex) { list(ex); });
}

Breakouts::~Breakouts() {
  for (auto& [id, s] : sessions_) clear_timers(s);
}

std::string Breakouts::main_room_of(const std::string& room_id) const {
  auto it = parent_of_.find(room_id);
  return it == parent_of_.end() ? "" : it->second;
}

void Breakouts::clear_timers(Session& s) {
  if (s.warning_timer) g_source_remove(s.warning_timer);
  if (s.end_timer) g_source_remove(s.end_timer);
  s.warning_timer = s.end_timer = 0;
}

void Breakouts::create(http::ExchangePtr ex) {
  auto who = sig_.rooms().authenticator().require(*ex);
  std::string main_id = ex->param("id");
  rooms::LiveRoom* main = sig_.rooms().live(main_id);
  if (!main) throw http::conflict("room_not_live", "breakouts need people in the meeting");
  bool allowed = false;
  for (const rooms::LivePeer* p : main->peers()) allowed |= p->user_id == who.id && rooms::can_moderate(p->role);
  if (!allowed) throw http::forbidden("only the host or a co-host in the meeting can open breakout rooms");
  if (sessions_.count(main_id)) throw http::conflict("breakouts_active", "breakout rooms are already open; close them first");

  JsonObject* body = ex->json_body();
  auto duration = json::optional_int(body, "durationSec");
  if (duration && (*duration < 5 || *duration > 24 * 3600))
    throw json::FieldError("durationSec", "'durationSec' must be 5 to 86400");
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> users;  // per breakout
  std::set<std::string> hosts;
  std::vector<std::string> others;  // non-host users present, in join order
  for (const rooms::LivePeer* p : main->peers()) {
    if (rooms::can_moderate(p->role)) hosts.insert(p->user_id);
    else if (std::find(others.begin(), others.end(), p->user_id) == others.end()) others.push_back(p->user_id);
  }
  if (JsonArray* list = json::optional_array(body, "rooms")) {
    guint n = json_array_get_length(list);
    if (n == 0 || n > 50) throw json::FieldError("rooms", "'rooms' takes 1 to 50 breakout rooms");
    for (guint i = 0; i < n; ++i) {
      JsonNode* node = json_array_get_element(list, i);
      if (!JSON_NODE_HOLDS_OBJECT(node)) throw json::FieldError("rooms", "each breakout room is an object");
      JsonObject* r = json_node_get_object(node);
      names.push_back(json::optional_string(r, "name").value_or("Breakout " + std::to_string(i + 1)));
      std::vector<std::string> members = string_list(r, "userIds");
      for (auto& peer_id : string_list(r, "peerIds")) {
        rooms::LivePeer* p = main->peer(peer_id);
        if (!p) throw json::FieldError("peerIds", "no peer '" + peer_id + "' in the meeting");
        members.push_back(p->user_id);
      }
      users.push_back(members);
    }
  } else {
    int64_t count = json::optional_int(body, "count").value_or(2);
    if (count < 1 || count > 50) throw json::FieldError("count", "'count' must be 1 to 50");
    users.resize(count);
    for (int64_t i = 0; i < count; ++i) names.push_back("Breakout " + std::to_string(i + 1));
    for (size_t i = 0; i < others.size(); ++i) users[i % count].push_back(others[i]);
  }

  rooms::RoomRecord base = main->record();
  std::vector<std::string> host_list(hosts.begin(), hosts.end());
  using Created = std::vector<rooms::RoomRecord>;
  sig_.store().run<Created>(
      [base, names, users, host_list](store::Connection& c) {
        return c.transaction([&] {
          Created out;
          for (size_t i = 0; i < names.size(); ++i) {
            rooms::RoomRecord r;
            r.name = base.name + " — " + names[i];
            r.type = "GROUP";
            r.host_id = base.host_id;
            r.max_participants = base.max_participants;
            r.created_at = timeutil::now_ms();
            r = rooms::room_store::create(c, r);
            for (auto& u : users[i]) rooms::room_store::add_member(c, r.id, u, "PARTICIPANT");
            for (auto& h : host_list) rooms::room_store::add_member(c, r.id, h, "CO_HOST");
            out.push_back(r);
          }
          return out;
        });
      },
      ex->guard([this, ex, main_id, names, users, duration](store::Outcome<Created> out) {
        if (!out.ok()) throw out.error();
        if (sessions_.count(main_id)) throw http::conflict("breakouts_active", "breakout rooms are already open");
        Session s;
        s.main_room_id = main_id;
        for (size_t i = 0; i < out.value().size(); ++i) {
          const auto& r = out.value()[i];
          s.breakout_ids.push_back(r.id);
          s.names[r.id] = names[i];
          for (auto& u : users[i]) s.assignment[u] = r.id;
        }
        if (duration) s.ends_at = timeutil::now_ms() + *duration * 1000;
        start(main_id, std::move(s), ex);
        int64_t warning_sec = sig_.config().get_int("meeting", "breakout_warning_sec");
        if (duration && *duration > warning_sec) {
          struct Tick {
            Breakouts* self;
            std::string main;
            int64_t seconds_left;
          };
          sessions_[main_id].warning_timer = g_timeout_add_seconds_full(
              G_PRIORITY_DEFAULT, static_cast<guint>(*duration - warning_sec),
              [](gpointer p) -> gboolean {
                auto* t = static_cast<Tick*>(p);
                auto it = t->self->sessions_.find(t->main);
                if (it == t->self->sessions_.end()) return G_SOURCE_REMOVE;
                it->second.warning_timer = 0;
                GST_INFO("breakout rooms of %s end in %" G_GINT64_FORMAT " s", t->main.c_str(), t->seconds_left);
                for (auto& bid : it->second.breakout_ids)
                  t->self->sig_.broadcast(bid, std::move(json::Object()
                                                             .set("type", "breakout-ending")
                                                             .set("breakoutId", bid)
                                                             .set("secondsLeft", t->seconds_left)
                                                             .set_time("endsAt", it->second.ends_at)));
                return G_SOURCE_REMOVE;
              },
              new Tick{this, main_id, warning_sec}, [](gpointer p) { delete static_cast<Tick*>(p); });
        }
        if (duration) {
          struct Tick {
            Breakouts* self;
            std::string main;
          };
          sessions_[main_id].end_timer = g_timeout_add_seconds_full(
              G_PRIORITY_DEFAULT, static_cast<guint>(*duration),
              [](gpointer p) -> gboolean {
                auto* t = static_cast<Tick*>(p);
                auto it = t->self->sessions_.find(t->main);
                if (it != t->self->sessions_.end()) {
                  it->second.end_timer = 0;
                  t->self->close(t->main, "timer");
                }
                return G_SOURCE_REMOVE;
              },
              new Tick{this, main_id}, [](gpointer p) { delete static_cast<Tick*>(p); });
        }
      }));
}

void Breakouts::start(const std::string& main_id, Session s, const http::ExchangePtr& ex) {
  for (auto& bid : s.breakout_ids) parent_of_[bid] = main_id;
  // [{id, name, userIds}]: told to the main room and answered to the host.
  auto listing = [&s] {
    json::Array list;
    for (auto& bid : s.breakout_ids) {
      json::Array members;
      for (auto& [u, b] : s.assignment)
        if (b == bid) members.add(std::string_view(u));
      list.add(std::move(json::Object().set("id", bid).set("name", s.names[bid]).set("userIds", std::move(members))));
    }
    return list;
  };
  // Move everyone assigned: told first, then out of the main room and into the breakout.
  std::vector<std::pair<uint64_t, std::string>> moves;
  if (rooms::LiveRoom* main = sig_.rooms().live(main_id))
    for (const rooms::LivePeer* p : main->peers()) {
      auto it = s.assignment.find(p->user_id);
      if (it == s.assignment.end()) continue;
      if (signaling::Session* ss = sig_.session_of_peer(p->peer_id)) moves.emplace_back(ss->id, it->second);
    }
  for (auto& [sid, bid] : moves) {
    signaling::Session* ss = sig_.session(sid);
    if (!ss) continue;
    json::Object m;
    m.set("type", "breakout-assigned").set("breakoutId", bid).set("name", s.names[bid]).set("mainRoomId", main_id)
        .set_time("endsAt", s.ends_at);
    sig_.send(*ss, std::move(m));
    sig_.leave_room(*ss);
    start_join(sig_, sid, bid, "");
  }
  GST_INFO("opened %zu breakout rooms for %s, moved %zu peers", s.breakout_ids.size(), main_id.c_str(), moves.size());
  sig_.broadcast(main_id, std::move(json::Object().set("type", "breakouts-opened").set("mainRoomId", main_id)
                                        .set("breakouts", listing())
                                        .set_time("endsAt", s.ends_at)));
  json::Object body;
  body.set("mainRoomId", main_id).set("breakouts", listing()).set_time("endsAt", s.ends_at);
  sessions_[main_id] = std::move(s);
  ex->json(201, std::move(body));
}

void Breakouts::close(const std::string& main_id, const char* reason) {
  auto it = sessions_.find(main_id);
  if (it == sessions_.end()) return;
  Session s = std::move(it->second);
  sessions_.erase(it);
  clear_timers(s);
  std::vector<uint64_t> returning;
  for (auto& bid : s.breakout_ids) {
    parent_of_.erase(bid);
    rooms::LiveRoom* room = sig_.rooms().live(bid);
    if (!room) continue;
    std::vector<uint64_t> ids;
    for (const rooms::LivePeer* p : room->peers())
      if (signaling::Session* ss = sig_.session_of_peer(p->peer_id)) ids.push_back(ss->id);
    for (auto sid : ids) {
      signaling::Session* ss = sig_.session(sid);
      if (!ss) continue;
      sig_.send(*ss, std::move(json::Object()
                                   .set("type", "breakout-closed")
                                   .set("breakoutId", bid)
                                   .set("mainRoomId", main_id)
                                   .set("reason", reason)));
      sig_.leave_room(*ss);
      returning.push_back(sid);
    }
  }
  // Everyone returns to the main room (unless it ended meanwhile).
  if (std::string(reason) != "room-ended")
    for (auto sid : returning) start_join(sig_, sid, main_id, "");
  auto ids = s.breakout_ids;
  sig_.store().run_void(
      [ids](store::Connection& c) {
        for (auto& id : ids) rooms::room_store::end(c, id, timeutil::now_ms());
      },
      [](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("breakout rooms not marked ended: %s", out.error().what());
      });
  sig_.broadcast(main_id, std::move(json::Object().set("type", "breakouts-closed").set("mainRoomId", main_id).set("reason", reason)));
  GST_INFO("closed the breakout rooms of %s (%s)", main_id.c_str(), reason);
}

void Breakouts::remove(http::ExchangePtr ex) {
  auto who = sig_.rooms().authenticator().require(*ex);
  std::string main_id = ex->param("id");
  if (!sessions_.count(main_id)) throw http::not_found("no breakout rooms are open in this meeting");
  bool allowed = false;
  auto check = [&](const std::string& room_id) {
    if (rooms::LiveRoom* r = sig_.rooms().live(room_id))
      for (const rooms::LivePeer* p : r->peers()) allowed |= p->user_id == who.id && rooms::can_moderate(p->role);
  };
  check(main_id);
  for (auto& bid : sessions_[main_id].breakout_ids) check(bid);
  if (!allowed) throw http::forbidden("only the host or a co-host can close breakout rooms");
  size_t n = sessions_[main_id].breakout_ids.size();
  close(main_id, "closed");
  json::Object body;
  body.set("mainRoomId", main_id).set("closed", static_cast<int64_t>(n));
  ex->json(200, std::move(body));
}

void Breakouts::list(http::ExchangePtr ex) {
  // Names and peers of the breakouts are the meeting's content: admitted
  // members of the main room (and its hosts) only.
  std::string main_id = ex->param("id");
  rooms::with_admitted_member(sig_.store(), sig_.rooms().authenticator(), ex, main_id,
                              [this, ex, main_id](const auth::AuthUser&, const rooms::MemberAccess&) {
                                json::Array list;
                                std::optional<int64_t> ends_at;
                                auto it = sessions_.find(main_id);
                                if (it != sessions_.end()) {
                                  ends_at = it->second.ends_at;
                                  for (auto& bid : it->second.breakout_ids) {
                                    json::Array peers;
                                    if (rooms::LiveRoom* r = sig_.rooms().live(bid))
                                      for (const rooms::LivePeer* p : r->peers()) peers.add(p->to_json());
                                    list.add(std::move(json::Object()
                                                           .set("id", bid)
                                                           .set("name", it->second.names[bid])
                                                           .set("peers", std::move(peers))));
                                  }
                                }
                                json::Object body;
                                body.set("mainRoomId", main_id).set("breakouts", std::move(list)).set_time("endsAt", ends_at);
                                ex->json(200, std::move(body));
                              });
}

void Breakouts::broadcast_all(const std::string& main_id, const std::string& text, const std::string& from_json) {
  auto it = sessions_.find(main_id);
  if (it == sessions_.end()) return;
  auto make = [&] {
    json::Object m;
    m.set("type", "breakout-broadcast").set("text", text).set("from", json::parse(from_json, nullptr));
    return m;
  };
  sig_.broadcast(main_id, make());
  for (auto& bid : it->second.breakout_ids) sig_.broadcast(bid, make());
}

void register_breakout_handlers(HandlerTable& table) {
  table.add("breakout-broadcast", [](MessageContext& ctx) {
    Session& s = ctx.session;
    if (!s.in_room()) throw MessageError("not_in_room", "join a room first");
    if (!rooms::can_moderate(ctx.signaling.role_of(s))) throw MessageError("forbidden", "only the host or a co-host can broadcast to breakout rooms");
    std::string text = json::require_string(ctx.message, "text");
    if (text.empty() || g_utf8_strlen(text.c_str(), -1) > 1000)
      throw MessageError("invalid_field", "a broadcast is 1 to 1000 characters");
    Breakouts& b = ctx.signaling.breakouts();
    std::string main_id = b.main_room_of(s.room_id);
    if (main_id.empty()) main_id = s.room_id;
    if (!b.active(main_id)) throw MessageError("no_breakouts", "no breakout rooms are open");
    json::Object from;
    from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
    b.broadcast_all(main_id, text, std::move(from).to_string());
  });
}

}  // namespace convene::signaling
