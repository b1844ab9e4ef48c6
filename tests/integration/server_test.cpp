// The foundation, end to end: the real `convene serve` binary over HTTP.
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <fstream>

#include "http_client.h"
#include "scratch_dir.h"
#include "server_process.h"
#include "toggle_proxy.h"

using namespace convene::testing;

namespace {

std::string binary() { return g_getenv("CONVENE_BINARY"); }

// Runs the binary with args; returns exit status and fills output.
int run_cli(const std::vector<std::string>& args, std::string* out, std::map<std::string, std::string> env = {}) {
  std::string bin = binary();
  std::vector<const char*> argv = {bin.c_str()};
  for (auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
      static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE));
  for (auto& [k, v] : env) g_subprocess_launcher_setenv(l, k.c_str(), v.c_str(), TRUE);
  g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, argv.data(), nullptr);
  g_autofree char* stdout_text = nullptr;
  g_subprocess_communicate_utf8(p, nullptr, nullptr, &stdout_text, nullptr, nullptr);
  if (out) *out = stdout_text ? stdout_text : "";
  return g_subprocess_get_exit_status(p);
}

std::string temp_dir() { return scratch_dir("convene-it"); }

}  // namespace

TEST(Server, HealthReportsOkWithDatabase) {
  ServerProcess server;
  HttpClient http(server.base_url());
  auto r = http.get("/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.str("status"), "ok");
  EXPECT_EQ(r.str("database"), "ok");
  EXPECT_FALSE(r.str("version").empty());
  EXPECT_FALSE(r.str("timestamp").empty());
  auto n = r.json();
  EXPECT_TRUE(json_object_has_member(json_node_get_object(n.get()), "uptime"));
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

// libsoup slices any complete 200 to the request's Range as it writes it,
// and its Debian 12 version leaves an end past the body as it is: 206 with
// no body and a libsoup-CRITICAL. API replies and pages are answered whole.
TEST(Server, RangeHeadersDoNotSliceApiRepliesOrPages) {
  ServerProcess server;
  HttpClient http(server.base_url());
  const std::string page = http.get("/").body;
  ASSERT_FALSE(page.empty());
  for (const char* range : {"bytes=0-10", "bytes=0-99999999", "bytes=0-1,3-4", "bytes=999999-", "bytes=-5"}) {
    auto health = http.get("/health", {{"Range", range}});
    EXPECT_EQ(health.status, 200) << range;
    EXPECT_EQ(health.str("status"), "ok") << range << ": " << health.body;
    EXPECT_EQ(health.headers.count("content-range"), 0u) << range;
    auto index = http.get("/", {{"Range", range}});
    EXPECT_EQ(index.status, 200) << range;
    EXPECT_EQ(index.body, page) << range;
  }
  server.terminate();
  EXPECT_EQ(server.log().find("CRITICAL"), std::string::npos) << server.log();
}

TEST(Server, FirstStartGeneratesASecretAndKeepsIt) {
  ServerProcess server;
  std::string path = server.data_dir() + "/secret.key";
  GStatBuf st;
  ASSERT_EQ(g_stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  g_autofree char* first = nullptr;
  g_file_get_contents(path.c_str(), &first, nullptr, nullptr);
  EXPECT_GE(strlen(first), 32u);
}

TEST(Server, ErrorsAreJsonWithCodeAndMessage) {
  ServerProcess server;
  HttpClient http(server.base_url());
  auto r = http.get("/no/such/endpoint.json");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "not_found");

  r = http.request("DELETE", "/auth/login");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code(), "method_not_allowed");

  r = http.post("/auth/login", "{\"email\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "malformed_json");

  r = http.post("/auth/login", "[1,2]");
  EXPECT_EQ(r.status, 400);

  r = http.post("/auth/register", R"({"email":"a@b.co","username":"ab","password":"longenough"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "invalid_field");
  EXPECT_NE(r.body.find("username"), std::string::npos) << r.body;

  r = http.get("/auth/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "unauthorized");
}

TEST(Server, OversizedBodyIsRefusedWith413) {
  ServerProcess server({.env = {{"CONVENE_SERVER_MAX_BODY_BYTES", "1024"}}});
  HttpClient http(server.base_url());
  std::string big = "{\"x\":\"" + std::string(4096, 'a') + "\"}";
  auto r = http.post("/auth/login", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "payload_too_large");
  // The server is still fine afterwards.
  EXPECT_EQ(HttpClient(server.base_url()).get("/health").status, 200);
}

TEST(Server, ServesTheWebClientAndClientSideRoutes) {
  std::string web = temp_dir();
  std::ofstream(web + "/index.html") << "<!doctype html><title>Convene</title>";
  std::ofstream(web + "/app.js") << "console.log(1)";
  ServerProcess server({.env = {{"CONVENE_SERVER_STATIC_DIR", web}}});
  HttpClient http(server.base_url());
  auto r = http.get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<title>Convene</title>"), std::string::npos);
  r = http.get("/app.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"].rfind("text/javascript", 0), 0u) << r.headers["content-type"];
  r = http.get("/join/abc123");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Convene"), std::string::npos);
  r = http.get("/../../etc/passwd");
  EXPECT_NE(r.body.find("root:"), 0u);
  EXPECT_EQ(r.body.find("root:x:"), std::string::npos);
  r = http.get("/%2e%2e/%2e%2e/etc/passwd");
  EXPECT_EQ(r.body.find("root:x:"), std::string::npos);
}

TEST(Server, SigtermExitsCleanlyAndQuickly) {
  ServerProcess server;
  HttpClient http(server.base_url());
  ASSERT_EQ(http.get("/health").status, 200);
  gint64 t0 = g_get_monotonic_time();
  EXPECT_EQ(server.terminate(15000), 0) << server.log();
  EXPECT_LT((g_get_monotonic_time() - t0) / 1000, 10000);
  EXPECT_NE(server.log().find("shutdown complete"), std::string::npos) << server.log();
}

TEST(Server, LogsOneLinePerRequest) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.get("/health");
  http.get("/nope-404.txt");
  server.terminate();
  std::string log = server.log();
  EXPECT_NE(log.find("GET /health 200"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /nope-404.txt 404"), std::string::npos) << log;
}

TEST(Cli, VersionHelpAndUnknownCommand) {
  std::string out;
  EXPECT_EQ(run_cli({"--version"}, &out), 0);
  EXPECT_EQ(out.rfind("convene ", 0), 0u);
  EXPECT_EQ(run_cli({"--help"}, &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
  EXPECT_NE(run_cli({"frobnicate"}, &out), 0);
}

TEST(Cli, MigrateAppliesOnceOnSqlite) {
  std::string dir = temp_dir();
  std::string out;
  ASSERT_EQ(run_cli({"migrate", "--data-dir", dir}, &out), 0) << out;
  EXPECT_NE(out.find("applied"), std::string::npos);
  EXPECT_EQ(out.find("applied 0"), std::string::npos) << out;
  ASSERT_EQ(run_cli({"migrate", "--data-dir", dir}, &out), 0) << out;
  EXPECT_NE(out.find("applied 0"), std::string::npos) << out;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/convene.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM schema_migrations", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_GE(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(Cli, UnknownConfigKeyStopsStartupNamingIt) {
  std::string dir = temp_dir();
  std::ofstream(dir + "/bad.ini") << "[server]\nportt = 1\n";
  std::string out;
  EXPECT_NE(run_cli({"serve", "--config", dir + "/bad.ini", "--data-dir", dir}, &out), 0);
  EXPECT_NE(out.find("portt"), std::string::npos) << out;
  EXPECT_NE(run_cli({"serve", "--data-dir", dir}, &out, {{"CONVENE_SERVER_PORT", "eighty"}}), 0);
  EXPECT_NE(out.find("port"), std::string::npos) << out;
}

TEST(Postgres, ServesWithPostgresAndStoresThere) {
  if (postgres_test_url().empty()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP();
  }
  std::string db = create_postgres_database();
  ServerProcess server({.database = db});
  HttpClient http(server.base_url());
  ASSERT_EQ(http.get("/health").status, 200);
  http.register_user("pguser");
  PGconn* c = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  PGresult* r = PQexec(c, "SELECT username FROM users");
  ASSERT_EQ(PQntuples(r), 1);
  EXPECT_STREQ(PQgetvalue(r, 0, 0), "pguser");
  PQclear(r);
  PQfinish(c);
}

// The database goes away and comes back: /health says 503, then 200 again,
// and the server never stops.
TEST(Postgres, HealthIs503WhileDatabaseIsDownAndRecovers) {
  if (postgres_test_url().empty()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP();
  }
  std::string db = create_postgres_database();
  ToggleProxy proxy(db);
  ServerProcess server({.env = {{"CONVENE_DATABASE_CONNECT_TIMEOUT_SEC", "2"}}, .database = proxy.url()});
  HttpClient http(server.base_url());
  ASSERT_EQ(http.get("/health").status, 200);

  proxy.set_down(true);
  auto r = http.get("/health");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.str("database"), "unavailable");

  proxy.set_down(false);
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    status = http.get("/health").status;
    if (status != 200) g_usleep(100000);
  }
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(server.running());
}
