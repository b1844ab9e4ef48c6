#include "signaling/signaling_module.h"

#include "http/error.h"
#include "rooms/room_repository.h"
#include "signaling/host_handover.h"
#include "signaling/media_handlers.h"
#include "signaling/whiteboard_handlers.h"
#include "util/log.h"
#include "util/random.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {

SignalingModule::SignalingModule(const config::Config& config, http::Server& http, store::Store& store,
                                 rooms::RoomsModule& rooms, meeting::MeetingModule* meeting, media::Sfu* media,
                                 metrics::ServerMetrics& metrics)
    : config_(config),
      metrics_(metrics),
      http_(http),
      store_(store),
      rooms_(rooms),
      meeting_(meeting),
      media_(media),
      ping_interval_sec_(config.get_int("signaling", "ping_interval_sec")),
      max_message_bytes_(config.get_int("signaling", "max_message_bytes")),
      max_messages_per_sec_(config.get_double("signaling", "max_messages_per_sec")),
      message_burst_(config.get_double("signaling", "message_burst")),
      max_connections_per_user_(config.get_int("signaling", "max_connections_per_user")),
      chat_max_chars_(config.get_int("rooms", "chat_max_chars")),
      chat_image_max_bytes_(config.get_int("rooms", "chat_image_max_bytes")),
      chat_history_(config.get_int("rooms", "chat_history")) {
  for (auto& r : config.get_list("rooms", "reactions")) reactions_.insert(r);
  ice_.stun_urls = config.get_list("ice", "stun_urls");
  ice_.turn_urls = config.get_list("ice", "turn_urls");
  ice_.turn_secret = config.get_string("ice", "turn_secret");
  ice_.turn_ttl_sec = config.get_int("ice", "turn_ttl_sec");

  register_room_handlers(handlers_);
  register_chat_handlers(handlers_);
  register_whiteboard_handlers(handlers_);
  register_relay_handlers(handlers_);
  register_control_handlers(handlers_);
  register_qa_handlers(handlers_);
  register_breakout_handlers(handlers_);
  register_media_handlers(handlers_);
  breakouts_ = std::make_unique<Breakouts>(*this);
  if (media_) {
    media_events_ = std::make_unique<MediaEvents>(*this);
    media_listening_ = media_->add_peer_listener(*media_events_);
  }

  const auth::Authenticator& authn = rooms_.authenticator();
  http_.add_websocket(
      "/ws",
      [this, &authn](http::Exchange& req) -> std::optional<http::UpgradeRefusal> {
        auto token = req.query("token");
        std::optional<auth::AuthUser> user;
        if (token) user = authn.identify_websocket_token(*token);
        if (!user) user = authn.identify(req);  // browsers may rely on the cookie
        if (!user) return http::UpgradeRefusal{401, "unauthorized", "a valid token is required (?token=...)"};
        req.attributes()["user_id"] = user->id;
        req.attributes()["username"] = user->username;
        return reserve_connection(req, user->id);
      },
      [this](SoupWebsocketConnection* ws, const std::map<std::string, std::string>& attrs) { on_open(ws, attrs); });

  rooms_listening_.push_back(rooms_.add_room_ended_listener([this](const std::string& room_id) { room_ended(room_id); }));
  rooms_listening_.push_back(rooms_.add_member_left_listener([this](const std::string& room_id, const std::string& user_id) {
    std::vector<uint64_t> ids;
    for (auto& [id, c] : connections_)
      if (c.session->room_id == room_id && c.session->user_id == user_id) ids.push_back(id);
    for (auto id : ids)
      if (Session* s = session(id)) {
        leave_room(*s);
        send(*s, std::move(json::Object().set("type", "room-left").set("roomId", room_id)));
      }
  }));

  heartbeat_timer_ = g_timeout_add_seconds(static_cast<guint>(std::max<int64_t>(1, ping_interval_sec_)),
                                           [](gpointer self) -> gboolean {
                                             static_cast<SignalingModule*>(self)->check_heartbeats();
                                             return G_SOURCE_CONTINUE;
                                           },
                                           this);
}

