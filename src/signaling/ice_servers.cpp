#include "signaling/ice_servers.h"

#include <glib.h>

#include <cstdint>

namespace convene::signaling {

std::string turn_credential(const std::string& secret, const std::string& username) {
  g_autoptr(GHmac) hmac =
      g_hmac_new(G_CHECKSUM_SHA1, reinterpret_cast<const guchar*>(secret.data()), secret.size());
  g_hmac_update(hmac, reinterpret_cast<const guchar*>(username.data()), static_cast<gssize>(username.size()));
  guint8 digest[20];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_autofree char* b64 = g_base64_encode(digest, len);
  return b64;
}

json::Array ice_servers_for(const IceSettings& s, const std::string& user_id, int64_t now_sec) {
  json::Array out;
  if (!s.stun_urls.empty()) {
    json::Array urls;
    for (auto& u : s.stun_urls) urls.add(std::string_view(u));
    out.add(std::move(json::Object().set("urls", std::move(urls))));
  }
  if (!s.turn_urls.empty() && !s.turn_secret.empty()) {
    // Saturates: a huge [ice] turn_ttl_sec means "never", not an overflow.
    int64_t expiry = s.turn_ttl_sec > INT64_MAX - now_sec ? INT64_MAX : now_sec + s.turn_ttl_sec;
    std::string username = std::to_string(expiry) + ":" + user_id;
    json::Array urls;
    for (auto& u : s.turn_urls) urls.add(std::string_view(u));
    out.add(std::move(json::Object()
                          .set("urls", std::move(urls))
                          .set("username", username)
                          .set("credential", turn_credential(s.turn_secret, username))));
  }
  return out;
}

}  // namespace convene::signaling
