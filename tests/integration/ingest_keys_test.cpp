// Ingest keys through the real server (issue #17): host only, the key shown
// once and stored hashed, listed without it, revoked by DELETE.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "http_client.h"
#include "server_process.h"

using namespace convene::testing;

namespace {

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

TEST(IngestKeys, HostCreatesListsAndRevokes) {
  ServerProcess server;
  HttpClient host(server.base_url()), guest(server.base_url());
  host.register_user("studiohost");
  guest.register_user("studioguest");
  auto room = host.post("/rooms", R"({"name":"Studio"})");
  ASSERT_EQ(room.status, 201);
  std::string room_id = room.str("id");
  auto code = room.str("inviteCode");
  ASSERT_EQ(guest.post("/rooms/join/" + code).status, 200);

  auto created = host.post("/rooms/" + room_id + "/ingest-keys", R"({"name":"OBS studio"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string key = created.str("key"), key_id = created.str("id");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(created.str("name"), "OBS studio");
  EXPECT_EQ(created.str("whipUrl"), server.base_url() + "/whip/" + room_id);
  EXPECT_NE(created.body.find("\"srtUrl\":null"), std::string::npos) << created.body;  // SRT off by default

  // Stored as its hash only.
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM ingest_keys WHERE room_id = '" + room_id + "'"), 1);
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM ingest_keys WHERE key_hash = '" + key + "'"), 0);

  auto listed = host.get("/rooms/" + room_id + "/ingest-keys");
  ASSERT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find(key_id), std::string::npos);
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "the list never shows a key";

  // Members who are not the host, strangers, bad input.
  EXPECT_EQ(guest.post("/rooms/" + room_id + "/ingest-keys", R"({"name":"x"})").status, 403);
  EXPECT_EQ(guest.get("/rooms/" + room_id + "/ingest-keys").status, 403);
  EXPECT_EQ(guest.del("/rooms/" + room_id + "/ingest-keys/" + key_id).status, 403);
  EXPECT_EQ(HttpClient(server.base_url()).get("/rooms/" + room_id + "/ingest-keys").status, 401);
  EXPECT_EQ(host.post("/rooms/no-such-room/ingest-keys", R"({"name":"x"})").status, 404);
  EXPECT_EQ(host.post("/rooms/" + room_id + "/ingest-keys", R"({})").status, 400);
  EXPECT_EQ(host.post("/rooms/" + room_id + "/ingest-keys", R"({"name":")" + std::string(65, 'a') + "\"}").status,
            400);
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM ingest_keys"), 1);

  EXPECT_EQ(host.del("/rooms/" + room_id + "/ingest-keys/" + key_id).status, 204);
  EXPECT_EQ(host.del("/rooms/" + room_id + "/ingest-keys/" + key_id).status, 404);
  EXPECT_EQ(db_count(server, "SELECT COUNT(*) FROM ingest_keys"), 0);
  EXPECT_EQ(host.get("/rooms/" + room_id + "/ingest-keys").body, "[]");
}