std::optional<http::UpgradeRefusal> SignalingModule::reserve_connection(http::Exchange& req, const std::string& user_id) {
  // Open connections plus upgrades accepted but not open yet (the handshake
  // finishes after this check): parallel upgrades cannot slip past the cap.
  int64_t now = timeutil::monotonic_us();
  std::erase_if(pending_upgrades_, [now](const auto& p) { return p.second.expires_us < now; });
  int64_t held = 0;
  for (auto& [id, c] : connections_)
    if (c.session->user_id == user_id) ++held;
  for (auto& [id, p] : pending_upgrades_)
    if (p.user_id == user_id) ++held;
  if (held >= max_connections_per_user_) {
    GST_WARNING("user %s already holds %" G_GINT64_FORMAT " WebSockets; refusing another", user_id.c_str(), held);
    return http::UpgradeRefusal{429, "too_many_connections",
                                "this account already has " + std::to_string(held) +
                                    " open connections (the limit); close one first"};
  }
  uint64_t id = next_upgrade_id_++;
  // A handshake that never completes gives its place back after this long.
  pending_upgrades_[id] = PendingUpgrade{user_id, now + 10 * G_USEC_PER_SEC};
  req.attributes()["upgrade_id"] = std::to_string(id);
  return std::nullopt;
}

void SignalingModule::close_user_connections(const std::string& user_id, int code, const std::string& reason) {
  std::vector<uint64_t> ids;
  for (auto& [id, c] : connections_)
    if (c.session->user_id == user_id) ids.push_back(id);
  std::erase_if(pending_upgrades_, [&](const auto& p) { return p.second.user_id == user_id; });
  for (auto id : ids) {
    GST_INFO("closing session %" G_GUINT64_FORMAT " of user %s: %s", id, user_id.c_str(), reason.c_str());
    drop(id, code, reason);
  }
}

SignalingModule::~SignalingModule() {
  if (heartbeat_timer_) g_source_remove(heartbeat_timer_);
  for (auto& [id, c] : connections_) g_signal_handlers_disconnect_by_data(c.ws.get(), c.signal_data);
}

Session* SignalingModule::session(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.session.get();
}

Session* SignalingModule::session_of_peer(const std::string& peer_id) {
  auto it = peer_sessions_.find(peer_id);
  return it == peer_sessions_.end() ? nullptr : session(it->second);
}

json::Array SignalingModule::ice_servers(const std::string& user_id) const {
  return ice_servers_for(ice_, user_id, timeutil::now_ms() / 1000);
}

namespace {

struct OpenData {
  SignalingModule* module;
  uint64_t session_id;
};

}  // namespace

