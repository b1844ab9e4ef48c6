// Rooms: the REST API (create, list, join by id or invite code, leave, end,
// chat history, analytics) and the registry of live rooms (rooms with people
// in their call), which signaling drives.
//
// Threads: main loop; SQL through Store::run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/server.h"
#include "store/store.h"
#include "util/module.h"
#include "util/listener_token.h"
#include "auth/authenticator.h"
#include "rooms/live_room.h"
#include "rooms/room_record.h"

namespace convene::rooms {

class RoomsModule final : public util::Module {
 public:
  RoomsModule(const config::Config& config, store::Store& store, http::Server& http,
              const auth::Authenticator& authenticator);

  // --- Live rooms (for signaling)
  LiveRoom* live(const std::string& room_id);
  LiveRoom& open_live(const RoomRecord& record);
  void close_live(const std::string& room_id);
  const WhiteboardLimits& whiteboard_limits() const { return whiteboard_limits_; }

  // Someone ended the room (host via REST, or the idle janitor): listeners
  // tell the peers and close their connections. Registered while the token lives.
  [[nodiscard]] ListenerToken add_room_ended_listener(std::function<void(const std::string& room_id)> listener) {
    return room_ended_listeners_.add(std::move(listener));
  }
  // A member left through REST: listeners drop that user's live peers.
  [[nodiscard]] ListenerToken add_member_left_listener(
      std::function<void(const std::string& room_id, const std::string& user_id)> l) {
    return member_left_listeners_.add(std::move(l));
  }
  void announce_room_ended(const std::string& room_id);

  const auth::Authenticator& authenticator() const { return authenticator_; }

 private:
  void create(http::ExchangePtr ex);
  void list(http::ExchangePtr ex);
  void get(http::ExchangePtr ex);
  void update(http::ExchangePtr ex);
  void join_by_id(http::ExchangePtr ex);
  void join_by_invite(http::ExchangePtr ex);
  void leave(http::ExchangePtr ex);
  void end(http::ExchangePtr ex);
  void messages(http::ExchangePtr ex);
  void stats(http::ExchangePtr ex);
  // The shared path of both joins: `find` looks the room up on the worker.
  void join(const http::ExchangePtr& ex,
            std::function<std::optional<RoomRecord>(store::Connection&)> find);

  store::Store& store_;
  const auth::Authenticator& authenticator_;
  std::map<std::string, std::unique_ptr<LiveRoom>> live_;
  ListenerList<std::function<void(const std::string&)>> room_ended_listeners_;
  ListenerList<std::function<void(const std::string&, const std::string&)>> member_left_listeners_;
  WhiteboardLimits whiteboard_limits_;
  int64_t default_max_participants_;
};

}  // namespace convene::rooms
