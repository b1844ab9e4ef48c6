// Where a join-room goes before this node checks it (cluster mode; see
// src/cluster/placement.h). Unset, every join is answered here.
//
// Threads: main loop.
#pragma once

#include <functional>
#include <string>

namespace convene::signaling {

struct JoinPlace {
  enum class Kind { Here, Elsewhere, Unavailable };
  Kind kind = Kind::Here;
  std::string url;       // Elsewhere: the WebSocket URL of the node carrying the room
  std::string ws_token;  // Elsewhere: a ws token for it (optional)
};

using JoinGate = std::function<void(const std::string& room_id, const std::string& user_id,
                                    const std::string& username, std::function<void(JoinPlace)> done)>;

}  // namespace convene::signaling