void SignalingModule::on_open(SoupWebsocketConnection* ws, const std::map<std::string, std::string>& attrs) {
  if (shutting_down_) {
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
    return;
  }
  if (auto up = attrs.find("upgrade_id"); up != attrs.end())
    pending_upgrades_.erase(g_ascii_strtoull(up->second.c_str(), nullptr, 10));
  uint64_t id = next_session_id_++;
  auto s = std::make_unique<Session>();
  s->id = id;
  s->user_id = attrs.at("user_id");
  s->username = attrs.at("username");
  s->last_pong_us = timeutil::monotonic_us();
  s->limiter = MessageRateLimiter(max_messages_per_sec_, message_burst_);
  s->send_text = [ws](const std::string& text) {
    if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text(ws, text.c_str());
  };
  s->close = [ws](int code, const std::string& reason) {
    if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws, static_cast<gushort>(code), reason.c_str());
  };
  // We refuse messages over the limit ourselves, with a proper close frame;
  // libsoup's own (abrupt) limit only guards memory far above it.
  soup_websocket_connection_set_max_incoming_payload_size(ws, static_cast<guint64>(max_message_bytes_) * 4);
  soup_websocket_connection_set_keepalive_interval(ws, static_cast<guint>(ping_interval_sec_));

  auto* data = new OpenData{this, id};
  auto free_data = [](gpointer p, GClosure*) { delete static_cast<OpenData*>(p); };
  g_signal_connect_data(ws, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* msg, gpointer p) {
                          auto* d = static_cast<OpenData*>(p);
                          Session* s = d->module->session(d->session_id);
                          if (!s || s->closing) return;
                          if (type != SOUP_WEBSOCKET_DATA_TEXT) {
                            d->module->send_error(*s, "bad_message", "only text (JSON) messages are understood", "");
                            return;
                          }
                          gsize n = 0;
                          const char* text = static_cast<const char*>(g_bytes_get_data(msg, &n));
                          d->module->on_text(*s, std::string(text ? text : "", n));
                        }),
                        data, free_data, GConnectFlags(0));
  g_signal_connect(ws, "pong", G_CALLBACK(+[](SoupWebsocketConnection*, GBytes*, gpointer p) {
                     auto* d = static_cast<OpenData*>(p);
                     if (Session* s = d->module->session(d->session_id)) s->last_pong_us = timeutil::monotonic_us();
                   }),
                   data);
  g_signal_connect(ws, "closed", G_CALLBACK(+[](SoupWebsocketConnection* conn, gpointer p) {
                     auto* d = static_cast<OpenData*>(p);
                     d->module->drop(d->session_id, soup_websocket_connection_get_close_code(conn), "closed");
                   }),
                   data);
  connections_[id] = Connection{std::move(s), retain(ws), data};
  metrics_.ws_sessions_opened.with({}).inc();
  metrics_.ws_sessions.with({}).set(static_cast<double>(connections_.size()));
  GST_INFO("session %" G_GUINT64_FORMAT " opened for user %s", id, attrs.at("user_id").c_str());
}

