// The WebSocket endpoint (/ws): authenticates the upgrade, keeps one Session
// per connection, enforces message size and rate, pings and drops silent
// peers, and dispatches each message by type through the HandlerTable. It
// owns every WebSocket message: the SFU's included (media_handlers.cpp turns
// them into media::Sfu calls, and media's events back into messages). It is
// also how other modules reach peers (broadcast, send_to_hosts;
// UserNotifier for reminders).
//
// Threads: main loop only. Store results come back to it through Store::run.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "util/module.h"
#include "config/config.h"
#include "http/server.h"
#include "media/sfu.h"
#include "metrics/server_metrics.h"
#include "meeting/meeting_module.h"
#include "meeting/reminder_scheduler.h"
#include "rooms/rooms_module.h"
#include "signaling/breakouts.h"
#include "signaling/handler_table.h"
#include "signaling/ice_servers.h"
#include "signaling/join_gate.h"
#include "signaling/session.h"
#include "store/store.h"
#include "util/gobject_ptr.h"
#include "util/listener_token.h"

namespace convene::signaling {

// Refuses a message: becomes {"type":"error","code","message","requestId"?}.
struct MessageError : std::runtime_error {
  MessageError(std::string error_code, const std::string& message)
      : std::runtime_error(message), code(std::move(error_code)) {}
  std::string code;
};

class MediaEvents;

class SignalingModule final : public util::Module, public meeting::UserNotifier {
 public:
  // `meeting` (captions) and `media` (the SFU) may be null: without them
  // captions are not recorded and SFU messages are refused.
  SignalingModule(const config::Config& config, http::Server& http, store::Store& store, rooms::RoomsModule& rooms,
                  meeting::MeetingModule* meeting, media::Sfu* media, metrics::ServerMetrics& metrics);
  ~SignalingModule() override;

  media::Sfu* media() const { return media_; }
  HandlerTable& handlers() { return handlers_; }
  Breakouts& breakouts() { return *breakouts_; }

  // --- For handlers
  const config::Config& config() const { return config_; }
  http::Server& http() { return http_; }
  store::Store& store() { return store_; }
  rooms::RoomsModule& rooms() { return rooms_; }
  // The live role of the session's peer ("" when not in a room). Its one
  // owner is the room's LivePeer.
  std::string role_of(const Session& s);
  // Changes a peer's live role; media is told at once (a viewer's
  // publications end, a promoted viewer may publish). Not stored here.
  void set_role(rooms::LiveRoom& room, rooms::LivePeer& peer, const std::string& role);
  // Whether the room's calls go through the SFU (and there is one).
  bool uses_sfu(const rooms::LiveRoom& room) const;
  Session* session(uint64_t id);
  Session* session_of_peer(const std::string& peer_id);
  void send(Session& s, json::Object&& message, const std::string& request_id = "");
  void send_error(Session& s, const std::string& code, const std::string& message, const std::string& request_id);
  json::Array ice_servers(const std::string& user_id) const;
  const IceSettings& ice_settings() const { return ice_; }
  // Puts a session into a room as a new peer (after the store allowed it).
  void enter_room(Session& s, const rooms::RoomRecord& room, const std::string& role, json::Array chat,
                  const std::string& request_id);
  // Takes a session out of its room (leave, disconnect, kick, room end).
  void leave_room(Session& s);
  // A participant with no WebSocket (a WHIP or SRT publisher, src/ingest):
  // enters the room's call with `role`, is listed in room-joined and
  // announced with peer-joined like anyone; media is told it publishes and
  // receives nothing. It is no user: no attendance row. Returns its peer id.
  std::string enter_room_remote(const rooms::RoomRecord& room, const std::string& user_id,
                                const std::string& username, const std::string& role);
  // Takes such a participant out again (peer-left; the room closes when it was the last).
  void leave_room_remote(const std::string& room_id, const std::string& peer_id);
  // A host removed such a participant: it leaves, and whoever brought it in
  // (ingest) hears of it through the listeners, registered while the token lives.
  void remove_remote_peer(const std::string& room_id, const std::string& peer_id);
  [[nodiscard]] ListenerToken add_remote_peer_removed_listener(
      std::function<void(const std::string& room_id, const std::string& peer_id)> listener) {
    return remote_peer_removed_.add(std::move(listener));
  }
  // Puts a session in the room's lobby and tells the hosts.
  void wait_in_lobby(Session& s, const rooms::RoomRecord& room, const std::string& role, const std::string& request_id);
  // Takes a session out of the lobby it waits in (left, admitted or rejected).
  void leave_lobby(Session& s, const char* outcome);
  // Hosts and co-hosts of the room.
  void send_to_hosts(const std::string& room_id, json::Object&& message);
  // The session's peer in its live room (nullptr when not in one).
  rooms::LivePeer* peer_of(Session& s);
  // Questions of a room, ordered, for room-joined (set by the join check;
  // anything but an array is ignored and room-joined carries []).
  void set_pending_questions(uint64_t session_id, JsonNodePtr questions);
  meeting::MeetingModule* meeting() const { return meeting_; }

