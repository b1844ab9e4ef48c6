// Breakout rooms: the host splits a live meeting into smaller rooms (by
// hand or automatically), optionally on a timer (a 60 s warning, then
// everyone returns), and closes them again. Each breakout is a room of its
// own in the store, so its chat, whiteboard and media are isolated by the
// same rules as any room; people are moved by the server (leave, then join).
//
// Threads: main loop.
#pragma once

#include <glib.h>

#include <map>
#include <string>
#include <vector>

#include "http/exchange.h"
#include "rooms/room_record.h"

namespace convene::signaling {

class SignalingModule;

class Breakouts {
 public:
  explicit Breakouts(SignalingModule& signaling);
  ~Breakouts();

  // The main room a breakout belongs to ("" when it is not a breakout).
  std::string main_room_of(const std::string& room_id) const;
  // Sends `message` to everyone in every breakout of `main_room_id` and the main room.
  void broadcast_all(const std::string& main_room_id, const std::string& text, const std::string& from_json);
  // Returns everyone to the main room and ends the breakouts.
  void close(const std::string& main_room_id, const char* reason);
  bool active(const std::string& main_room_id) const { return sessions_.count(main_room_id) > 0; }

 private:
  void create(http::ExchangePtr ex);
  void remove(http::ExchangePtr ex);
  void list(http::ExchangePtr ex);

  struct Session {
    std::string main_room_id;
    std::vector<std::string> breakout_ids;
    std::map<std::string, std::string> names;           // breakout id -> name
    std::map<std::string, std::string> assignment;      // user id -> breakout id
    std::optional<int64_t> ends_at;
    guint warning_timer = 0;
    guint end_timer = 0;
  };
  void start(const std::string& main_room_id, Session session, const http::ExchangePtr& ex);
  void clear_timers(Session& s);

  SignalingModule& sig_;
  std::map<std::string, Session> sessions_;          // by main room id
  std::map<std::string, std::string> parent_of_;     // breakout id -> main room id
};

}  // namespace convene::signaling