void SignalingModule::on_text(Session& s, const std::string& text) {
  if (text.size() > static_cast<size_t>(max_message_bytes_)) {
    GST_WARNING("session %" G_GUINT64_FORMAT " sent %zu bytes; closing", s.id, text.size());
    uint64_t id = s.id;
    s.close(SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message larger than " + std::to_string(max_message_bytes_) + " bytes");
    drop(id, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "too big");
    return;
  }
  if (!s.limiter.allow(timeutil::monotonic_us())) {
    GST_WARNING("session %" G_GUINT64_FORMAT " flooded; closing", s.id);
    uint64_t id = s.id;
    s.close(SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "message rate limit exceeded");
    drop(id, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "flood");
    return;
  }
  std::string err;
  auto node = json::parse(text, &err);
  if (!node || !JSON_NODE_HOLDS_OBJECT(node.get())) {
    send_error(s, "malformed_json", node ? "a message must be a JSON object" : "not valid JSON: " + err, "");
    return;
  }
  JsonObject* msg = json_node_get_object(node.get());
  std::string request_id;
  std::string type;
  try {
    if (auto rid = json::optional_string(msg, "requestId")) request_id = *rid;
    type = json::require_string(msg, "type");
  } catch (const json::FieldError& e) {
    send_error(s, "bad_message", e.what(), request_id);
    return;
  }
  uint64_t id = s.id;
  // Log lines while handling carry these; only known types become labels.
  log::Scope scope{{"session_id", std::to_string(id)}, {"room_id", s.room_id}, {"peer_id", s.peer_id},
                   {"request_id", request_id}};
  bool known = handlers_.find(type) != nullptr;  // media messages are registered there too
  metrics_.ws_messages_received.with({known ? type : "unknown"}).inc();
  try {
    if (const MessageHandler* h = handlers_.find(type)) {
      MessageContext ctx{*this, s, msg, request_id};
      (*h)(ctx);
    } else {
      throw MessageError("unknown_type", "unknown message type '" + type + "'");
    }
  } catch (const MessageError& e) {
    if (Session* still = session(id)) send_error(*still, e.code, e.what(), request_id);
  } catch (const media::Refusal& e) {
    if (Session* still = session(id)) send_error(*still, e.code, e.what(), request_id);
  } catch (const json::FieldError& e) {
    if (Session* still = session(id)) send_error(*still, "invalid_field", e.what(), request_id);
  } catch (const std::exception& e) {
    GST_ERROR("handling '%s' failed: %s", type.c_str(), e.what());
    if (Session* still = session(id)) send_error(*still, "internal_error", "the server failed to handle that message", request_id);
  }
}

void SignalingModule::send(Session& s, json::Object&& message, const std::string& request_id) {
  if (!request_id.empty()) message.set("requestId", request_id);
  s.send_text(std::move(message).to_string());
}

void SignalingModule::send_error(Session& s, const std::string& code, const std::string& message,
                                 const std::string& request_id) {
  json::Object m;
  m.set("type", "error").set("code", code).set("message", message);
  // The one log line of every error a client is sent.
  metrics_.ws_errors_sent.with({code}).inc();
  log::Scope scope{{"session_id", std::to_string(s.id)}, {"room_id", s.room_id}, {"peer_id", s.peer_id},
                   {"request_id", request_id}};
  GST_INFO("session %" G_GUINT64_FORMAT " sent error %s: %s (request %s)", s.id, code.c_str(), message.c_str(),
           request_id.empty() ? "-" : request_id.c_str());
  send(s, std::move(m), request_id);
}

void SignalingModule::enter_room(Session& s, const rooms::RoomRecord& record, const std::string& role, json::Array chat,
                                 const std::string& request_id) {
  // One session is in one room or one lobby: entering a room leaves both.
  if (s.in_room()) leave_room(s);
  leave_lobby(s, "left");
  rooms::LiveRoom& room = rooms_.open_live(record);
  rooms::LivePeer peer;
  peer.peer_id = random::hex_token(8);
  peer.user_id = s.user_id;
  peer.username = s.username;
  peer.role = role;
  peer.attendance_id = random::uuid();
  peer.joined_at = timeutil::now_ms();
  s.room_id = record.id;
  s.peer_id = peer.peer_id;
  peer_sessions_[peer.peer_id] = s.id;

  json::Array others;
  for (const rooms::LivePeer* p : room.peers()) others.add(p->to_json());
  rooms::LivePeer& added = room.add_peer(peer);

  store_.run_void(
      [peer, room_id = record.id](store::Connection& c) {
        rooms::room_store::attendance_start(c, peer.attendance_id, room_id, peer.user_id, peer.role, peer.joined_at);
      },
      [](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("attendance not recorded: %s", out.error().what());
      });

  json::Object joined;
  joined.set("type", "room-joined")
      .set("roomId", record.id)
      .set("room", record.to_json())
      .set("peerId", added.peer_id)
      .set("role", role)
      .set("mediaMode", record.media_mode())
      .set("peers", std::move(others))
      .set("iceServers", ice_servers(s.user_id))
      .set("chat", std::move(chat));
  auto pq = pending_questions_.find(s.id);
  if (pq != pending_questions_.end()) {
    joined.set("questions", std::move(pq->second));
    pending_questions_.erase(pq);
  } else {
    joined.set("questions", json::Array());
  }
  bool host_like = rooms::can_moderate(role);
  json::Array waiting;
  if (host_like)
    for (const rooms::LobbyEntry* e : room.lobby_in_order()) waiting.add(e->to_json());
  joined.set("lobby", std::move(waiting));
  send(s, std::move(joined), request_id);
  send_whiteboard_history(*this, s, room.whiteboard());
  // A host who arrives late sees everyone waiting.
  if (host_like)
    for (const rooms::LobbyEntry* e : room.lobby_in_order())
      send(s, std::move(json::Object().set("type", "lobby-request").set("lobbyId", e->lobby_id).set("user", std::move(json::Object().set("userId", e->user_id).set("username", e->username)))));
  broadcast(record.id, std::move(json::Object().set("type", "peer-joined").set("peer", added.to_json())), added.peer_id);
  GST_INFO("peer %s (%s) joined room %s", added.peer_id.c_str(), s.username.c_str(), record.id.c_str());
  if (uses_sfu(room))
    media_->peer_joined(record.id, media::MediaPeer{added.peer_id, s.user_id, s.username, rooms::can_publish(role)});
}

void SignalingModule::leave_room(Session& s) {
  if (!s.in_room()) return;
  std::string room_id = s.room_id, peer_id = s.peer_id;
  s.room_id.clear();
  s.peer_id.clear();
  peer_sessions_.erase(peer_id);
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) return;
  std::string attendance;
  if (rooms::LivePeer* p = room->peer(peer_id)) attendance = p->attendance_id;
  bool sfu = uses_sfu(*room);
  bool was_host = false;
  if (rooms::LivePeer* p = room->peer(peer_id)) was_host = p->role == "HOST";
  room->remove_peer(peer_id);
  if (!attendance.empty())
    store_.run_void(
        [attendance](store::Connection& c) { rooms::room_store::attendance_stop(c, attendance, timeutil::now_ms()); },
        [](store::Outcome<store::Unit> out) {
          if (!out.ok()) GST_WARNING("attendance not closed: %s", out.error().what());
        });
  if (sfu) media_->peer_left(room_id, peer_id);
  broadcast(room_id, std::move(json::Object().set("type", "peer-left").set("peerId", peer_id)));
  GST_INFO("peer %s left room %s", peer_id.c_str(), room_id.c_str());
  if (was_host) hand_over_host(*this, *room, peer_id);
  if (room->peer_count() == 0 && room->lobby().empty()) rooms_.close_live(room_id);
}

