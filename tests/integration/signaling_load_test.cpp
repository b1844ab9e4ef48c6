// 200 WebSocket clients in 50 rooms exchanging chat on loopback: every
// message arrives, and everyone in a room sees the same order (bounded: 5
// messages per client, 4,000 deliveries in all).
#include <gtest/gtest.h>

#include <map>

#include "http_client.h"
#include "server_process.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::json::Object;

TEST(SignalingLoad, TwoHundredClientsFiftyRoomsNothingLostOrReordered) {
  constexpr int kUsers = 50, kRooms = 50, kPerRoom = 4, kMessages = 5;
  ServerProcess server;
  std::vector<std::unique_ptr<HttpClient>> users;
  for (int u = 0; u < kUsers; ++u) {
    users.push_back(std::make_unique<HttpClient>(server.base_url()));
    users.back()->register_user("load" + std::to_string(u));
  }
  std::vector<std::string> rooms;
  for (int r = 0; r < kRooms; ++r) {
    auto res = users[r]->post("/rooms", "{\"name\":\"load room " + std::to_string(r) + "\"}");
    ASSERT_EQ(res.status, 201);
    rooms.push_back(res.str("id"));
  }
  // Room r: users r, r+1, r+2, r+3 — every user is in four rooms, once each.
  struct Client {
    std::unique_ptr<WsClient> ws;
    int room;
    std::string peer;
    std::vector<std::string> received;
  };
  std::vector<Client> clients;
  for (int r = 0; r < kRooms; ++r)
    for (int k = 0; k < kPerRoom; ++k) {
      int u = (r + k) % kUsers;
      if (k > 0) {
        ASSERT_EQ(users[u]->post("/rooms/" + rooms[r] + "/join").status, 200);
      }
      auto ws = WsClient::connect(server.base_url(), users[u]->token());
      ASSERT_TRUE(ws);
      clients.push_back({std::move(ws), r, "", {}});
    }
  ASSERT_EQ(clients.size(), 200u);
  for (auto& c : clients) c.ws->send(std::move(Object().set("type", "join-room").set("roomId", rooms[c.room])));
  for (auto& c : clients) {
    auto j = c.ws->wait_for("room-joined", 10000);
    ASSERT_TRUE(j);
    c.peer = str_field(j.get(), "peerId");
  }
  for (int m = 0; m < kMessages; ++m)
    for (size_t i = 0; i < clients.size(); ++i)
      clients[i].ws->send(std::move(
          Object().set("type", "chat-message").set("content", "c" + std::to_string(i) + "-m" + std::to_string(m))));

  const size_t expected = kPerRoom * kMessages;
  for (auto& c : clients) {
    while (c.received.size() < expected) {
      auto msg = c.ws->next(10000);
      if (!msg) break;
      if (str_field(msg.get(), "type") == "chat-message") c.received.push_back(str_field(msg.get(), "content"));
    }
  }
  size_t delivered = 0;
  std::map<int, const std::vector<std::string>*> order_of_room;
  for (auto& c : clients) {
    delivered += c.received.size();
    EXPECT_EQ(c.received.size(), expected) << "room " << c.room;
    // Each sender's messages in the order it sent them.
    std::map<std::string, int> last;
    for (auto& text : c.received) {
      std::string sender = text.substr(0, text.find('-'));
      int n = std::stoi(text.substr(text.find("-m") + 2));
      if (last.count(sender)) {
        EXPECT_GT(n, last[sender]) << text;
      }
      last[sender] = n;
    }
    // The same order for everyone in the room.
    auto [it, fresh] = order_of_room.emplace(c.room, &c.received);
    if (!fresh) {
      EXPECT_EQ(*it->second, c.received) << "room " << c.room;
    }
  }
  EXPECT_EQ(delivered, 4000u);
  std::cout << "delivered " << delivered << " chat messages to 200 clients in 50 rooms\n";
}
