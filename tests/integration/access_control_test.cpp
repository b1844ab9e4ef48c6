// Who may see and do what in a room (issue #13, items 5, 8 and 10): the
// lobby and kicks hold on every REST content endpoint, a kick or a held mute
// applies to the person on every connection and outlives the call, and a
// host whose connection drops keeps the room. Checked in the database too.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>

#include "http_client.h"
#include "server_process.h"
#include "test_person.h"
#include "toggle_proxy.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::JsonNodePtr;
using convene::json::Object;

namespace {

using Person = TestPerson;

// The first column of the first row as text ("" when there is none).
std::string db_text(const ServerProcess& server, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Store writes after a WebSocket action are asynchronous: wait (bounded) for them.
bool db_becomes(const ServerProcess& server, const std::string& sql, const std::string& expected) {
  for (int i = 0; i < 100; ++i) {
    if (db_text(server, sql) == expected) return true;
    g_usleep(50000);
  }
  return false;
}

std::string status_sql(const std::string& room, const std::string& user) {
  return "SELECT status FROM room_members WHERE room_id = '" + room + "' AND user_id = '" + user + "'";
}

struct Endpoint {
  const char* method;
  std::string path;
  std::string body;
};

// Every REST endpoint that shows a room's content.
std::vector<Endpoint> content_endpoints(const std::string& room) {
  std::string r = "/rooms/" + room;
  std::string body = "{\"roomId\":\"" + room + "\"}";
  return {{"GET", r + "/messages", ""},   {"GET", r + "/questions", ""}, {"GET", r + "/transcript", ""},
          {"GET", r + "/media", ""},      {"GET", r + "/breakouts", ""}, {"GET", r + "/recordings", ""},
          {"POST", "/ai/summary", body}, {"POST", "/ai/suggest", body}};
}

// Asserts every content endpoint answers `status` (and `code` when refused).
void expect_content(HttpClient& who, const std::string& room, int status, const std::string& code = "") {
  for (const Endpoint& e : content_endpoints(room)) {
    auto r = who.request(e.method, e.path, e.body);
    EXPECT_EQ(r.status, status) << e.method << " " << e.path << ": " << r.body;
    if (!code.empty()) {
      EXPECT_EQ(r.error_code(), code) << e.method << " " << e.path << ": " << r.body;
    }
  }
}

// A second connection of `p` (another tab, another device).
std::unique_ptr<WsClient> second_connection(const ServerProcess& server, Person& p) {
  return WsClient::connect(server.base_url(), p.http.token());
}

JsonNodePtr join_on(WsClient& ws, const std::string& room, const std::string& reply) {
  ws.send(std::move(Object().set("type", "join-room").set("roomId", room)));
  return ws.wait_for(reply);
}

}  // namespace

TEST(ContentAccess, LobbyWaitersAndKickedUsersSeeNothingThroughRest) {
  ServerProcess server;
  Person host(server, "achost"), ann(server, "acann"), outsider(server, "acoutsider");
  std::string room = host.http.post("/rooms", R"({"name":"Board","lobbyEnabled":true})").str("id");
  ASSERT_TRUE(host.join(room));
  // The room's content: chat, a question, a final caption (the transcript).
  host.ws->send(std::move(Object().set("type", "chat-message").set("content", "secret agenda")));
  ASSERT_TRUE(host.ws->wait_for("chat-message"));
  host.ws->send(std::move(Object().set("type", "question-ask").set("text", "Budget cut?")));
  ASSERT_TRUE(host.ws->wait_for("question-updated"));
  host.ws->send(std::move(Object().set("type", "caption").set("text", "We cut the budget by half.").set("final", true)));
  ASSERT_TRUE(db_becomes(server, "SELECT COUNT(*) FROM transcript_lines", "1"));

  // Ann joins the room behind its lobby: a member, waiting, and the store says so.
  ASSERT_EQ(ann.http.post("/rooms/" + room + "/join").status, 200);
  EXPECT_EQ(db_text(server, status_sql(room, ann.user_id)), "waiting");
  ann.send_join(room);
  ASSERT_TRUE(ann.ws->wait_for("lobby-waiting"));
  auto req = host.ws->wait_for("lobby-request");
  ASSERT_TRUE(req);
  expect_content(ann.http, room, 403, "not_admitted");
  expect_content(outsider.http, room, 403, "forbidden");
  expect_content(host.http, room, 200);

  // Admitted: stored before room-joined, so REST agrees at once.
  host.ws->send(std::move(Object().set("type", "lobby-admit").set("lobbyId", str_field(req.get(), "lobbyId"))));
  auto joined = ann.ws->wait_for("room-joined");
  ASSERT_TRUE(joined);
  ann.peer_id = str_field(joined.get(), "peerId");
  EXPECT_EQ(db_text(server, status_sql(room, ann.user_id)), "admitted");
  expect_content(ann.http, room, 200);
  auto messages = ann.http.get("/rooms/" + room + "/messages");
  EXPECT_NE(messages.body.find("secret agenda"), std::string::npos) << messages.body;

  // Kicked: refused again, with its own code.
  host.ws->send(std::move(Object().set("type", "kick").set("peerId", ann.peer_id)));
  ASSERT_TRUE(ann.ws->wait_for("kicked"));
  ASSERT_TRUE(db_becomes(server, status_sql(room, ann.user_id), "kicked"));
  expect_content(ann.http, room, 403, "kicked");
  auto summary = ann.http.post("/ai/summary", "{\"roomId\":\"" + room + "\"}");
  EXPECT_EQ(summary.body.find("budget"), std::string::npos) << summary.body;
  // Nor is the room among hers any more.
  auto mine = ann.http.get("/rooms");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.body.find(room), std::string::npos) << "a kicked member's room list: " << mine.body;
  EXPECT_NE(host.http.get("/rooms").body.find(room), std::string::npos) << "the host still has it";
}

