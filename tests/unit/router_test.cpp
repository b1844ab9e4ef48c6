#include <gtest/gtest.h>

#include "http/path.h"
#include "http/router.h"

using convene::http::normalize_path;
using convene::http::Router;

TEST(Router, MatchesParamsAndPrefersLiterals) {
  Router r;
  int hit = 0;
  r.add("GET", "/rooms/:id", [&](auto) { hit = 1; });
  r.add("GET", "/rooms/stats", [&](auto) { hit = 2; });
  r.add("POST", "/rooms/:id/join", [&](auto) { hit = 3; });

  auto m = r.match("GET", "/rooms/abc");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params["id"], "abc");
  (*m.handler)(nullptr);
  EXPECT_EQ(hit, 1);

  m = r.match("GET", "/rooms/stats");
  ASSERT_TRUE(m.handler);
  (*m.handler)(nullptr);
  EXPECT_EQ(hit, 2);

  // libsoup decoded the path once already; the router does not decode again.
  m = r.match("POST", "/rooms/x y/join");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params["id"], "x y");
  m = r.match("POST", "/rooms/%41/join");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params["id"], "%41");
}

TEST(Router, KnownPathWithOtherMethodIsReported) {
  Router r;
  r.add("POST", "/auth/login", [](auto) {});
  auto m = r.match("GET", "/auth/login");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.path_known);
  m = r.match("GET", "/nothing");
  EXPECT_FALSE(m.path_known);
}

// Rate limits matched "/auth/login" literally while the router also took
// "/auth/login/" and "//auth/login": every rule now sees one spelling.
TEST(NormalizePath, OneSpellingPerPath) {
  struct Case {
    const char* raw;
    const char* normalized;  // null: refused
  };
  const Case cases[] = {
      {"/", "/"},
      {"//", "/"},
      {"/auth/login", "/auth/login"},
      {"/auth/login/", "/auth/login"},
      {"//auth/login", "/auth/login"},
      {"/auth//login//", "/auth/login"},
      {"/auth/./login/.", "/auth/login"},
      {"/./", "/"},
      {"/rooms/", "/rooms"},
      {"/rooms/a b/join", "/rooms/a b/join"},
      {"/rooms/%41", "/rooms/%41"},  // decoded once by libsoup; not again
      {"/a/../b", nullptr},
      {"/..", nullptr},
      {"/a/..", nullptr},
      {"/a/...", "/a/..."},
      {"/a/..b", "/a/..b"},
      {"", nullptr},
      {"auth/login", nullptr},
      {"*", nullptr},
  };
  for (const auto& c : cases) {
    auto n = normalize_path(c.raw);
    if (!c.normalized) {
      EXPECT_FALSE(n.has_value()) << c.raw << " -> " << *n;
    } else {
      ASSERT_TRUE(n.has_value()) << c.raw;
      EXPECT_EQ(*n, c.normalized) << c.raw;
    }
  }
  EXPECT_FALSE(normalize_path(std::string_view("/a\0b", 4)).has_value());
}

TEST(NormalizePath, NormalizedPathsRouteLikeTheirSpellings) {
  Router r;
  int hit = 0;
  r.add("POST", "/auth/login", [&](auto) { hit = 1; });
  r.add("GET", "/rooms/:id", [&](auto) { hit = 2; });
  for (const char* raw : {"/auth/login", "/auth/login/", "//auth//login", "/./auth/login"}) {
    auto m = r.match("POST", *normalize_path(raw));
    ASSERT_TRUE(m.handler) << raw;
  }
  auto m = r.match("GET", *normalize_path("//rooms//abc/"));
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params["id"], "abc");
  // Idempotent: a normalized path normalizes to itself.
  for (const char* raw : {"/", "//x//y/", "/a/./b/", "/rooms/%41"})
    EXPECT_EQ(*normalize_path(*normalize_path(raw)), *normalize_path(raw));
}

// The API namespace is what the routes make it: the first literal segment of
// every pattern, plus reserved ones (the WebSocket endpoint).
TEST(Router, ApiNamespaceComesFromTheRoutes) {
  Router r;
  r.add("GET", "/rooms/:id", [](auto) {});
  r.add("POST", "/auth/login", [](auto) {});
  r.add("GET", "/health", [](auto) {});
  r.add("GET", "/:anything/odd", [](auto) {});  // a parameter claims no prefix
  r.reserve_prefix("ws");
  EXPECT_EQ(r.api_prefixes(), (std::set<std::string>{"auth", "health", "rooms", "ws"}));
  for (const char* in : {"/rooms", "/rooms/abc/no-such", "/auth/x", "/health/x", "/ws", "/ws/extra", "//rooms/x"})
    EXPECT_TRUE(r.in_api_namespace(in)) << in;
  for (const char* out : {"/", "", "/room/abc", "/join/x", "/roomsx", "/login", "/anything/odd", "/authx/y"})
    EXPECT_FALSE(r.in_api_namespace(out)) << out;
}
