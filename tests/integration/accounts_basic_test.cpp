// Sign-up, sign-in and identity: the basics every other module relies on.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "http_client.h"
#include "server_process.h"

using namespace convene::testing;

TEST(AccountsBasic, RegisterLoginMe) {
  ServerProcess server;
  HttpClient http(server.base_url());
  std::string id = http.register_user("ada");
  EXPECT_FALSE(id.empty());

  auto me = http.get("/auth/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find("\"username\":\"ada\""), std::string::npos);

  HttpClient other(server.base_url());
  auto r = other.post("/auth/login", R"({"email":"ADA@example.test","password":"correct-horse-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.str("accessToken").empty());
  // The cookie alone authenticates too (browsers).
  bool cookie = false;
  for (auto& c : r.set_cookies) cookie |= c.rfind("access_token=", 0) == 0 && c.find("HttpOnly") != std::string::npos;
  EXPECT_TRUE(cookie);
  EXPECT_EQ(other.get("/auth/me").status, 200);
}

TEST(AccountsBasic, WrongPasswordAndUnknownEmailLookAlike) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("bob");
  HttpClient anon(server.base_url());
  auto wrong = anon.post("/auth/login", R"({"email":"bob@example.test","password":"not-the-one"})");
  auto unknown = anon.post("/auth/login", R"({"email":"nobody@example.test","password":"not-the-one"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
}

TEST(AccountsBasic, TakenEmailOrUsernameIs409) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("carol");
  HttpClient again(server.base_url());
  auto r = again.post("/auth/register",
                      R"({"email":"carol@example.test","username":"carol2","password":"password123"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "email_taken");
  r = again.post("/auth/register", R"({"email":"c2@example.test","username":"carol","password":"password123"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "username_taken");
}

TEST(AccountsBasic, NoClearPasswordInTheDatabaseFile) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("dave", "Sup3r-Secret-Pass");
  server.terminate();
  for (const char* f : {"/convene.db", "/convene.db-wal"}) {
    std::ifstream in(server.data_dir() + f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find("Sup3r-Secret-Pass"), std::string::npos) << f;
  }
}

TEST(AccountsBasic, WebSocketTokenIsShortLived) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("erin");
  auto r = http.get("/auth/ws-token");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.str("token").empty());
  EXPECT_NE(r.body.find("\"expiresIn\":60"), std::string::npos);
}
