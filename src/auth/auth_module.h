// Accounts: register, sign in, who am I, WebSocket tokens.
#pragma once

#include <memory>

#include "app/app.h"
#include "auth/authenticator.h"
#include "auth/tokens.h"

namespace convene::auth {

class AuthModule final : public app::Module {
 public:
  explicit AuthModule(app::App& app);

  const TokenService& tokens() const { return tokens_; }
  const Authenticator& authenticator() const { return authenticator_; }

 private:
  void register_user(http::ExchangePtr ex);
  void login(http::ExchangePtr ex);
  void me(http::ExchangePtr ex);
  void ws_token(http::ExchangePtr ex);
  void logout(http::ExchangePtr ex);
  // Sends {user, accessToken} and the access-token cookie.
  void send_session(const http::ExchangePtr& ex, int status, const struct User& user);

  app::App& app_;
  TokenService tokens_;
  Authenticator authenticator_;
  int64_t access_ttl_sec_;
};

}  // namespace convene::auth