TEST(ContentAccess, WithoutALobbyJoiningIsAdmission) {
  ServerProcess server;
  Person host(server, "nlhost"), ann(server, "nlann");
  std::string room = host.http.post("/rooms", R"({"name":"Open"})").str("id");
  ASSERT_EQ(ann.http.post("/rooms/" + room + "/join").status, 200);
  EXPECT_EQ(db_text(server, status_sql(room, ann.user_id)), "admitted");
  expect_content(ann.http, room, 200);
}

TEST(Kick, RemovesThePersonOnEveryConnectionAndOutlivesTheCall) {
  ServerProcess server;
  Person host(server, "kkhost"), ann(server, "kkann"), bob(server, "kkbob");
  std::string room = meet(host, {&ann, &bob}, R"({"name":"Room"})");
  auto ann2 = second_connection(server, ann);
  ASSERT_TRUE(ann2);
  auto joined2 = join_on(*ann2, room, "room-joined");
  ASSERT_TRUE(joined2);
  std::string ann_peer2 = str_field(joined2.get(), "peerId");
  ASSERT_TRUE(bob.ws->wait_for("peer-joined"));

  host.ws->send(std::move(Object().set("type", "kick").set("peerId", ann.peer_id)));
  EXPECT_TRUE(ann.ws->wait_for("kicked"));
  EXPECT_TRUE(ann2->wait_for("kicked")) << "the second connection is removed too";
  ASSERT_TRUE(db_becomes(server, status_sql(room, ann.user_id), "kicked"));

  // Neither connection can talk to the room any more.
  ann2->send(std::move(Object().set("type", "chat-message").set("content", "still here")));
  EXPECT_EQ(str_field(ann2->wait_for("error").get(), "code"), "not_in_room");
  EXPECT_FALSE(bob.ws->wait_for("chat-message", 300));
  // Coming back on either connection means the lobby.
  EXPECT_TRUE(join_on(*ann2, room, "lobby-waiting"));

  // Leaving and joining again through REST does not lift it.
  ann2->send(std::move(Object().set("type", "leave-room")));
  ASSERT_TRUE(ann2->wait_for("room-left"));
  EXPECT_EQ(ann.http.post("/rooms/" + room + "/leave").status, 200);
  EXPECT_EQ(ann.http.post("/rooms/" + room + "/join").status, 200);
  EXPECT_EQ(db_text(server, status_sql(room, ann.user_id)), "kicked");

  // Nor does the call ending: everyone leaves, the live room goes, a new call starts.
  for (Person* p : {&host, &bob}) {
    p->ws->send(std::move(Object().set("type", "leave-room")));
    ASSERT_TRUE(p->ws->wait_for("room-left"));
  }
  ASSERT_TRUE(host.join(room));
  ann.send_join(room);
  EXPECT_TRUE(ann.ws->wait_for("lobby-waiting"));
  auto req = host.ws->wait_for("lobby-request");
  ASSERT_TRUE(req);
  // A host admits her again: in, and the store says admitted.
  host.ws->send(std::move(Object().set("type", "lobby-admit").set("lobbyId", str_field(req.get(), "lobbyId"))));
  EXPECT_TRUE(ann.ws->wait_for("room-joined"));
  EXPECT_EQ(db_text(server, status_sql(room, ann.user_id)), "admitted");
}

