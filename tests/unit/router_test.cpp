#include <gtest/gtest.h>

#include "http/router.h"

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

  m = r.match("POST", "/rooms/x%20y/join");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params["id"], "x y");
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
