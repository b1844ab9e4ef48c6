// One WebSocket connection's protocol state: who it is, which room and peer
// it is, and how to talk to it. The transport is two functions, so the
// protocol logic can be driven without a socket.
//
// Threads: main loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace convene::signaling {

// A token bucket: `rate` messages a second on average, bursts up to `burst`.
class MessageRateLimiter {
 public:
  MessageRateLimiter(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  // False when the message is over the limit.
  bool allow(int64_t now_us) {
    if (last_us_) tokens_ = std::min(burst_, tokens_ + (now_us - last_us_) / 1e6 * rate_);
    last_us_ = now_us;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  int64_t last_us_ = 0;
};

struct Session {
  uint64_t id = 0;
  std::string user_id;
  std::string username;

  // Set while the session is a peer of a room. Its role lives in one place,
  // the room's LivePeer (SignalingModule::role_of / set_role).
  std::string room_id;
  std::string peer_id;
  bool in_room() const { return !room_id.empty(); }

  // Set while the session waits in a room's lobby.
  std::string waiting_room_id;
  std::string lobby_id;

  // The client said in its last join-room that it encrypts media and chat
  // end to end (`e2ee: true`); only such clients enter an e2ee room.
  bool e2ee_capable = false;

  std::function<void(const std::string& text)> send_text;
  std::function<void(int code, const std::string& reason)> close;

  int64_t last_pong_us = 0;
  MessageRateLimiter limiter{50, 100};
  bool closing = false;
};

}  // namespace convene::signaling
