// Running a meeting over the WebSocket: lobby, host actions and their
// refusals, host hand-over, raised hands, Q&A, captions into the transcript.
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

std::string make_room(Person& host, bool lobby) {
  auto r = host.http.post("/rooms", lobby ? R"({"name":"Lobby room","lobbyEnabled":true})" : R"({"name":"Room"})");
  return r.str("id");
}

std::string nested(JsonNode* n, const char* outer, const char* inner) {
  JsonObject* o = obj(n);
  if (!o || !json_object_has_member(o, outer)) return "";
  return json_object_get_string_member(json_object_get_object_member(o, outer), inner);
}

}  // namespace

TEST(Lobby, WaitersAreAdmittedOrRejectedAndSeeNothingMeanwhile) {
  ServerProcess server;
  Person host(server, "lobbyhost"), ann(server, "lobbyann"), bob(server, "lobbybob");
  std::string room = make_room(host, true);
  ann.http.post("/rooms/" + room + "/join");
  bob.http.post("/rooms/" + room + "/join");
  ASSERT_TRUE(host.join(room));

  ann.send_join(room);
  auto waiting = ann.ws->wait_for("lobby-waiting");
  ASSERT_TRUE(waiting);
  auto req = host.ws->wait_for("lobby-request");
  ASSERT_TRUE(req);
  EXPECT_EQ(nested(req.get(), "user", "username"), "lobbyann");
  std::string ann_lobby = str_field(req.get(), "lobbyId");

  // While Ann waits, the room chats: she hears nothing.
  host.ws->send(std::move(Object().set("type", "chat-message").set("content", "secret agenda")));
  ASSERT_TRUE(host.ws->wait_for("chat-message"));
  EXPECT_TRUE(ann.ws->quiet_for(300));

  // Ann may not admit herself; the host admits her.
  ann.ws->send(std::move(Object().set("type", "lobby-admit").set("lobbyId", ann_lobby)));
  EXPECT_EQ(ann.next_error_code(), "not_in_room");
  host.ws->send(std::move(Object().set("type", "lobby-admit").set("lobbyId", ann_lobby)));
  auto joined = ann.ws->wait_for("room-joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(joined.get()), "chat")), 1u);
  EXPECT_TRUE(host.ws->wait_for("peer-joined"));

  // Bob waits; a co-host who joins later sees him; the host rejects him.
  bob.send_join(room);
  ASSERT_TRUE(bob.ws->wait_for("lobby-waiting"));
  auto bob_req = host.ws->wait_for("lobby-request");
  ASSERT_TRUE(bob_req);
  host.ws->send(std::move(Object().set("type", "lobby-reject").set("lobbyId", str_field(bob_req.get(), "lobbyId"))));
  EXPECT_TRUE(bob.ws->wait_for("lobby-rejected"));
}

TEST(Lobby, AHostWhoArrivesLaterSeesEveryoneWaiting) {
  ServerProcess server;
  Person host(server, "latehost"), ann(server, "earlyann");
  std::string room = make_room(host, true);
  ann.http.post("/rooms/" + room + "/join");
  ann.send_join(room);
  ASSERT_TRUE(ann.ws->wait_for("lobby-waiting"));
  auto joined = host.join(room);
  ASSERT_TRUE(joined);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(joined.get()), "lobby")), 1u);
  EXPECT_TRUE(host.ws->wait_for("lobby-request"));
}

