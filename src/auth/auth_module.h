// Accounts: register, sign in (password, captcha, OAuth), refresh-token
// rotation, sign out, who am I, WebSocket tokens.
//
// Threads: main loop; password hashing and SQL on store workers.
#pragma once

#include <memory>
#include <optional>

#include "app/app.h"
#include "auth/authenticator.h"
#include "auth/captcha.h"
#include "auth/refresh_tokens.h"
#include "auth/tokens.h"
#include "auth/user_repository.h"

namespace convene::auth {

class OAuthFlow;

class AuthModule final : public app::Module {
 public:
  explicit AuthModule(app::App& app);
  ~AuthModule() override;

  const TokenService& tokens() const { return tokens_; }
  const Authenticator& authenticator() const { return authenticator_; }

  // Sends {user, accessToken} with the access and refresh cookies.
  void send_session(const http::ExchangePtr& ex, int status, const User& user, const IssuedRefresh& refresh);
  // Sets the session cookies without a body (OAuth redirects).
  void set_session_cookies(const http::ExchangePtr& ex, const User& user, const IssuedRefresh& refresh);
  int64_t refresh_ttl_ms() const { return refresh_ttl_sec_ * 1000; }

 private:
  void captcha(http::ExchangePtr ex);
  void register_user(http::ExchangePtr ex);
  void login(http::ExchangePtr ex);
  void refresh(http::ExchangePtr ex);
  void me(http::ExchangePtr ex);
  void ws_token(http::ExchangePtr ex);
  void logout(http::ExchangePtr ex);
  // The captcha token/answer of a request body when captchas are on.
  std::optional<std::pair<std::string, std::string>> captcha_fields(JsonObject* body) const;
  // Throws the right 400 for a failed captcha.
  static void check_captcha_verdict(Captcha::Verdict v);

  app::App& app_;
  TokenService tokens_;
  Authenticator authenticator_;
  Captcha captcha_;
  std::unique_ptr<OAuthFlow> oauth_;
  int64_t access_ttl_sec_;
  int64_t refresh_ttl_sec_;
  bool captcha_required_;
};

}  // namespace convene::auth
