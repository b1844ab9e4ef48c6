// Who is calling: reads the access token from the `access_token` cookie or an
// `Authorization: Bearer` header. Other modules use this for every protected
// endpoint and for the WebSocket upgrade.
#pragma once

#include <optional>
#include <string>

#include "auth/tokens.h"
#include "http/exchange.h"

namespace convene::auth {

struct AuthUser {
  std::string id;
  std::string username;
};

class Authenticator {
 public:
  explicit Authenticator(const TokenService& tokens) : tokens_(tokens) {}

  // The signed-in user, or nullopt.
  std::optional<AuthUser> identify(const http::Exchange& ex) const;
  // The signed-in user; throws http::Error(401) when there is none.
  AuthUser require(const http::Exchange& ex) const;
  // For GET /ws?token=: an access token or a ws token.
  std::optional<AuthUser> identify_websocket_token(const std::string& token) const;

 private:
  const TokenService& tokens_;
};

}  // namespace convene::auth
