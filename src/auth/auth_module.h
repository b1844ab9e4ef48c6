// Accounts: register, sign in (password, captcha, OAuth), refresh-token
// rotation, sign out, who am I, WebSocket tokens, one's own preferences.
//
// Threads: main loop; SQL on store workers; password hashing on the hashing
// pool (HashPool), never on a store worker.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/listener_token.h"
#include "auth/authenticator.h"
#include "auth/captcha.h"
#include "auth/hash_pool.h"
#include "auth/preferences.h"
#include "auth/refresh_tokens.h"
#include "auth/tokens.h"
#include "auth/user_repository.h"
#include "http/error.h"
#include "http/public_url.h"
#include "http/server.h"
#include "store/store.h"
#include "util/module.h"

namespace convene::auth {

class OAuthFlow;

class AuthModule final : public util::Module {
 public:
  AuthModule(const config::Config& config, store::Store& store, http::Server& http, const std::string& secret,
             http::PublicUrlOf public_url);
  ~AuthModule() override;

  const TokenService& tokens() const { return tokens_; }
  const Authenticator& authenticator() const { return authenticator_; }

  // Sends {user, accessToken} with the access and refresh cookies.
  void send_session(const http::ExchangePtr& ex, int status, const User& user, const IssuedRefresh& refresh);
  // Sets the session cookies without a body (OAuth redirects).
  void set_session_cookies(const http::ExchangePtr& ex, const User& user, const IssuedRefresh& refresh);
  int64_t refresh_ttl_ms() const { return refresh_ttl_sec_ * 1000; }

  // Called (main loop) with the user's id after POST /auth/logout answered,
  // so whoever holds that user's live connections can close them. Auth knows
  // nothing of them: the composition root wires the listener.
  using SignedOutListener = std::function<void(const std::string& user_id)>;
  [[nodiscard]] ListenerToken add_signed_out_listener(SignedOutListener listener) {
    return signed_out_listeners_.add(std::move(listener));
  }

 private:
  void captcha(http::ExchangePtr ex);
  void register_user(http::ExchangePtr ex);
  void login(http::ExchangePtr ex);
  void refresh(http::ExchangePtr ex);
  void me(http::ExchangePtr ex);
  void session(http::ExchangePtr ex);
  void ws_token(http::ExchangePtr ex);
  void logout(http::ExchangePtr ex);
  // The captcha token/answer of a request body when captchas are on.
  std::optional<std::pair<std::string, std::string>> captcha_fields(JsonObject* body) const;
  // Throws the right 400 for a failed captcha.
  static void check_captcha_verdict(Captcha::Verdict v);
  static http::Error taken_error(const std::string& what);
  // A place on the hashing pool; throws 503 `busy` when it is full.
  HashPool::PlacePtr reserve_hashing(http::Exchange& ex);
  // Stores a new account whose password is already hashed, answers 201.
  void create_account(const http::ExchangePtr& ex, const std::string& email, const std::string& username,
                      const std::string& password_hash);

  store::Store& store_;
  TokenService tokens_;
  Authenticator authenticator_;
  Captcha captcha_;
  std::unique_ptr<OAuthFlow> oauth_;
  int64_t access_ttl_sec_;
  int64_t refresh_ttl_sec_;
  bool captcha_required_;
  HashPool hashing_;
  PreferencesApi preferences_;
  ListenerList<SignedOutListener> signed_out_listeners_;
};

}  // namespace convene::auth
