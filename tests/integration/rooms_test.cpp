// The room REST API against the real server, checked in the database too.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "http_client.h"
#include "server_process.h"
#include "ws_client.h"

using namespace convene::testing;

namespace {

std::string member_str(JsonNode* n, const char* m) { return str_field(n, m); }

int64_t db_count(const ServerProcess& server, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST(Rooms, CreateWithDefaultsAndValidation) {
  ServerProcess server;
  HttpClient host(server.base_url());
  std::string host_id = host.register_user("roomhost");
  auto r = host.post("/rooms", R"({"name":"Standup"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto n = r.json();
  EXPECT_EQ(member_str(n.get(), "name"), "Standup");
  EXPECT_EQ(member_str(n.get(), "type"), "GROUP");
  EXPECT_EQ(member_str(n.get(), "hostId"), host_id);
  EXPECT_EQ(int_field(n.get(), "maxParticipants"), 50);
  EXPECT_FALSE(member_str(n.get(), "inviteCode").empty());
  EXPECT_TRUE(json_object_get_boolean_member(obj(n.get()), "isActive"));

  r = host.post("/rooms", R"({"type":"ONE_TO_ONE","maxParticipants":10})");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(int_field(r.json().get(), "maxParticipants"), 2);

  EXPECT_EQ(host.post("/rooms", R"({"type":"PARTY"})").status, 400);
  EXPECT_EQ(host.post("/rooms", R"({"maxParticipants":1})").status, 400);
  EXPECT_EQ(host.post("/rooms", R"({"scheduledAt":"tomorrow"})").status, 400);
  EXPECT_EQ(HttpClient(server.base_url()).post("/rooms", "{}").status, 401);
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM rooms"), 2);
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM room_members WHERE role = 'HOST'"), 2);
}

TEST(Rooms, JoinByIdAndInviteThenFullEndedAndUnknown) {
  ServerProcess server;
  HttpClient host(server.base_url()), a(server.base_url()), b(server.base_url());
  host.register_user("host1");
  a.register_user("alice1");
  b.register_user("bob1");
  auto room = host.post("/rooms", R"({"name":"Pair","type":"ONE_TO_ONE"})").json();
  std::string id = member_str(room.get(), "id"), code = member_str(room.get(), "inviteCode");

  EXPECT_EQ(a.get("/rooms/" + id).status, 403);  // not a member yet
  auto j = a.post("/rooms/join/" + code);
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.str("role"), "PARTICIPANT");
  EXPECT_EQ(a.get("/rooms/" + id).status, 200);
  EXPECT_EQ(a.post("/rooms/" + id + "/join").status, 200);  // again: fine, still one membership

  auto full = b.post("/rooms/" + id + "/join");
  EXPECT_EQ(full.status, 409);
  EXPECT_EQ(full.error_code(), "room_full");
  EXPECT_EQ(b.post("/rooms/join/no-such-code").status, 404);
  EXPECT_EQ(b.post("/rooms/no-such-id/join").status, 404);

  EXPECT_EQ(a.post("/rooms/" + id + "/end").status, 403);
  auto ended = host.post("/rooms/" + id + "/end");
  ASSERT_EQ(ended.status, 200);
  EXPECT_FALSE(json_object_get_boolean_member(obj(ended.json().get()), "isActive"));
  auto late = b.post("/rooms/join/" + code);
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.error_code(), "room_ended");
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM rooms WHERE ended_at IS NOT NULL"), 1);
}

TEST(Rooms, ListFiltersByActiveAndUpcoming) {
  ServerProcess server;
  HttpClient host(server.base_url()), other(server.base_url());
  host.register_user("lister");
  other.register_user("stranger");
  std::string live = member_str(host.post("/rooms", R"({"name":"Live"})").json().get(), "id");
  std::string done = member_str(host.post("/rooms", R"({"name":"Done"})").json().get(), "id");
  host.post("/rooms", R"({"name":"Later","scheduledAt":"2099-01-01T10:00:00Z","durationMin":30})");
  host.post("/rooms/" + done + "/end");
  auto all = host.get("/rooms");
  EXPECT_NE(all.body.find("Live"), std::string::npos);
  EXPECT_NE(all.body.find("Done"), std::string::npos);
  auto active = host.get("/rooms?active=true");
  EXPECT_NE(active.body.find("Live"), std::string::npos);
  EXPECT_EQ(active.body.find("Done"), std::string::npos);
  auto past = host.get("/rooms?active=false");
  EXPECT_EQ(past.body.find("Live"), std::string::npos);
  EXPECT_NE(past.body.find("Done"), std::string::npos);
  auto upcoming = host.get("/rooms?scheduled=upcoming");
  EXPECT_NE(upcoming.body.find("Later"), std::string::npos);
  EXPECT_EQ(upcoming.body.find("Live"), std::string::npos);
  EXPECT_EQ(other.get("/rooms").body.find("Live"), std::string::npos);
  EXPECT_EQ(host.get("/rooms?active=maybe").status, 400);
}

TEST(Rooms, StatsComeFromAttendance) {
  ServerProcess server;
  HttpClient host(server.base_url()), guest(server.base_url());
  host.register_user("stathost");
  guest.register_user("statguest");
  auto room = host.post("/rooms", R"({"name":"Stats"})").json();
  std::string id = member_str(room.get(), "id");
  guest.post("/rooms/" + id + "/join");
  {
    auto h = WsClient::connect(server.base_url(), host.token());
    auto g = WsClient::connect(server.base_url(), guest.token());
    ASSERT_TRUE(h && g);
    h->send(std::move(convene::json::Object().set("type", "join-room").set("roomId", id)));
    ASSERT_TRUE(h->wait_for("room-joined"));
    g->send(std::move(convene::json::Object().set("type", "join-room").set("roomId", id)));
    ASSERT_TRUE(g->wait_for("room-joined"));
    // The guest leaves first (were the host first, the guest would become host).
    g->send(std::move(convene::json::Object().set("type", "leave-room")));
    ASSERT_TRUE(h->wait_for("peer-left"));
    h->send(std::move(convene::json::Object().set("type", "leave-room")));
    ASSERT_TRUE(h->wait_for("room-left"));
  }
  g_usleep(300000);  // the attendance rows are closed on a store worker
  auto s = host.get("/rooms/stats");
  ASSERT_EQ(s.status, 200) << s.body;
  auto n = s.json();
  EXPECT_EQ(int_field(n.get(), "totalMeetings"), 1);
  EXPECT_EQ(int_field(n.get(), "hostedCount"), 1);
  JsonObject* by_type = json_object_get_object_member(obj(n.get()), "byType");
  EXPECT_EQ(json_object_get_int_member(by_type, "GROUP"), 1);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(n.get()), "daily")), 30u);
  JsonArray* history = json_object_get_array_member(obj(n.get()), "history");
  ASSERT_EQ(json_array_get_length(history), 1u);
  JsonObject* h0 = json_array_get_object_element(history, 0);
  EXPECT_EQ(json_object_get_int_member(h0, "participants"), 2);
  EXPECT_TRUE(json_object_get_boolean_member(h0, "wasHost"));
  EXPECT_FALSE(json_node_is_null(json_object_get_member(h0, "endedAt")));
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM room_participants WHERE left_at IS NOT NULL"), 2);
}
