// Signed JWTs (HS256, libjwt) for access tokens, WebSocket tokens and other
// short-lived proofs. `kind` keeps one sort of token from passing for another.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace convene::auth {

struct Claims {
  std::string subject;   // user id
  std::string username;
  std::string kind;      // "access", "ws", ...
  std::string token_id;  // jti
  int64_t expires_at = 0;  // epoch seconds
  std::map<std::string, std::string> extra;
};

class TokenService {
 public:
  explicit TokenService(std::string secret);

  // Signs claims valid for ttl_sec from now.
  std::string issue(const std::string& kind, const std::string& subject, const std::string& username,
                    int64_t ttl_sec, const std::map<std::string, std::string>& extra = {}) const;
  // The claims of a valid, unexpired token of that kind; nullopt otherwise.
  std::optional<Claims> verify(const std::string& token, const std::string& kind) const;

 private:
  std::string secret_;
};

}  // namespace convene::auth
