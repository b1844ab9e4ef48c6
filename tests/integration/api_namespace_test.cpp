// The API's namespace and the web client's pages, through the real binary:
// under a prefix the routes use (/auth/, /rooms/, /recordings/, /ai/, /live/,
// /health, /ws...) an unknown path is a JSON 404, never index.html with 200;
// page routes (/, /login, /room/:id, /join/:code) still get the client.
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <string>

#include "http_client.h"
#include "server_process.h"

using namespace convene::testing;

namespace {

// A static directory holding only a recognisable index.html.
struct ClientDir {
  ClientDir() {
    g_autofree char* d = g_dir_make_tmp("convene-client-XXXXXX", nullptr);
    path = d;
    g_file_set_contents((path + "/index.html").c_str(), "<!doctype html><title>client page</title>", -1, nullptr);
  }
  ~ClientDir() {
    g_remove((path + "/index.html").c_str());
    g_rmdir(path.c_str());
  }
  std::string path;
};

}  // namespace

TEST(ApiNamespace, UnknownPathsUnderApiPrefixesAreJson404) {
  ClientDir client;
  ServerProcess server({.env = {{"CONVENE_SERVER_STATIC_DIR", client.path}}});
  HttpClient http(server.base_url());
  for (const char* path : {"/rooms/abc/no-such-endpoint", "/rooms/abc/join/extra", "/auth/no/such", "/auth/sso/x/y",
                           "/recordings/abc/nothing/here", "/ai/unknown", "/ai/x/y/z", "/live/abc/x/y/z",
                           "/health/details", "/ws/extra", "//rooms//abc/no-such-endpoint/"}) {
    for (const char* method : {"GET", "HEAD"}) {
      auto r = http.request(method, path);
      EXPECT_EQ(r.status, 404) << method << " " << path << "\n" << r.body;
      EXPECT_EQ(r.headers["content-type"], "application/json") << method << " " << path;
      if (std::string(method) == "GET") {
        EXPECT_EQ(r.error_code(), "not_found") << path << "\n" << r.body;
      }
    }
  }
  auto post = http.post("/rooms/abc/no-such-endpoint", "{}");
  EXPECT_EQ(post.status, 404);
  EXPECT_EQ(post.error_code(), "not_found");
}

TEST(ApiNamespace, PageRoutesStillGetTheClient) {
  ClientDir client;
  ServerProcess server({.env = {{"CONVENE_SERVER_STATIC_DIR", client.path}}});
  HttpClient http(server.base_url());
  for (const char* path : {"/", "/login", "/register", "/room/abc", "/join/XYZ123", "/some/page"}) {
    auto r = http.get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_NE(r.body.find("client page"), std::string::npos) << path << "\n" << r.body;
  }
  // Known endpoints answer as before.
  EXPECT_EQ(http.get("/health").status, 200);
  EXPECT_EQ(http.get("/rooms").status, 401);
  auto session = http.get("/auth/session");
  EXPECT_EQ(session.status, 200);
  EXPECT_EQ(session.headers["content-type"], "application/json");
}
