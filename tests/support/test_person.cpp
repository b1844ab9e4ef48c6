#include "test_person.h"

#include <stdexcept>

namespace convene::testing {

TestPerson::TestPerson(const ServerProcess& server, const std::string& name) : TestPerson(server.base_url(), name) {}

TestPerson::TestPerson(const std::string& base_url, const std::string& name) : http(base_url) {
  user_id = http.register_user(name);
  ws = WsClient::connect(base_url, http.token());
  if (!ws) throw std::runtime_error("WebSocket refused for " + name);
}

void TestPerson::send_join(const std::string& room_id) {
  json::Object m;
  m.set("type", "join-room").set("roomId", room_id).set("requestId", "join");
  if (claims_e2ee) m.set("e2ee", true);
  ws->send(std::move(m));
}

bool TestPerson::join_following_redirects(const std::string& room_id, int timeout_ms, bool* redirected) {
  if (redirected) *redirected = false;
  for (int hop = 0; hop < 4; ++hop) {
    send_join(room_id);
    for (;;) {
      auto m = ws->next(timeout_ms);
      if (!m) return false;
      std::string type = str_field(m.get(), "type");
      if (type == "room-joined") {
        peer_id = str_field(m.get(), "peerId");
        return true;
      }
      if (type == "error") return false;
      if (type == "redirect") {
        std::string url = str_field(m.get(), "url");  // ws://host:port/ws
        ws = WsClient::connect("http" + url.substr(2, url.size() - 5), str_field(m.get(), "wsToken"));
        if (!ws) return false;
        if (redirected) *redirected = true;
        break;
      }
    }
  }
  return false;
}

JsonNodePtr TestPerson::join(const std::string& room_id) {
  send_join(room_id);
  auto m = ws->wait_for("room-joined");
  if (m) peer_id = str_field(m.get(), "peerId");
  return m;
}

void TestPerson::become_member(const std::string& room_id) {
  auto r = http.post("/rooms/" + room_id + "/join");
  if (r.status != 200) throw std::runtime_error("joining room " + room_id + " failed: " + r.body);
}

std::string meet(TestPerson& host, std::initializer_list<TestPerson*> guests, const std::string& body) {
  auto r = host.http.post("/rooms", body);
  if (r.status != 201) throw std::runtime_error("creating a room failed: " + r.body);
  std::string room = r.str("id");
  for (TestPerson* g : guests) g->become_member(room);
  if (!host.join(room)) throw std::runtime_error("the host could not join");
  for (TestPerson* g : guests)
    if (!g->join(room)) throw std::runtime_error("a guest could not join");
  return room;
}

std::string TestPerson::next_error_code() { return str_field(ws->wait_for("error").get(), "code"); }

}  // namespace convene::testing