TEST(HostControls, EachActionAndItsRefusal) {
  ServerProcess server;
  Person host(server, "ctrlhost"), ann(server, "ctrlann"), bob(server, "ctrlbob");
  std::string room = meet(host, {&ann, &bob}, R"({"name":"Room"})");

  // A participant can do none of it.
  for (const char* type : {"kick", "mute", "promote", "transfer-host"}) {
    bob.ws->send(std::move(Object().set("type", type).set("peerId", ann.peer_id).set("role", "VIEWER")));
    EXPECT_EQ(bob.next_error_code(), "forbidden") << type;
  }
  bob.ws->send(std::move(Object().set("type", "mute-all")));
  EXPECT_EQ(bob.next_error_code(), "forbidden");
  host.ws->send(std::move(Object().set("type", "kick").set("peerId", "nobody")));
  EXPECT_EQ(host.next_error_code(), "unknown_peer");

  // Mute: the peer is told, the room sees it, and unmuting is refused when not allowed.
  host.ws->send(std::move(Object().set("type", "mute").set("peerId", ann.peer_id).set("source", "microphone").set("allowUnmute", false)));
  auto told = ann.ws->wait_for("muted-by-host");
  ASSERT_TRUE(told);
  EXPECT_FALSE(json_object_get_boolean_member(obj(told.get()), "canUnmute"));
  auto seen = bob.ws->wait_for("track-muted");
  EXPECT_EQ(str_field(seen.get(), "peerId"), ann.peer_id);
  ann.ws->send(std::move(Object().set("type", "track-muted").set("source", "microphone").set("muted", false)));
  EXPECT_EQ(ann.next_error_code(), "unmute_not_allowed");

  // Mute-all reaches every non-host.
  host.ws->send(std::move(Object().set("type", "mute-all")));
  EXPECT_TRUE(bob.ws->wait_for("muted-by-host"));

  // Promote Bob to co-host: announced; now he may mute.
  host.ws->send(std::move(Object().set("type", "promote").set("peerId", bob.peer_id).set("role", "CO_HOST")));
  auto rc = ann.ws->wait_for("role-changed");
  EXPECT_EQ(str_field(rc.get(), "role"), "CO_HOST");
  bob.ws->wait_for("role-changed");
  bob.ws->send(std::move(Object().set("type", "mute").set("peerId", ann.peer_id).set("source", "camera")));
  EXPECT_TRUE(ann.ws->wait_for("muted-by-host"));

  // Kick Ann: she is told and leaves; rejoining needs a new admission (the lobby).
  host.ws->send(std::move(Object().set("type", "kick").set("peerId", ann.peer_id)));
  EXPECT_TRUE(ann.ws->wait_for("kicked"));
  EXPECT_TRUE(bob.ws->wait_for("peer-left"));
  ann.send_join(room);
  EXPECT_TRUE(ann.ws->wait_for("lobby-waiting"));

  // Transfer host to Bob: exactly one host after it.
  host.ws->send(std::move(Object().set("type", "transfer-host").set("peerId", bob.peer_id)));
  auto hc = bob.ws->wait_for("host-changed");
  EXPECT_EQ(str_field(hc.get(), "peerId"), bob.peer_id);
  host.ws->send(std::move(Object().set("type", "transfer-host").set("peerId", bob.peer_id)));
  EXPECT_EQ(host.next_error_code(), "forbidden");
  auto r = bob.http.get("/rooms/" + room);
  EXPECT_EQ(r.str("hostId"), bob.user_id);
}

TEST(HostControls, WhenTheHostLeavesTheEarliestCoHostTakesOver) {
  ServerProcess server;
  Person host(server, "leavinghost"), ann(server, "firstann"), bob(server, "secondbob");
  std::string room = meet(host, {&ann, &bob}, R"({"name":"Room"})");
  host.ws->send(std::move(Object().set("type", "promote").set("peerId", bob.peer_id).set("role", "CO_HOST")));
  ASSERT_TRUE(bob.ws->wait_for("role-changed"));
  host.ws->close();
  auto hc = ann.ws->wait_for("host-changed");
  ASSERT_TRUE(hc);
  EXPECT_EQ(str_field(hc.get(), "peerId"), bob.peer_id);  // the co-host, not the earlier participant
  // Bob then leaves: Ann, the earliest participant, becomes host.
  bob.ws->send(std::move(Object().set("type", "leave-room")));
  hc = ann.ws->wait_for("host-changed");
  ASSERT_TRUE(hc);
  EXPECT_EQ(str_field(hc.get(), "peerId"), ann.peer_id);
}

TEST(Hands, RaisedAnnouncedAndHostLowersAny) {
  ServerProcess server;
  Person host(server, "handhost"), ann(server, "handann");
  std::string room = meet(host, {&ann}, R"({"name":"Room"})");
  ann.ws->send(std::move(Object().set("type", "hand").set("raised", true)));
  auto h = host.ws->wait_for("hand");
  EXPECT_EQ(str_field(h.get(), "peerId"), ann.peer_id);
  EXPECT_TRUE(json_object_get_boolean_member(obj(h.get()), "raised"));
  ann.ws->send(std::move(Object().set("type", "hand").set("peerId", host.peer_id).set("raised", false)));
  EXPECT_EQ(ann.next_error_code(), "forbidden");
  host.ws->send(std::move(Object().set("type", "hand").set("peerId", ann.peer_id).set("raised", false)));
  auto lowered = ann.ws->wait_for("hand");
  EXPECT_FALSE(json_object_get_boolean_member(obj(lowered.get()), "raised"));
}