std::string SignalingModule::enter_room_remote(const rooms::RoomRecord& record, const std::string& user_id,
                                               const std::string& username, const std::string& role) {
  rooms::LiveRoom& room = rooms_.open_live(record);
  rooms::LivePeer peer;
  peer.peer_id = random::hex_token(8);
  peer.user_id = user_id;
  peer.username = username;
  peer.role = role;
  peer.joined_at = timeutil::now_ms();
  rooms::LivePeer& added = room.add_peer(peer);
  broadcast(record.id, std::move(json::Object().set("type", "peer-joined").set("peer", added.to_json())), added.peer_id);
  GST_INFO("remote peer %s (%s) joined room %s", added.peer_id.c_str(), username.c_str(), record.id.c_str());
  if (uses_sfu(room)) {
    media::MediaPeer mp{added.peer_id, user_id, username, rooms::can_publish(role)};
    mp.receives = false;
    media_->peer_joined(record.id, mp);
  }
  return added.peer_id;
}

void SignalingModule::leave_room_remote(const std::string& room_id, const std::string& peer_id) {
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room || !room->peer(peer_id)) {
    if (media_) media_->peer_left(room_id, peer_id);
    return;
  }
  bool sfu = uses_sfu(*room);
  room->remove_peer(peer_id);
  if (sfu) media_->peer_left(room_id, peer_id);
  broadcast(room_id, std::move(json::Object().set("type", "peer-left").set("peerId", peer_id)));
  GST_INFO("remote peer %s left room %s", peer_id.c_str(), room_id.c_str());
  if (room->peer_count() == 0 && room->lobby().empty()) rooms_.close_live(room_id);
}

void SignalingModule::remove_remote_peer(const std::string& room_id, const std::string& peer_id) {
  leave_room_remote(room_id, peer_id);
  remote_peer_removed_.each([&](const auto& l) { l(room_id, peer_id); });
}

rooms::LivePeer* SignalingModule::peer_of(Session& s) {
  rooms::LiveRoom* room = s.in_room() ? rooms_.live(s.room_id) : nullptr;
  return room ? room->peer(s.peer_id) : nullptr;
}

