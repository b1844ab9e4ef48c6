#include <gtest/gtest.h>

#include "http/rate_limiter.h"
#include "signaling/ice_servers.h"

using convene::http::RateLimiter;

TEST(RateLimiter, FiresAtTheLimitAndResetsWithTheWindow) {
  RateLimiter l;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.hit("auth|1.2.3.4", 3, 60000, 1000 + i), 0);
  EXPECT_EQ(l.hit("auth|1.2.3.4", 3, 60000, 2000), 59000);  // ms until the window resets
  EXPECT_EQ(l.hit("auth|5.6.7.8", 3, 60000, 2000), 0);      // another client is unaffected
  EXPECT_EQ(l.hit("auth|1.2.3.4", 3, 60000, 61000), 0);     // a new window
}

TEST(RateLimiter, IdleKeysAreSweptSoMemoryStaysBounded) {
  RateLimiter l;
  for (int i = 0; i < 25000; ++i) l.hit("k" + std::to_string(i), 5, 1000, 0);
  l.hit("late", 5, 1000, 5000);
  EXPECT_LT(l.size(), 25000u);
}

// The TURN REST credential as coturn computes it: base64(HMAC-SHA1(secret, username)).
TEST(IceServers, TurnRestCredentialMatchesAKnownVector) {
  // echo -n "1700000000:user-1" | openssl dgst -sha1 -hmac "north" -binary | base64
  EXPECT_EQ(convene::signaling::turn_credential("north", "1700000000:user-1"), "G86sOlIp58mcfrsDqnp1wtU2rII=");
  convene::signaling::IceSettings s{{"stun:stun.example.org:3478"}, {"turn:turn.example.org:3478"}, "north", 3600};
  auto json = convene::json::stringify(std::move(convene::signaling::ice_servers_for(s, "user-1", 1699996400)).node().get());
  EXPECT_NE(json.find("\"username\":\"1700000000:user-1\""), std::string::npos) << json;
  EXPECT_NE(json.find("stun:stun.example.org:3478"), std::string::npos);
}

// Found by tests/fuzz (config): [ice] turn_ttl_sec near INT64_MAX overflowed
// the expiry (undefined behaviour; in practice a negative, long-past expiry).
TEST(IceServers, AHugeTurnTtlSaturatesInsteadOfOverflowing) {
  convene::signaling::IceSettings s{{}, {"turn:turn.example.org:3478"}, "north", INT64_MAX};
  auto node = std::move(convene::signaling::ice_servers_for(s, "user-1", 1764000000)).node();
  JsonObject* turn = json_node_get_object(json_array_get_element(json_node_get_array(node.get()), 0));
  std::string username = json_object_get_string_member(turn, "username");
  EXPECT_EQ(username, std::to_string(INT64_MAX) + ":user-1");
}
