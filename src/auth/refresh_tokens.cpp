#include "auth/refresh_tokens.h"

#include <glib.h>

#include "util/random.h"
#include "util/time.h"

namespace convene::auth::refresh_tokens {

std::string hash(const std::string& token) {
  g_autofree char* h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, token.c_str(), -1);
  return h;
}

IssuedRefresh issue(store::Connection& c, const std::string& user_id, int64_t ttl_ms,
                    const std::optional<std::string>& family_id) {
  IssuedRefresh out{random::hex_token(32), family_id.value_or(random::uuid())};
  int64_t now = timeutil::now_ms();
  c.exec(
      "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      {random::uuid(), user_id, out.family_id, hash(out.token), now, now + ttl_ms});
  return out;
}

RefreshOutcome rotate(store::Connection& c, const std::string& token, int64_t ttl_ms) {
  return c.transaction([&]() -> RefreshOutcome {
    auto r = c.exec(
        "SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        {hash(token)});
    if (r.empty()) return {RefreshOutcome::Kind::Unknown, "", {}};
    auto row = r.row(0);
    int64_t now = timeutil::now_ms();
    std::string family = row.text("family_id");
    if (row.opt_integer("rotated_at") || row.opt_integer("revoked_at")) {
      // An old token came back: whoever holds the family now may be a thief.
      c.exec("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", {family, now});
      return {RefreshOutcome::Kind::Reused, row.text("user_id"), {}};
    }
    if (row.integer("expires_at") <= now) return {RefreshOutcome::Kind::Expired, row.text("user_id"), {}};
    c.exec("UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1", {row.text("id"), now});
    return {RefreshOutcome::Kind::Rotated, row.text("user_id"), issue(c, row.text("user_id"), ttl_ms, family)};
  });
}

std::optional<std::string> revoke_family_of(store::Connection& c, const std::string& token) {
  auto r = c.exec("SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1", {hash(token)});
  if (r.empty()) return std::nullopt;
  c.exec("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
         {r.row(0).text("family_id"), timeutil::now_ms()});
  return r.row(0).text("user_id");
}

}  // namespace convene::auth::refresh_tokens
