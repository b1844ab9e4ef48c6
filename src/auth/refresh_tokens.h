// Refresh tokens: 256 random bits, kept in the store only as a SHA-256 hash,
// rotated on every use. A family is every token rotated from one sign-in;
// presenting a token that was already rotated (or revoked) means it was
// stolen, and the whole family is revoked. Store workers only.
#pragma once

#include <optional>
#include <string>

#include "store/connection.h"

namespace convene::auth {

struct IssuedRefresh {
  std::string token;  // the secret itself: goes into the cookie, never stored
  std::string family_id;
};

struct RefreshOutcome {
  enum class Kind { Rotated, Unknown, Expired, Reused } kind;
  std::string user_id;
  IssuedRefresh next;  // when Rotated
};

namespace refresh_tokens {

std::string hash(const std::string& token);
// A new family (sign-in) or the next token of an existing family.
IssuedRefresh issue(store::Connection& c, const std::string& user_id, int64_t ttl_ms,
                    const std::optional<std::string>& family_id = std::nullopt);
RefreshOutcome rotate(store::Connection& c, const std::string& token, int64_t ttl_ms);
// Revokes the family of the token (sign-out); its user, or nullopt when unknown.
std::optional<std::string> revoke_family_of(store::Connection& c, const std::string& token);

}  // namespace refresh_tokens
}  // namespace convene::auth
