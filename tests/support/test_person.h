// Someone in a test: a signed-up user with an HTTP client and an open
// WebSocket, who can join rooms.
#pragma once

#include <memory>
#include <string>

#include "http_client.h"
#include "server_process.h"
#include "ws_client.h"

namespace convene::testing {

struct TestPerson {
  HttpClient http;
  std::string user_id;
  std::unique_ptr<WsClient> ws;
  std::string peer_id;

  TestPerson(const ServerProcess& server, const std::string& name);
  void send_join(const std::string& room_id);
  // join-room, then the room-joined reply (null on anything else).
  JsonNodePtr join(const std::string& room_id);
  // The code of the next error message ("" when none comes).
  std::string next_error_code();
};

}  // namespace convene::testing
