#include "auth/tokens.h"

#include <json-glib/json-glib.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "util/random.h"
#include "util/release_with.h"
#include "util/time.h"

namespace convene::auth {
namespace {

using JwtFree = ReleaseWith<jwt_free>;
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
// libjwt 1.10 hands out malloc'd strings (it has no jwt_free_str).
using CFree = ReleaseWith<free>;

const char* kReserved[] = {"sub", "name", "kind", "jti", "exp", "iat", nullptr};

}  // namespace

TokenService::TokenService(std::string secret) : secret_(std::move(secret)) {
  if (secret_.size() < 32) throw std::runtime_error("token secret must be at least 32 characters");
}

std::string TokenService::issue(const std::string& kind, const std::string& subject,
                                const std::string& username, int64_t ttl_sec,
                                const std::map<std::string, std::string>& extra) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  JwtPtr jwt(raw);
  int64_t now = timeutil::now_ms() / 1000;
  jwt_add_grant(raw, "sub", subject.c_str());
  jwt_add_grant(raw, "name", username.c_str());
  jwt_add_grant(raw, "kind", kind.c_str());
  jwt_add_grant(raw, "jti", random::hex_token(12).c_str());
  jwt_add_grant_int(raw, "iat", now);
  jwt_add_grant_int(raw, "exp", now + ttl_sec);
  for (const auto& [k, v] : extra) jwt_add_grant(raw, k.c_str(), v.c_str());
  if (jwt_set_alg(raw, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size())) != 0)
    throw std::runtime_error("jwt_set_alg failed");
  std::unique_ptr<char, CFree> encoded(jwt_encode_str(raw));
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  return encoded.get();
}

std::optional<Claims> TokenService::verify(const std::string& token, const std::string& kind) const {
  if (token.empty() || token.size() > 8192) return std::nullopt;
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                 static_cast<int>(secret_.size())) != 0)
    return std::nullopt;
  JwtPtr jwt(raw);
  // Only our own algorithm: never "none", never a key-confusion variant.
  if (jwt_get_alg(raw) != JWT_ALG_HS256) return std::nullopt;
  const char* k = jwt_get_grant(raw, "kind");
  if (!k || kind != k) return std::nullopt;
  long exp = jwt_get_grant_int(raw, "exp");
  if (exp <= 0 || exp <= timeutil::now_ms() / 1000) return std::nullopt;
  const char* sub = jwt_get_grant(raw, "sub");
  if (!sub || !*sub) return std::nullopt;
  Claims c;
  c.subject = sub;
  const char* name = jwt_get_grant(raw, "name");
  c.username = name ? name : "";
  c.kind = k;
  const char* jti = jwt_get_grant(raw, "jti");
  c.token_id = jti ? jti : "";
  c.expires_at = exp;
  // Extra string grants: read back whichever were set (libjwt has no iterator
  // in 1.10 over grants, so parse the JSON of all grants).
  std::unique_ptr<char, CFree> all(jwt_get_grants_json(raw, nullptr));
  if (all) {
    g_autoptr(JsonParser) parser = json_parser_new();
    if (json_parser_load_from_data(parser, all.get(), -1, nullptr)) {
      JsonNode* root = json_parser_get_root(parser);
      if (root && JSON_NODE_HOLDS_OBJECT(root)) {
        JsonObject* obj = json_node_get_object(root);
        g_autoptr(GList) members = json_object_get_members(obj);
        for (GList* m = members; m; m = m->next) {
          const char* name_key = static_cast<const char*>(m->data);
          bool reserved = false;
          for (const char** r = kReserved; *r; ++r) reserved |= g_str_equal(*r, name_key);
          JsonNode* n = json_object_get_member(obj, name_key);
          if (!reserved && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
            c.extra[name_key] = json_node_get_string(n);
        }
      }
    }
  }
  return c;
}

}  // namespace convene::auth
