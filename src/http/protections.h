// What every response and request passes through: per-IP rate limits,
// security headers, CORS for configured origins, the Origin check of
// WebSocket upgrades, and gzip compression. Installed as filters on the Server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/rate_limiter.h"
#include "http/server.h"

namespace convene::http {

struct RateLimitRule {
  std::string name;
  std::string method;       // "" = any
  std::string path_prefix;  // matches path == prefix, or starts with it when it ends in '/'
  int64_t limit;
  int64_t window_ms;
};

struct ProtectionOptions {
  bool rate_limits = true;
  std::vector<RateLimitRule> rules;
  std::vector<std::string> cors_origins;
  // Sources the web client may connect to besides its own origin (CSP connect-src).
  std::vector<std::string> connect_src;
};

// Adds the filters to `server`. The returned object owns their state; keep
// it alive as long as the server.
class Protections {
 public:
  Protections(Server& server, ProtectionOptions options);

  // Whether a browser page of this Origin may open a WebSocket here: no Origin
  // (not a browser), the server's own origin (same host and port as the Host
  // header) or a configured CORS origin.
  bool websocket_origin_allowed(const Exchange& request) const;

 private:
  bool limit(const ExchangePtr& ex);
  bool cors(const ExchangePtr& ex);
  void security_headers(SoupMessageHeaders* headers, bool tls) const;
  static void compress(Exchange& ex);

  ProtectionOptions options_;
  std::string content_security_policy_;
  RateLimiter limiter_;
};

}  // namespace convene::http
