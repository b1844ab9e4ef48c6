// Sign-in with OAuth 2.0 / OpenID Connect: authorization code + PKCE (S256)
// + state. Providers come from config: Google and Discord presets and one
// generic OIDC provider. The provider's token and userinfo endpoints are
// called with libsoup's async client on the main loop; accounts link by a
// verified e-mail address.
//
// Threads: main loop; SQL on store workers.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <string>

#include "config/config.h"
#include "http/exchange.h"
#include "http/public_url.h"
#include "http/server.h"
#include "store/store.h"
#include "util/gobject_ptr.h"

namespace convene::auth {

class AuthModule;

struct OAuthProvider {
  std::string id;    // path segment: /auth/<id>
  std::string name;  // shown on the sign-in button
  std::string client_id;
  std::string client_secret;
  std::string authorize_url;
  std::string token_url;
  std::string userinfo_url;
  std::string scope;
};

class OAuthFlow {
 public:
  OAuthFlow(const config::Config& config, store::Store& store, http::Server& http, http::PublicUrlOf public_url,
            AuthModule& auth);
  const std::map<std::string, OAuthProvider>& providers() const { return providers_; }

 private:
  void list(http::ExchangePtr ex);
  void start(http::ExchangePtr ex);
  void callback(http::ExchangePtr ex);
  void fetch_userinfo(const http::ExchangePtr& ex, const OAuthProvider& p, const std::string& access_token);
  // Sends `msg` to the provider; `on_json` gets the JSON object of a 200 answer.
  // Anything else answers the exchange with 502 `what_failed`.
  void call_provider(SoupMessage* msg, const http::ExchangePtr& ex, const std::string& what_failed,
                     std::function<void(JsonObject*)> on_json);
  void sign_in(const http::ExchangePtr& ex, const OAuthProvider& p, JsonObject* userinfo);
  std::string redirect_uri(const http::Exchange& request, const std::string& provider_id) const;

  store::Store& store_;
  http::PublicUrlOf public_url_;
  AuthModule& auth_;
  std::map<std::string, OAuthProvider> providers_;
  GObjectPtr<SoupSession> session_;
  std::string success_redirect_;
};

// base64url without padding (RFC 7636's encoding of the PKCE challenge).
std::string base64url(const unsigned char* data, size_t len);
std::string pkce_challenge(const std::string& verifier);

}  // namespace convene::auth
