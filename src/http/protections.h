// What every response and request passes through: per-IP rate limits,
// security headers, CORS for configured origins, and gzip compression.
// Installed as filters on the Server.
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
};

// Adds the filters to `server`. The returned object owns their state; keep
// it alive as long as the server.
class Protections {
 public:
  Protections(Server& server, ProtectionOptions options);

 private:
  bool limit(const ExchangePtr& ex);
  bool cors(const ExchangePtr& ex);
  static void security_headers(SoupMessageHeaders* headers, bool tls);
  static void compress(Exchange& ex);

  ProtectionOptions options_;
  RateLimiter limiter_;
};

}  // namespace convene::http
