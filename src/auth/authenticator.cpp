#include "auth/authenticator.h"

#include "http/error.h"

namespace convene::auth {

std::optional<AuthUser> Authenticator::identify(const http::Exchange& ex) const {
  std::string token;
  if (const char* h = ex.header("Authorization"); h && g_ascii_strncasecmp(h, "Bearer ", 7) == 0)
    token = h + 7;
  else if (auto c = ex.cookie("access_token"))
    token = *c;
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  if (token.empty()) return std::nullopt;
  auto claims = tokens_.verify(token, "access");
  if (!claims) return std::nullopt;
  return AuthUser{claims->subject, claims->username};
}

AuthUser Authenticator::require(const http::Exchange& ex) const {
  auto u = identify(ex);
  if (!u) throw http::unauthorized("sign in first (missing, invalid or expired access token)");
  return *u;
}

std::optional<AuthUser> Authenticator::identify_websocket_token(const std::string& token) const {
  auto claims = tokens_.verify(token, "ws");
  if (!claims) claims = tokens_.verify(token, "access");
  if (!claims) return std::nullopt;
  return AuthUser{claims->subject, claims->username};
}

}  // namespace convene::auth
