#include "test_person.h"

#include <stdexcept>

namespace convene::testing {

TestPerson::TestPerson(const ServerProcess& server, const std::string& name) : http(server.base_url()) {
  user_id = http.register_user(name);
  ws = WsClient::connect(server.base_url(), http.token());
  if (!ws) throw std::runtime_error("WebSocket refused for " + name);
}

void TestPerson::send_join(const std::string& room_id) {
  ws->send(std::move(json::Object().set("type", "join-room").set("roomId", room_id).set("requestId", "join")));
}

JsonNodePtr TestPerson::join(const std::string& room_id) {
  send_join(room_id);
  auto m = ws->wait_for("room-joined");
  if (m) peer_id = str_field(m.get(), "peerId");
  return m;
}

std::string TestPerson::next_error_code() { return str_field(ws->wait_for("error").get(), "code"); }

}  // namespace convene::testing
