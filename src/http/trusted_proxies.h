// Who a request really comes from when Convene runs behind a reverse proxy.
//
// `[server] trusted_proxies` lists addresses and CIDRs (GInetAddressMask).
// Only when the TCP peer is one of them are X-Forwarded-For and
// X-Forwarded-Proto believed: the client is the rightmost X-Forwarded-For hop
// that is not itself a trusted proxy (hops to its left were written by that
// client and prove nothing), and the scheme is the proxy's. Any other peer's
// headers change nothing, so a forged X-Forwarded-For cannot dodge a rate limit.
//
// Threads: main loop only.
#pragma once

#include <gio/gio.h>

#include <optional>
#include <string>
#include <vector>

#include "util/gobject_ptr.h"

namespace convene::http {

// What the rest of the server sees of the request's origin.
struct ClientOrigin {
  std::string address;  // the client's IP address ("unknown" when libsoup has none)
  bool https = false;   // reached over TLS (here, or at a trusted proxy)
  bool forwarded = false;  // the answer came from a trusted proxy's headers
};

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Throws std::invalid_argument naming the first entry that is no address or CIDR.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return masks_.empty(); }
  bool trusts(const std::string& address) const;

  // `peer`: the TCP peer's address (may be null); `tls`: the connection is TLS;
  // the header values may be null.
  ClientOrigin resolve(const char* peer, bool tls, const char* forwarded_for, const char* forwarded_proto) const;

 private:
  std::vector<GObjectPtr<GInetAddressMask>> masks_;
};

}  // namespace convene::http
