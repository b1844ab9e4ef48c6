// Someone in a test: a signed-up user with an HTTP client and an open
// WebSocket, who can join rooms.
#pragma once

#include <initializer_list>
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
  // Sent as join-room's `e2ee` capability (true lets a test client into an
  // end-to-end encrypted room, whether or not it encrypts anything).
  bool claims_e2ee = false;

  TestPerson(const ServerProcess& server, const std::string& name);
  // Someone on a server this process did not start (base_url: http://host:port).
  TestPerson(const std::string& base_url, const std::string& name);
  void send_join(const std::string& room_id);
  // join-room, then the room-joined reply (null on anything else).
  JsonNodePtr join(const std::string& room_id);
  // The code of the next error message ("" when none comes).
  std::string next_error_code();
  // Becomes a member of the room through the REST API (as an invite link does).
  void become_member(const std::string& room_id);
  // Cluster: join-room through whichever node the WebSocket is on, following
  // `redirect {url, wsToken}` to another node (up to 4 hops); false when no
  // room-joined comes. `redirected` (optional) says whether one was followed.
  bool join_following_redirects(const std::string& room_id, int timeout_ms = 8000, bool* redirected = nullptr);
};

// `host` creates a room (POST /rooms with `body`); every guest becomes a
// member; then all of them, host first, join the call. Returns the room id.
std::string meet(TestPerson& host, std::initializer_list<TestPerson*> guests,
                 const std::string& body = R"({"name":"Meeting"})");

}  // namespace convene::testing