TEST(Kick, AKickedCoHostComesBackAsAParticipantThroughTheLobby) {
  ServerProcess server;
  Person host(server, "kchost"), ann(server, "kcann");
  std::string room = meet(host, {&ann}, R"({"name":"Room"})");
  host.ws->send(std::move(Object().set("type", "promote").set("peerId", ann.peer_id).set("role", "CO_HOST")));
  ASSERT_TRUE(ann.ws->wait_for("role-changed"));
  host.ws->send(std::move(Object().set("type", "kick").set("peerId", ann.peer_id)));
  ASSERT_TRUE(ann.ws->wait_for("kicked"));
  ASSERT_TRUE(db_becomes(server, status_sql(room, ann.user_id), "kicked"));
  EXPECT_EQ(db_text(server, "SELECT role FROM room_members WHERE user_id = '" + ann.user_id + "'"), "PARTICIPANT");
  expect_content(ann.http, room, 403, "kicked");
  ann.send_join(room);
  EXPECT_TRUE(ann.ws->wait_for("lobby-waiting"));
}

TEST(HostMute, HeldPerUserOnEveryConnectionAcrossRejoinAndCalls) {
  ServerProcess server;
  Person host(server, "hmhost"), ann(server, "hmann");
  std::string room = meet(host, {&ann}, R"({"name":"Room"})");
  auto ann2 = second_connection(server, ann);
  ASSERT_TRUE(ann2 && join_on(*ann2, room, "room-joined"));

  host.ws->send(std::move(
      Object().set("type", "mute").set("peerId", ann.peer_id).set("source", "microphone").set("allowUnmute", false)));
  auto told = ann.ws->wait_for("muted-by-host");
  ASSERT_TRUE(told);
  EXPECT_FALSE(json_object_get_boolean_member(obj(told.get()), "canUnmute"));
  EXPECT_TRUE(ann2->wait_for("muted-by-host")) << "every connection of the user is muted";
  ASSERT_TRUE(db_becomes(server,
                         "SELECT source FROM room_host_mutes WHERE room_id = '" + room + "' AND user_id = '" +
                             ann.user_id + "'",
                         "microphone"));
  ann2->send(std::move(Object().set("type", "track-muted").set("source", "microphone").set("muted", false)));
  EXPECT_EQ(str_field(ann2->wait_for("error").get(), "code"), "unmute_not_allowed");

  // Leave and come back: told again, still refused.
  ann2.reset();
  ann.ws->send(std::move(Object().set("type", "leave-room")));
  ASSERT_TRUE(ann.ws->wait_for("room-left"));
  ASSERT_TRUE(ann.join(room));
  auto again = ann.ws->wait_for("muted-by-host");
  ASSERT_TRUE(again);
  EXPECT_FALSE(json_object_get_boolean_member(obj(again.get()), "canUnmute"));
  ann.ws->send(std::move(Object().set("type", "track-muted").set("source", "microphone").set("muted", false)));
  EXPECT_EQ(ann.next_error_code(), "unmute_not_allowed");

  // The call ends (everyone leaves) and a new one starts: still held.
  for (Person* p : {&ann, &host}) {
    p->ws->send(std::move(Object().set("type", "leave-room")));
    ASSERT_TRUE(p->ws->wait_for("room-left"));
  }
  ASSERT_TRUE(host.join(room));
  ASSERT_TRUE(ann.join(room));
  ann.ws->send(std::move(Object().set("type", "track-muted").set("source", "microphone").set("muted", false)));
  EXPECT_EQ(ann.next_error_code(), "unmute_not_allowed");

  // The host lets her unmute: lifted in the store, and she may.
  host.ws->send(std::move(
      Object().set("type", "mute").set("peerId", ann.peer_id).set("source", "microphone").set("allowUnmute", true)));
  ASSERT_TRUE(ann.ws->wait_for("muted-by-host"));
  ASSERT_TRUE(db_becomes(server, "SELECT COUNT(*) FROM room_host_mutes", "0"));
  ann.ws->send(std::move(Object().set("type", "track-muted").set("source", "microphone").set("muted", false)));
  auto seen = host.ws->wait_for("track-muted");
  for (int i = 0; seen && json_object_get_boolean_member(obj(seen.get()), "muted") && i < 5; ++i)
    seen = host.ws->wait_for("track-muted");
  ASSERT_TRUE(seen);
  EXPECT_FALSE(json_object_get_boolean_member(obj(seen.get()), "muted"));
}

