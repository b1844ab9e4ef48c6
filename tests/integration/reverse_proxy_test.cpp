// Convene behind a reverse proxy ([server] trusted_proxies), through the real
// binary: from a trusted peer the client is X-Forwarded-For's rightmost
// untrusted hop and the scheme is X-Forwarded-Proto's (rate limits, Secure
// cookies, HSTS, links); from any other peer those headers change nothing.
#include <gtest/gtest.h>

#include <string>

#include "http_client.h"
#include "server_process.h"

using namespace convene::testing;

namespace {

const std::string kLogin = R"({"email":"x@example.test","password":"whatever-1"})";

// Two sign-in attempts per 15 minutes per client, as the proxy tells it (or not).
ServerOptions limited(const std::string& trusted_proxies) {
  ServerOptions o;
  o.env = {{"CONVENE_RATELIMIT_ENABLED", "true"}, {"CONVENE_RATELIMIT_AUTH_PER_15MIN", "2"}};
  if (!trusted_proxies.empty()) o.env["CONVENE_SERVER_TRUSTED_PROXIES"] = trusted_proxies;
  return o;
}

int login_from(HttpClient& http, const std::string& forwarded_for) {
  return http.post("/auth/login", kLogin, {{"X-Forwarded-For", forwarded_for}}).status;
}

int secure_cookies(const Response& r) {
  int n = 0;
  for (auto& c : r.set_cookies) n += c.find("; Secure") != std::string::npos;
  return n;
}

}  // namespace

TEST(TrustedProxy, RateLimitsCountTheForwardedClient) {
  ServerProcess server(limited("127.0.0.1, 10.0.0.0/8"));
  HttpClient http(server.base_url());
  EXPECT_EQ(login_from(http, "203.0.113.7"), 401);
  EXPECT_EQ(login_from(http, "203.0.113.7"), 401);
  auto r = http.post("/auth/login", kLogin, {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "rate_limited");
  // Another client behind the same proxy still gets its own attempts.
  EXPECT_EQ(login_from(http, "198.51.100.9"), 401);
  // The locked-out client names another address on the left: the proxy
  // appended the real one on the right, and that is who is counted.
  EXPECT_EQ(login_from(http, "198.51.100.50, 203.0.113.7"), 429);
  // Behind a second trusted proxy (10.1.2.3), the hop left of it is the client.
  EXPECT_EQ(login_from(http, "203.0.113.7, 10.1.2.3"), 429);
  EXPECT_EQ(login_from(http, "198.51.100.77, 10.1.2.3"), 401);
  // A hop that is no address was not written by a proxy: the last good one
  // stands, here the proxy itself (127.0.0.1, not counted so far).
  EXPECT_EQ(login_from(http, "203.0.113.7, junk"), 401);
  // Without the header, the proxy itself is the client too.
  EXPECT_EQ(http.post("/auth/login", kLogin).status, 401);
  EXPECT_EQ(http.post("/auth/login", kLogin).status, 429);
}

TEST(UntrustedPeer, ForgedForwardedForChangesNothing) {
  // No trusted proxies (the default), and a list that does not hold the peer.
  for (const std::string& trusted : {std::string(), std::string("10.0.0.0/8, ::1")}) {
    ServerProcess server(limited(trusted));
    HttpClient http(server.base_url());
    EXPECT_EQ(login_from(http, "203.0.113.1"), 401) << trusted;
    EXPECT_EQ(login_from(http, "203.0.113.2"), 401) << trusted;
    // Every attempt counted against 127.0.0.1, whatever the header claims.
    EXPECT_EQ(login_from(http, "203.0.113.3"), 429) << trusted;
    EXPECT_EQ(http.post("/auth/login", kLogin).status, 429) << trusted;
  }
}

TEST(TrustedProxy, ForwardedProtoMakesCookiesSecureHstsAndLinksHttps) {
  ServerProcess server({.env = {{"CONVENE_SERVER_TRUSTED_PROXIES", "127.0.0.0/8"},
                                {"CONVENE_OAUTH_OIDC_CLIENT_ID", "convene"},
                                {"CONVENE_OAUTH_OIDC_AUTHORIZE_URL", "http://127.0.0.1:9/authorize"},
                                {"CONVENE_OAUTH_OIDC_TOKEN_URL", "http://127.0.0.1:9/token"},
                                {"CONVENE_OAUTH_OIDC_USERINFO_URL", "http://127.0.0.1:9/userinfo"}}});
  HttpClient http(server.base_url());
  http.set_follow_redirects(false);
  std::map<std::string, std::string> https = {{"X-Forwarded-Proto", "https"}, {"X-Forwarded-For", "203.0.113.5"}};
  auto r = http.post("/auth/register", R"({"email":"p@example.test","username":"proxied","password":"long-password-1"})",
                     https);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(secure_cookies(r), 2);
  EXPECT_NE(r.headers["strict-transport-security"].find("max-age="), std::string::npos);

  // The OAuth redirect_uri is built from the browser's scheme and host.
  auto start = http.get("/auth/sso", https);
  ASSERT_EQ(start.status, 302) << start.body;
  std::string host = server.base_url().substr(std::string("http://").size());
  g_autofree char* expected = g_uri_escape_string(("https://" + host + "/auth/sso/callback").c_str(), nullptr, FALSE);
  EXPECT_NE(start.headers["location"].find(std::string("redirect_uri=") + expected), std::string::npos)
      << start.headers["location"];
  EXPECT_EQ(secure_cookies(start), 1);

  // The proxy says the browser used plain http: nothing is marked Secure.
  auto plain = http.post("/auth/login", R"({"email":"p@example.test","password":"long-password-1"})",
                         {{"X-Forwarded-Proto", "http"}});
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(secure_cookies(plain), 0);
  EXPECT_EQ(plain.headers.count("strict-transport-security"), 0u);
}

TEST(UntrustedPeer, ForgedForwardedProtoChangesNothing) {
  ServerProcess server({.env = {{"CONVENE_SERVER_TRUSTED_PROXIES", "192.0.2.1"}}});
  HttpClient http(server.base_url());
  auto r = http.post("/auth/register", R"({"email":"f@example.test","username":"forger","password":"long-password-1"})",
                     {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(secure_cookies(r), 0);
  EXPECT_EQ(r.headers.count("strict-transport-security"), 0u);
}

TEST(TrustedProxy, ABadEntryStopsStartUpWithItsName) {
  try {
    ServerProcess server({.env = {{"CONVENE_SERVER_TRUSTED_PROXIES", "127.0.0.1, not-an-address"}}});
    FAIL() << "convene started with a bad trusted_proxies entry";
  } catch (const std::runtime_error& e) {
    std::string log = e.what();
    EXPECT_NE(log.find("trusted_proxies"), std::string::npos) << log;
    EXPECT_NE(log.find("not-an-address"), std::string::npos) << log;
  }
}