std::string SignalingModule::role_of(const Session& s) {
  rooms::LiveRoom* room = s.in_room() ? rooms_.live(s.room_id) : nullptr;
  rooms::LivePeer* p = room ? room->peer(s.peer_id) : nullptr;
  return p ? p->role : std::string();
}

void SignalingModule::set_role(rooms::LiveRoom& room, rooms::LivePeer& peer, const std::string& role) {
  const bool could_publish = rooms::can_publish(peer.role);
  peer.role = role;
  if (uses_sfu(room) && could_publish != rooms::can_publish(role))
    media_->set_can_publish(room.id(), peer.peer_id, rooms::can_publish(role));
}

bool SignalingModule::uses_sfu(const rooms::LiveRoom& room) const {
  return media_ && std::string(room.record().media_mode()) == "sfu";
}

void SignalingModule::set_pending_questions(uint64_t session_id, JsonNodePtr questions) {
  if (questions && JSON_NODE_HOLDS_ARRAY(questions.get())) pending_questions_[session_id] = std::move(questions);
}

void SignalingModule::send_to_hosts(const std::string& room_id, json::Object&& message) {
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) return;
  std::string text = std::move(message).to_string();
  for (const rooms::LivePeer* p : room->peers())
    if (rooms::can_moderate(p->role))
      if (Session* s = session_of_peer(p->peer_id)) s->send_text(text);
}

void SignalingModule::wait_in_lobby(Session& s, const rooms::RoomRecord& record, const std::string& role,
                                    const std::string& request_id) {
  if (s.in_room()) leave_room(s);
  leave_lobby(s, "left");
  rooms::LiveRoom& room = rooms_.open_live(record);
  rooms::LobbyEntry e{random::hex_token(8), s.id, s.user_id, s.username, role, timeutil::now_ms()};
  room.lobby()[e.lobby_id] = e;
  s.waiting_room_id = record.id;
  s.lobby_id = e.lobby_id;
  send(s, std::move(json::Object().set("type", "lobby-waiting").set("roomId", record.id).set("lobbyId", e.lobby_id)),
       request_id);
  json::Object user;
  user.set("userId", e.user_id).set("username", e.username);
  send_to_hosts(record.id, std::move(json::Object().set("type", "lobby-request").set("lobbyId", e.lobby_id).set("user", std::move(user))));
  GST_INFO("%s waits in the lobby of room %s", s.username.c_str(), record.id.c_str());
}

void SignalingModule::leave_lobby(Session& s, const char* outcome) {
  if (s.waiting_room_id.empty()) return;
  std::string room_id = s.waiting_room_id, lobby_id = s.lobby_id;
  s.waiting_room_id.clear();
  s.lobby_id.clear();
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) return;
  room->lobby().erase(lobby_id);
  send_to_hosts(room_id, std::move(json::Object().set("type", "lobby-resolved").set("lobbyId", lobby_id).set("outcome", outcome)));
  if (room->peer_count() == 0 && room->lobby().empty()) rooms_.close_live(room_id);
}

void SignalingModule::send_to_peer(const std::string& room_id, const std::string& peer_id, json::Object&& message,
                                   const std::string& request_id) {
  Session* s = session_of_peer(peer_id);
  if (!s || s->room_id != room_id) return;
  send(*s, std::move(message), request_id);
}

void SignalingModule::broadcast(const std::string& room_id, json::Object&& message, const std::string& except_peer_id) {
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) return;
  std::string text = std::move(message).to_string();
  for (const rooms::LivePeer* p : room->peers()) {
    if (p->peer_id == except_peer_id) continue;
    if (Session* s = session_of_peer(p->peer_id)) s->send_text(text);
  }
}

void SignalingModule::redirect_room(const std::string& room_id, const std::string& url) {
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) return;
  std::string text = std::move(json::Object().set("type", "redirect").set("roomId", room_id).set("url", url)).to_string();
  for (const rooms::LivePeer* p : room->peers())
    if (Session* s = session_of_peer(p->peer_id)) s->send_text(text);
  for (const auto& [id, entry] : room->lobby())
    if (Session* s = session(entry.session_id)) s->send_text(text);
}

