// Breakout rooms: people are moved, chat is isolated per breakout, the host
// broadcasts to all, and the timer brings everyone back after a warning.
#include <gtest/gtest.h>

#include "http_client.h"
#include "server_process.h"
#include "test_person.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::JsonNodePtr;
using convene::json::Object;

namespace {

using Person = TestPerson;

// After breakout-assigned comes room-joined for the breakout: its room id.
std::string moved(Person& p) {
  auto a = p.ws->wait_for("breakout-assigned");
  if (!a) return "";
  auto j = p.ws->wait_for("room-joined");
  return j ? str_field(j.get(), "roomId") : "";
}

}  // namespace

TEST(Breakouts, MovedIsolatedBroadcastAndBackOnTheTimer) {
  ServerProcess server({.env = {{"CONVENE_MEETING_BREAKOUT_WARNING_SEC", "3"}}});
  Person host(server, "bohost");
  std::vector<std::unique_ptr<Person>> people;
  for (int i = 0; i < 4; ++i) people.push_back(std::make_unique<Person>(server, "bopeer" + std::to_string(i)));
  std::string main = host.http.post("/rooms", R"({"name":"All hands"})").str("id");
  ASSERT_TRUE(host.join(main));
  for (auto& p : people) {
    p->http.post("/rooms/" + main + "/join");
    ASSERT_TRUE(p->join(main));
  }
  // Only hosts may open them.
  EXPECT_EQ(people[0]->http.post("/rooms/" + main + "/breakouts", R"({"count":2})").status, 403);
  auto r = host.http.post("/rooms/" + main + "/breakouts", R"({"count":2,"durationSec":8})");
  ASSERT_EQ(r.status, 201) << r.body;

  std::vector<std::string> where;
  for (auto& p : people) where.push_back(moved(*p));
  for (auto& w : where) ASSERT_FALSE(w.empty());
  // Round-robin in join order: 0 and 2 together, 1 and 3 together.
  EXPECT_EQ(where[0], where[2]);
  EXPECT_EQ(where[1], where[3]);
  EXPECT_NE(where[0], where[1]);

  // Chat stays inside its breakout.
  people[0]->ws->send(std::move(Object().set("type", "chat-message").set("content", "only for room A")));
  auto got = people[2]->ws->wait_for("chat-message");
  ASSERT_TRUE(got);
  EXPECT_EQ(str_field(got.get(), "content"), "only for room A");
  // (Other traffic, like the peer-joined of a slower mover, may arrive: no chat must.)
  EXPECT_FALSE(people[1]->ws->wait_for("chat-message", 300));
  EXPECT_FALSE(people[3]->ws->wait_for("chat-message", 100));

  // The host broadcasts to every breakout.
  host.ws->send(std::move(Object().set("type", "breakout-broadcast").set("text", "Two minutes left")));
  for (auto& p : people) EXPECT_EQ(str_field(p->ws->wait_for("breakout-broadcast").get(), "text"), "Two minutes left");
  people[0]->ws->send(std::move(Object().set("type", "breakout-broadcast").set("text", "hi all")));
  EXPECT_EQ(str_field(people[0]->ws->wait_for("error").get(), "code"), "forbidden");

  // A warning, then everyone is back in the main room.
  for (auto& p : people) {
    auto warn = p->ws->wait_for("breakout-ending", 8000);
    ASSERT_TRUE(warn);
    EXPECT_EQ(int_field(warn.get(), "secondsLeft"), 3);
  }
  for (auto& p : people) {
    ASSERT_TRUE(p->ws->wait_for("breakout-closed", 8000));
    auto back = p->ws->wait_for("room-joined", 8000);
    ASSERT_TRUE(back);
    EXPECT_EQ(str_field(back.get(), "roomId"), main);
  }
  auto list = host.http.get("/rooms/" + main + "/breakouts");
  EXPECT_NE(list.body.find("\"breakouts\":[]"), std::string::npos) << list.body;
}

TEST(Breakouts, HostClosesThemByHandAndVisitsOne) {
  ServerProcess server;
  Person host(server, "bo2host"), a(server, "bo2a"), b(server, "bo2b");
  std::string main = host.http.post("/rooms", R"({"name":"Workshop"})").str("id");
  ASSERT_TRUE(host.join(main));
  a.http.post("/rooms/" + main + "/join");
  b.http.post("/rooms/" + main + "/join");
  ASSERT_TRUE(a.join(main));
  ASSERT_TRUE(b.join(main));
  std::string body = R"({"rooms":[{"name":"Red","peerIds":[")" + a.peer_id + R"("]},{"name":"Blue","peerIds":[")" +
                     b.peer_id + R"("]}]})";
  auto r = host.http.post("/rooms/" + main + "/breakouts", body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(host.http.post("/rooms/" + main + "/breakouts", body).status, 409);
  std::string red = moved(a), blue = moved(b);
  ASSERT_FALSE(red.empty());
  ASSERT_NE(red, blue);
  // The host visits Red and hears its chat, not Blue's.
  ASSERT_TRUE(host.join(red));
  b.ws->send(std::move(Object().set("type", "chat-message").set("content", "blue talk")));
  a.ws->send(std::move(Object().set("type", "chat-message").set("content", "red talk")));
  auto heard = host.ws->wait_for("chat-message");
  EXPECT_EQ(str_field(heard.get(), "content"), "red talk");
  EXPECT_EQ(a.http.request("DELETE", "/rooms/" + main + "/breakouts").status, 403);
  auto closed = host.http.request("DELETE", "/rooms/" + main + "/breakouts");
  ASSERT_EQ(closed.status, 200) << closed.body;
  for (Person* p : {&a, &b}) {
    ASSERT_TRUE(p->ws->wait_for("breakout-closed"));
    auto back = p->ws->wait_for("room-joined");
    ASSERT_TRUE(back);
    EXPECT_EQ(str_field(back.get(), "roomId"), main);
  }
}

TEST(Breakouts, TheListingIsForAdmittedMembersOnly) {
  ServerProcess server;
  Person host(server, "bo3host"), a(server, "bo3a"), stranger(server, "bo3stranger"), waiter(server, "bo3waiter");
  std::string main = meet(host, {&a}, R"({"name":"Offsite"})");
  std::string body = R"({"rooms":[{"name":"Secret plans","peerIds":[")" + a.peer_id + R"("]}]})";
  ASSERT_EQ(host.http.post("/rooms/" + main + "/breakouts", body).status, 201);
  ASSERT_FALSE(moved(a).empty());

  // Signed in but not a member: no names, no peers.
  auto r = stranger.http.get("/rooms/" + main + "/breakouts");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.error_code(), "forbidden");
  EXPECT_EQ(r.body.find("Secret plans"), std::string::npos);
  EXPECT_EQ(stranger.http.get("/rooms/no-such-room/breakouts").status, 404);
  // A member still waiting behind the lobby sees nothing either.
  ASSERT_EQ(host.http.request("PATCH", "/rooms/" + main, R"({"lobbyEnabled":true})").status, 200);
  waiter.become_member(main);
  r = waiter.http.get("/rooms/" + main + "/breakouts");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.error_code(), "not_admitted");
  // Members and hosts do.
  for (Person* p : {&host, &a}) {
    r = p->http.get("/rooms/" + main + "/breakouts");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("Secret plans"), std::string::npos);
    EXPECT_NE(r.body.find(a.user_id), std::string::npos) << "the peers in each breakout";
  }
}
