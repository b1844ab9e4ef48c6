// A person's preferences (the call theme, #19) through the real binary: kept
// in the user_preferences table, shared by every session of that person,
// unknown themes and bad bodies refused with a JSON error; the same on
// PostgreSQL when the suite has one.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <string>

#include "http_client.h"
#include "server_process.h"

using namespace convene::testing;

namespace {

// The theme column of the user's row, "<no row>" or "<null>".
std::string stored_theme(const ServerProcess& server, const std::string& user_id) {
  sqlite3* db = nullptr;
  sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT theme FROM user_preferences WHERE user_id = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, user_id.c_str(), -1, SQLITE_TRANSIENT);
  std::string out = "<no row>";
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    out = t ? reinterpret_cast<const char*>(t) : "<null>";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST(Preferences, ThemeIsStoredPerUserAndFollowsThemToAnotherSession) {
  ServerProcess server;
  HttpClient http(server.base_url());
  std::string id = http.register_user("tess");

  auto none = http.get("/users/me/preferences");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"theme":null})");
  EXPECT_EQ(stored_theme(server, id), "<no row>");

  auto put = http.request("PUT", "/users/me/preferences", R"({"theme":"ocean"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.str("theme"), "ocean");
  EXPECT_EQ(stored_theme(server, id), "ocean");

  // Another device: signs in anew, sees the same theme.
  HttpClient other(server.base_url());
  ASSERT_EQ(other.post("/auth/login", R"({"email":"tess@example.test","password":"correct-horse-1"})").status, 200);
  EXPECT_EQ(other.get("/users/me/preferences").str("theme"), "ocean");
  ASSERT_EQ(other.request("PUT", "/users/me/preferences", R"({"theme":"sakura"})").status, 200);
  EXPECT_EQ(http.get("/users/me/preferences").str("theme"), "sakura");
  EXPECT_EQ(stored_theme(server, id), "sakura");

  // Someone else's preferences are their own.
  HttpClient stranger(server.base_url());
  std::string sid = stranger.register_user("ursula");
  EXPECT_EQ(stranger.get("/users/me/preferences").body, R"({"theme":null})");
  EXPECT_EQ(stored_theme(server, sid), "<no row>");

  // null: back to the default.
  ASSERT_EQ(http.request("PUT", "/users/me/preferences", R"({"theme":null})").status, 200);
  EXPECT_EQ(stored_theme(server, id), "<null>");
}

TEST(Preferences, BadInputIsRefusedAndChangesNothing) {
  ServerProcess server;
  HttpClient http(server.base_url());
  std::string id = http.register_user("vera");
  ASSERT_EQ(http.request("PUT", "/users/me/preferences", R"({"theme":"forest"})").status, 200);

  auto unknown = http.request("PUT", "/users/me/preferences", R"({"theme":"neon-pink"})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.error_code(), "invalid_theme");
  EXPECT_NE(unknown.body.find("ocean"), std::string::npos) << "the error names the known themes: " << unknown.body;

  auto number = http.request("PUT", "/users/me/preferences", R"({"theme":7})");
  EXPECT_EQ(number.status, 400) << number.body;
  EXPECT_EQ(number.error_code(), "invalid_field");

  auto not_json = http.request("PUT", "/users/me/preferences", "theme=ocean", {{"Content-Type", "application/json"}});
  EXPECT_EQ(not_json.status, 400) << not_json.body;
  EXPECT_FALSE(not_json.error_code().empty()) << not_json.body;

  EXPECT_EQ(stored_theme(server, id), "forest");

  HttpClient anon(server.base_url());
  EXPECT_EQ(anon.get("/users/me/preferences").status, 401);
  EXPECT_EQ(anon.request("PUT", "/users/me/preferences", R"({"theme":"ocean"})").status, 401);
}

// The upsert (a second PUT replaces the first) on PostgreSQL.
TEST(Preferences, PostgresKeepsOneRowPerUser) {
  if (postgres_test_url().empty()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP();
  }
  std::string db = create_postgres_database();
  ServerProcess server({.database = db});
  HttpClient http(server.base_url());
  http.register_user("wanda");
  ASSERT_EQ(http.request("PUT", "/users/me/preferences", R"({"theme":"ember"})").status, 200);
  ASSERT_EQ(http.request("PUT", "/users/me/preferences", R"({"theme":"slate"})").status, 200);
  EXPECT_EQ(http.get("/users/me/preferences").str("theme"), "slate");
  PGconn* c = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  PGresult* r = PQexec(c, "SELECT p.theme FROM user_preferences p JOIN users u ON u.id = p.user_id WHERE u.username = 'wanda'");
  ASSERT_EQ(PQntuples(r), 1);
  EXPECT_STREQ(PQgetvalue(r, 0, 0), "slate");
  PQclear(r);
  PQfinish(c);
}