TEST(QandA, OrderingSingleVoteAndHostOnlyModeration) {
  ServerProcess server;
  Person host(server, "qahost"), ann(server, "qaann"), bob(server, "qabob");
  std::string room = meet(host, {&ann, &bob}, R"({"name":"Room"})");
  auto ask = [&](Person& p, const char* text) {
    p.ws->send(std::move(Object().set("type", "question-ask").set("text", text)));
    auto u = host.ws->wait_for("question-updated");
    return nested(u.get(), "question", "id");
  };
  std::string q1 = ask(ann, "First question?");
  std::string q2 = ask(bob, "Second question?");
  std::string q3 = ask(ann, "Third question?");
  ASSERT_FALSE(q3.empty());
  // q3 gets two votes, q2 one; Bob's second upvote of q2 takes his vote back.
  ann.ws->send(std::move(Object().set("type", "question-upvote").set("questionId", q3)));
  bob.ws->send(std::move(Object().set("type", "question-upvote").set("questionId", q3)));
  bob.ws->send(std::move(Object().set("type", "question-upvote").set("questionId", q2)));
  bob.ws->send(std::move(Object().set("type", "question-upvote").set("questionId", q2)));
  ann.ws->send(std::move(Object().set("type", "question-upvote").set("questionId", q2)));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(host.ws->wait_for("question-updated"));
  // Participants cannot pin; the host pins q1.
  ann.ws->send(std::move(Object().set("type", "question-pin").set("questionId", q1)));
  EXPECT_EQ(ann.next_error_code(), "forbidden");
  host.ws->send(std::move(Object().set("type", "question-pin").set("questionId", q1)));
  ASSERT_TRUE(host.ws->wait_for("question-updated"));

  auto list = host.http.get("/rooms/" + room + "/questions");
  ASSERT_EQ(list.status, 200) << list.body;
  auto list_json = list.json();
  JsonArray* qs = json_object_get_array_member(obj(list_json.get()), "questions");
  ASSERT_EQ(json_array_get_length(qs), 3u);
  auto id_at = [&](guint i) { return std::string(json_object_get_string_member(json_array_get_object_element(qs, i), "id")); };
  auto votes_at = [&](guint i) { return json_object_get_int_member(json_array_get_object_element(qs, i), "votes"); };
  EXPECT_EQ(id_at(0), q1);  // pinned
  EXPECT_EQ(id_at(1), q3);  // two votes
  EXPECT_EQ(votes_at(1), 2);
  EXPECT_EQ(id_at(2), q2);  // one vote (Bob's toggled off)
  EXPECT_EQ(votes_at(2), 1);

  // A late joiner gets them in room-joined, in that order.
  Person late(server, "qalate");
  late.http.post("/rooms/" + room + "/join");
  auto lj = late.join(room);
  JsonArray* in_join = json_object_get_array_member(obj(lj.get()), "questions");
  ASSERT_EQ(json_array_get_length(in_join), 3u);
  EXPECT_EQ(std::string(json_object_get_string_member(json_array_get_object_element(in_join, 0), "id")), q1);

  host.ws->send(std::move(Object().set("type", "question-delete").set("questionId", q2)));
  EXPECT_EQ(str_field(ann.ws->wait_for("question-deleted").get(), "questionId"), q2);
}

TEST(Captions, RelayedAndFinalLinesMakeTheTranscript) {
  ServerProcess server;
  Person host(server, "caphost"), ann(server, "capann");
  std::string room = meet(host, {&ann}, R"({"name":"Room"})");
  host.ws->send(std::move(Object().set("type", "caption").set("text", "we decided to ship on friday").set("final", false)));
  auto c = ann.ws->wait_for("caption");
  ASSERT_TRUE(c);
  EXPECT_FALSE(json_object_get_boolean_member(obj(c.get()), "final"));
  host.ws->send(std::move(Object().set("type", "caption").set("text", "We decided to ship on Friday.").set("final", true)));
  ASSERT_TRUE(ann.ws->wait_for("caption"));
  ann.ws->send(std::move(Object().set("type", "caption").set("text", "I will write the release notes.").set("final", true)));
  ASSERT_TRUE(host.ws->wait_for("caption"));
  g_usleep(200000);
  auto t = ann.http.get("/rooms/" + room + "/transcript");
  ASSERT_EQ(t.status, 200);
  EXPECT_NE(t.body.find("We decided to ship on Friday."), std::string::npos);
  EXPECT_EQ(t.body.find("we decided to ship on friday\""), std::string::npos);  // interim lines are not kept
  auto s = host.http.post("/ai/summary", "{\"roomId\":\"" + room + "\"}");
  ASSERT_EQ(s.status, 200);
  EXPECT_NE(s.body.find("caphost: We decided to ship on Friday."), std::string::npos) << s.body;
  EXPECT_NE(s.body.find("capann: I will write the release notes."), std::string::npos) << s.body;
}
