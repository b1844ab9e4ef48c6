// Who the client is behind a reverse proxy: table tests of TrustedProxies
// (http/trusted_proxies.h), the one place the server decides it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "http/trusted_proxies.h"

using convene::http::ClientOrigin;
using convene::http::TrustedProxies;

TEST(TrustedProxies, ParsesAddressesAndCidrsAndRefusesTheRest) {
  TrustedProxies p({"127.0.0.1", " 10.0.0.0/8 ", "::1", "fd00::/8", ""});
  for (const char* yes : {"127.0.0.1", "10.1.2.3", "::1", "fd12::5", "::ffff:127.0.0.1", "::ffff:10.9.9.9"})
    EXPECT_TRUE(p.trusts(yes)) << yes;
  for (const char* no : {"127.0.0.2", "11.0.0.1", "::2", "fe80::1", "203.0.113.1", "junk", ""})
    EXPECT_FALSE(p.trusts(no)) << no;
  EXPECT_TRUE(TrustedProxies(std::vector<std::string>{}).empty());
  for (const char* bad : {"localhost", "10.0.0.0/33", "300.1.2.3", "10.0.0.1/8", "1.2.3.4/"}) {
    try {
      TrustedProxies t({"127.0.0.1", bad});
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(TrustedProxies, ResolvesTheClientFromTrustedPeersOnly) {
  TrustedProxies p({"127.0.0.1", "10.0.0.0/8"});
  struct Case {
    const char* peer;
    bool tls;
    const char* xff;
    const char* proto;
    const char* address;
    bool https;
    bool forwarded;
  } cases[] = {
      // Untrusted peers: the headers change nothing.
      {"203.0.113.9", false, "198.51.100.1", "https", "203.0.113.9", false, false},
      {"203.0.113.9", true, "198.51.100.1", "http", "203.0.113.9", true, false},
      {"::1", false, "198.51.100.1", nullptr, "::1", false, false},
      // A trusted peer without headers is the client itself.
      {"127.0.0.1", false, nullptr, nullptr, "127.0.0.1", false, false},
      {"::ffff:127.0.0.1", false, "198.51.100.1", nullptr, "198.51.100.1", false, true},
      // The rightmost hop that is not a trusted proxy.
      {"127.0.0.1", false, "198.51.100.1", nullptr, "198.51.100.1", false, true},
      {"127.0.0.1", false, "6.6.6.6, 198.51.100.1", nullptr, "198.51.100.1", false, true},
      {"127.0.0.1", false, "198.51.100.1, 10.0.0.7", nullptr, "198.51.100.1", false, true},
      {"127.0.0.1", false, "6.6.6.6,198.51.100.1,10.0.0.7,10.0.0.8", nullptr, "198.51.100.1", false, true},
      {"127.0.0.1", false, "2001:db8::1", nullptr, "2001:db8::1", false, true},
      // Only trusted hops: the leftmost of them.
      {"127.0.0.1", false, "10.0.0.9, 10.0.0.7", nullptr, "10.0.0.9", false, true},
      // Garbage ends the walk at the last good hop (or the peer).
      {"127.0.0.1", false, "198.51.100.1, junk", nullptr, "127.0.0.1", false, false},
      {"127.0.0.1", false, "junk, 198.51.100.1", nullptr, "198.51.100.1", false, true},
      {"127.0.0.1", false, "", nullptr, "127.0.0.1", false, false},
      // The scheme: the last X-Forwarded-Proto value.
      {"127.0.0.1", false, nullptr, "https", "127.0.0.1", true, true},
      {"127.0.0.1", false, nullptr, "HTTPS", "127.0.0.1", true, true},
      {"127.0.0.1", false, nullptr, "http, https", "127.0.0.1", true, true},
      {"127.0.0.1", true, nullptr, "http", "127.0.0.1", false, true},
      {"127.0.0.1", true, nullptr, "gopher", "127.0.0.1", true, false},
      {"10.2.3.4", false, "198.51.100.1", "https", "198.51.100.1", true, true},
  };
  for (const Case& c : cases) {
    ClientOrigin o = p.resolve(c.peer, c.tls, c.xff, c.proto);
    std::string what = std::string(c.peer) + " xff=" + (c.xff ? c.xff : "-") + " proto=" + (c.proto ? c.proto : "-");
    EXPECT_EQ(o.address, c.address) << what;
    EXPECT_EQ(o.https, c.https) << what;
    EXPECT_EQ(o.forwarded, c.forwarded) << what;
  }
  // No trusted proxies at all: nobody's headers count.
  ClientOrigin o = TrustedProxies().resolve("127.0.0.1", false, "198.51.100.1", "https");
  EXPECT_EQ(o.address, "127.0.0.1");
  EXPECT_FALSE(o.https);
  EXPECT_EQ(TrustedProxies().resolve(nullptr, false, nullptr, nullptr).address, "unknown");
}