TEST(HostHandOver, ADroppedHostKeepsTheRoomAndTakesItBack) {
  ServerProcess server;
  Person host(server, "hohost"), ann(server, "hoann"), bob(server, "hobob");
  std::string room = host.http.post("/rooms", R"({"name":"Room"})").str("id");
  ann.become_member(room);
  bob.become_member(room);
  // The host's connection runs through a proxy the test can cut: a network
  // drop, no close frame.
  ToggleProxy proxy(server.base_url());
  auto dropping = WsClient::connect(proxy.url(), host.http.token());
  ASSERT_TRUE(dropping);
  ASSERT_TRUE(join_on(*dropping, room, "room-joined"));
  ASSERT_TRUE(ann.join(room));
  ASSERT_TRUE(bob.join(room));

  proxy.set_down(true);
  auto hc = ann.ws->wait_for("host-changed", 10000);
  ASSERT_TRUE(hc);
  EXPECT_EQ(str_field(hc.get(), "peerId"), ann.peer_id);
  EXPECT_EQ(str_field(hc.get(), "reason"), "host-left");
  ASSERT_TRUE(bob.ws->wait_for("host-changed"));
  // Ann stands in for this meeting only: the store still says the host owns it.
  g_usleep(300000);
  EXPECT_EQ(db_text(server, "SELECT host_id FROM rooms WHERE id = '" + room + "'"), host.user_id);
  EXPECT_EQ(db_text(server, "SELECT role FROM room_members WHERE user_id = '" + host.user_id + "'"), "HOST");
  EXPECT_EQ(db_text(server, "SELECT role FROM room_members WHERE user_id = '" + ann.user_id + "'"), "PARTICIPANT");
  EXPECT_EQ(ann.http.get("/rooms/" + room).str("hostId"), host.user_id);
  // She runs the call, but cannot end the room or give it away.
  EXPECT_EQ(ann.http.post("/rooms/" + room + "/end").status, 403);
  ann.ws->send(std::move(Object().set("type", "transfer-host").set("peerId", bob.peer_id)));
  EXPECT_EQ(ann.next_error_code(), "forbidden");

  // The host comes back as HOST; Ann is a participant again.
  auto back = host.join(room);
  ASSERT_TRUE(back);
  EXPECT_EQ(str_field(back.get(), "role"), "HOST");
  auto returned = bob.ws->wait_for("host-changed");
  ASSERT_TRUE(returned);
  EXPECT_EQ(str_field(returned.get(), "reason"), "host-returned");
  EXPECT_EQ(str_field(returned.get(), "peerId"), host.peer_id);
  auto rc = ann.ws->wait_for("role-changed");
  ASSERT_TRUE(rc);
  EXPECT_EQ(str_field(rc.get(), "peerId"), ann.peer_id);
  EXPECT_EQ(str_field(rc.get(), "role"), "PARTICIPANT");
  // Nobody the hand-over promoted can remove the owner, and the owner can end the room.
  ann.ws->send(std::move(Object().set("type", "kick").set("peerId", host.peer_id)));
  EXPECT_EQ(ann.next_error_code(), "forbidden");
  EXPECT_FALSE(host.ws->wait_for("kicked", 300));
  EXPECT_EQ(host.http.post("/rooms/" + room + "/end").status, 200);
}

TEST(HostHandOver, TheOwnerOnAnotherConnectionStaysHostAndCannotBeKicked) {
  ServerProcess server;
  Person host(server, "sohost"), ann(server, "soann");
  std::string room = meet(host, {&ann}, R"({"name":"Room"})");
  // Every peer of the owner is HOST: when one leaves, the other still hosts
  // and nobody stands in.
  auto host2 = second_connection(server, host);
  ASSERT_TRUE(host2);
  auto j2 = join_on(*host2, room, "room-joined");
  ASSERT_TRUE(j2);
  EXPECT_EQ(str_field(j2.get(), "role"), "HOST");
  host.ws->send(std::move(Object().set("type", "leave-room")));
  ASSERT_TRUE(host.ws->wait_for("room-left"));
  EXPECT_FALSE(ann.ws->wait_for("host-changed", 300)) << "the owner is still here on another connection";
  ann.ws->send(std::move(Object().set("type", "kick").set("peerId", str_field(j2.get(), "peerId"))));
  EXPECT_EQ(ann.next_error_code(), "forbidden");
}