  // To one peer of a room; dropped silently when the peer is gone.
  void send_to_peer(const std::string& room_id, const std::string& peer_id, json::Object&& message,
                    const std::string& request_id = "");
  // To every peer of the room (except `except_peer_id` when not empty).
  void broadcast(const std::string& room_id, json::Object&& message, const std::string& except_peer_id = "");
  // --- UserNotifier
  void notify_user(const std::string& user_id, json::Object&& message) override;

  void shutdown(std::function<void()> done) override;

  // Cluster mode: asked where each join-room of a room not live here goes.
  void set_join_gate(JoinGate gate) { join_gate_ = std::move(gate); }
  const JoinGate& join_gate() const { return join_gate_; }
  // Tells every peer of the room to reconnect to `url` (a draining node's calls move).
  void redirect_room(const std::string& room_id, const std::string& url);

  // Closes every WebSocket of the user (sign-out), with this close code.
  void close_user_connections(const std::string& user_id, int code, const std::string& reason);
  // The close code and reason of WebSockets closed because their user signed out.
  static constexpr int kSignedOutCloseCode = 4001;

  // Config the handlers read.
  int64_t chat_max_chars() const { return chat_max_chars_; }
  int64_t chat_image_max_bytes() const { return chat_image_max_bytes_; }
  int64_t chat_history() const { return chat_history_; }
  const std::set<std::string>& reactions() const { return reactions_; }

 private:
  // tests/fuzz/ws_dispatch_fuzz.cpp opens sessions and feeds them messages without a socket.
  friend struct DispatchFuzzAccess;
  // The per-user connection cap, checked on the upgrade (before the handshake).
  std::optional<http::UpgradeRefusal> reserve_connection(http::Exchange& req, const std::string& user_id);
  void on_open(SoupWebsocketConnection* ws, const std::map<std::string, std::string>& attributes);
  void on_text(Session& s, const std::string& text);
  void drop(uint64_t session_id, int code, const std::string& reason);
  void check_heartbeats();
  void room_ended(const std::string& room_id);

  const config::Config& config_;
  metrics::ServerMetrics& metrics_;  // sessions, messages by type, errors sent
  http::Server& http_;
  store::Store& store_;
  rooms::RoomsModule& rooms_;
  meeting::MeetingModule* meeting_;
  media::Sfu* media_;
  HandlerTable handlers_;
  std::unique_ptr<MediaEvents> media_events_;  // media's events as messages
  ListenerToken media_listening_;
  std::vector<ListenerToken> rooms_listening_;
  IceSettings ice_;
  std::unique_ptr<Breakouts> breakouts_;
  ListenerList<std::function<void(const std::string&, const std::string&)>> remote_peer_removed_;
  JoinGate join_gate_;

  struct Connection {
    std::unique_ptr<Session> session;
    GObjectPtr<SoupWebsocketConnection> ws;
    void* signal_data = nullptr;  // our handlers' data, freed when they are disconnected
  };
  std::map<uint64_t, Connection> connections_;
  std::map<std::string, uint64_t> peer_sessions_;  // peer id -> session id
  std::map<uint64_t, JsonNodePtr> pending_questions_;  // room-joined extras, by session
  uint64_t next_session_id_ = 1;
  struct PendingUpgrade {
    std::string user_id;
    int64_t expires_us;  // monotonic
  };
  std::map<uint64_t, PendingUpgrade> pending_upgrades_;  // accepted upgrades not open yet
  uint64_t next_upgrade_id_ = 1;

  int64_t ping_interval_sec_;
  int64_t max_message_bytes_;
  double max_messages_per_sec_;
  double message_burst_;
  int64_t max_connections_per_user_;
  int64_t chat_max_chars_;
  int64_t chat_image_max_bytes_;
  int64_t chat_history_;
  std::set<std::string> reactions_;
  guint heartbeat_timer_ = 0;
  bool shutting_down_ = false;
};

}  // namespace convene::signaling