void SignalingModule::notify_user(const std::string& user_id, json::Object&& message) {
  std::string text = std::move(message).to_string();
  for (auto& [id, c] : connections_)
    if (c.session->user_id == user_id) c.session->send_text(text);
}

void SignalingModule::drop(uint64_t session_id, int code, const std::string& reason) {
  auto it = connections_.find(session_id);
  if (it == connections_.end()) return;
  Session& s = *it->second.session;
  s.closing = true;
  leave_lobby(s, "left");
  leave_room(s);
  pending_questions_.erase(session_id);
  GST_INFO("session %" G_GUINT64_FORMAT " closed (%d, %s)", session_id, code, reason.c_str());
  GObjectPtr<SoupWebsocketConnection> ws = std::move(it->second.ws);
  void* signal_data = it->second.signal_data;
  connections_.erase(it);
  metrics_.ws_sessions.with({}).set(static_cast<double>(connections_.size()));
  // Frees the handlers' data (the "message" connection owns it).
  g_signal_handlers_disconnect_by_data(ws.get(), signal_data);
  if (soup_websocket_connection_get_state(ws.get()) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(ws.get(), static_cast<gushort>(code), reason.c_str());
  // Our reference keeps the connection alive through its closing handshake
  // (libsoup bounds that with a timeout); it goes when "closed" fires.
  if (soup_websocket_connection_get_state(ws.get()) != SOUP_WEBSOCKET_STATE_CLOSED)
    g_signal_connect(ws.release(), "closed", G_CALLBACK(+[](SoupWebsocketConnection* conn, gpointer) {
                       g_object_unref(conn);
                     }),
                     nullptr);
}

void SignalingModule::check_heartbeats() {
  // Two missed pongs (plus a second of grace) and the peer is gone.
  int64_t limit_us = (2 * ping_interval_sec_ + 1) * G_USEC_PER_SEC;
  int64_t now = timeutil::monotonic_us();
  std::vector<uint64_t> dead;
  for (auto& [id, c] : connections_)
    if (now - c.session->last_pong_us > limit_us) dead.push_back(id);
  for (auto id : dead) {
    GST_INFO("session %" G_GUINT64_FORMAT " missed two pongs; dropping it", id);
    drop(id, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "heartbeat timeout");
  }
}

void SignalingModule::room_ended(const std::string& room_id) {
  // The meeting ended: its breakout rooms end with it.
  if (breakouts_ && breakouts_->active(room_id)) breakouts_->close(room_id, "room-ended");
  rooms::LiveRoom* room = rooms_.live(room_id);
  if (!room) {
    if (media_) media_->room_closed(room_id);
    return;
  }
  std::vector<uint64_t> ids;
  for (const rooms::LivePeer* p : room->peers())
    if (Session* s = session_of_peer(p->peer_id)) ids.push_back(s->id);
  for (auto id : ids) {
    Session* s = session(id);
    if (!s) continue;
    send(*s, std::move(json::Object().set("type", "room-ended").set("roomId", room_id)));
    leave_room(*s);
    s->close(SOUP_WEBSOCKET_CLOSE_NORMAL, "room ended");
  }
  if (media_) media_->room_closed(room_id);
}

void SignalingModule::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  if (heartbeat_timer_) g_source_remove(heartbeat_timer_);
  heartbeat_timer_ = 0;
  for (auto& [id, c] : connections_) c.session->close(SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
  // Give the close frames a moment to leave.
  auto* cb = new std::function<void()>(std::move(done));
  g_timeout_add_full(G_PRIORITY_DEFAULT, connections_.empty() ? 0 : 300, [](gpointer p) -> gboolean {
    (*static_cast<std::function<void()>*>(p))();
    return G_SOURCE_REMOVE;
  }, cb, [](gpointer p) { delete static_cast<std::function<void()>*>(p); });
}

}  // namespace convene::signaling
