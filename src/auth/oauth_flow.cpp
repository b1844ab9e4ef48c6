#include "auth/oauth_flow.h"

#include <sodium.h>

#include <regex>

#include "auth/auth_module.h"
#include "auth/refresh_tokens.h"
#include "auth/user_repository.h"
#include "http/error.h"
#include "util/log.h"
#include "util/random.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_auth_debug

namespace convene::auth {

std::string base64url(const unsigned char* data, size_t len) {
  std::string out(sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(strlen(out.c_str()));
  return out;
}

std::string pkce_challenge(const std::string& verifier) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size());
  return base64url(digest, sizeof digest);
}

namespace {

std::string escape(const std::string& s) {
  g_autofree char* e = g_uri_escape_string(s.c_str(), nullptr, FALSE);
  return e;
}

std::string form(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (auto& [k, v] : fields) out += (out.empty() ? "" : "&") + escape(k) + "=" + escape(v);
  return out;
}

// A username from the provider's name or the e-mail's local part, valid for our rules.
std::string username_candidate(JsonObject* info, const std::string& email) {
  std::string base;
  for (const char* field : {"preferred_username", "username", "name"})
    if (auto v = json::optional_string(info, field); v && !v->empty()) {
      base = *v;
      break;
    }
  if (base.empty()) base = email.substr(0, email.find('@'));
  std::string clean;
  for (char c : base)
    if (g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.') clean += c;
    else if (c == ' ') clean += '_';
  if (clean.size() < 3) clean += "user";
  return clean.substr(0, 24);
}

const OAuthProvider& provider_or_404(const std::map<std::string, OAuthProvider>& providers, const std::string& id) {
  auto it = providers.find(id);
  if (it == providers.end()) throw http::Error(404, "unknown_provider", "no sign-in provider '" + id + "' is configured");
  return it->second;
}

}  // namespace

OAuthFlow::OAuthFlow(const config::Config& c, store::Store& store, http::Server& http, http::PublicUrlOf public_url,
                     AuthModule& auth)
    : store_(store), public_url_(std::move(public_url)), auth_(auth) {
  success_redirect_ = c.get_string("auth", "oauth_success_redirect");
  auto add = [&](OAuthProvider p) {
    if (!p.client_id.empty()) providers_[p.id] = std::move(p);
  };
  add({"google", "Google", c.get_string("oauth", "google_client_id"), c.get_string("oauth", "google_client_secret"),
       "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
       "https://openidconnect.googleapis.com/v1/userinfo", "openid email profile"});
  add({"discord", "Discord", c.get_string("oauth", "discord_client_id"), c.get_string("oauth", "discord_client_secret"),
       "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token",
       "https://discord.com/api/users/@me", "identify email"});
  std::string oidc_id = c.get_string("oauth", "oidc_id");
  add({oidc_id, c.get_string("oauth", "oidc_name"), c.get_string("oauth", "oidc_client_id"),
       c.get_string("oauth", "oidc_client_secret"), c.get_string("oauth", "oidc_authorize_url"),
       c.get_string("oauth", "oidc_token_url"), c.get_string("oauth", "oidc_userinfo_url"),
       c.get_string("oauth", "oidc_scope")});
  session_ = adopt(soup_session_new_with_options("timeout", 15, nullptr));

  http.route("GET", "/auth/providers", [this](http::ExchangePtr ex) { list(ex); });
  http.route("GET", "/auth/:provider", [this](http::ExchangePtr ex) { start(ex); });
  http.route("GET", "/auth/:provider/callback", [this](http::ExchangePtr ex) { callback(ex); });
}

std::string OAuthFlow::redirect_uri(const http::Exchange& request, const std::string& provider_id) const {
  return public_url_(request) + "/auth/" + provider_id + "/callback";
}

void OAuthFlow::list(http::ExchangePtr ex) {
  json::Array list;
  for (auto& [id, p] : providers_)
    list.add(std::move(json::Object().set("id", id).set("name", p.name).set("url", "/auth/" + id)));
  json::Object body;
  body.set("providers", std::move(list));
  ex->json(200, std::move(body));
}

void OAuthFlow::start(http::ExchangePtr ex) {
  const OAuthProvider& p = provider_or_404(providers_, ex->param("provider"));
  std::string state = random::hex_token(16);
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  std::string verifier = base64url(raw, sizeof raw);
  // The state and verifier ride in a signed, short-lived cookie: nothing to keep server-side.
  std::string flow = auth_.tokens().issue("oauth", "oauth", "", 600,
                                          {{"state", state}, {"verifier", verifier}, {"provider", p.id}});
  ex->set_cookie("oauth_flow=" + flow + "; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600" +
                 (ex->is_tls() ? "; Secure" : ""));
  std::string url = p.authorize_url + (p.authorize_url.find('?') == std::string::npos ? "?" : "&") +
                    form({{"response_type", "code"},
                          {"client_id", p.client_id},
                          {"redirect_uri", redirect_uri(*ex, p.id)},
                          {"scope", p.scope},
                          {"state", state},
                          {"code_challenge", pkce_challenge(verifier)},
                          {"code_challenge_method", "S256"}});
  ex->add_header("Location", url);
  ex->add_header("Cache-Control", "no-store");
  ex->error(302, "redirect", "continue at the sign-in provider");
}

void OAuthFlow::callback(http::ExchangePtr ex) {
  const OAuthProvider& p = provider_or_404(providers_, ex->param("provider"));
  if (auto err = ex->query("error"))
    throw http::Error(400, "oauth_denied", "the provider refused the sign-in: " + *err);
  auto code = ex->query("code");
  auto state = ex->query("state");
  auto flow_cookie = ex->cookie("oauth_flow");
  if (!code || !state || !flow_cookie) throw http::Error(400, "oauth_state_mismatch", "the sign-in was not started here; try again");
  auto flow = auth_.tokens().verify(*flow_cookie, "oauth");
  if (!flow || flow->extra["provider"] != p.id || flow->extra["state"] != *state)
    throw http::Error(400, "oauth_state_mismatch", "the sign-in state does not match; try again");
  ex->set_cookie("oauth_flow=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0");

  g_autoptr(SoupMessage) msg = soup_message_new("POST", p.token_url.c_str());
  if (!msg) throw http::Error(500, "oauth_misconfigured", "the provider's token URL is not valid");
  std::string body = form({{"grant_type", "authorization_code"},
                           {"code", *code},
                           {"redirect_uri", redirect_uri(*ex, p.id)},
                           {"client_id", p.client_id},
                           {"client_secret", p.client_secret},
                           {"code_verifier", flow->extra["verifier"]}});
  g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
  soup_message_set_request_body_from_bytes(msg, "application/x-www-form-urlencoded", bytes);
  soup_message_headers_replace(soup_message_get_request_headers(msg), "Accept", "application/json");

  std::string provider = p.id;
  call_provider(msg, ex, "the provider refused the code exchange", [this, ex, provider](JsonObject* reply) {
    auto token = json::optional_string(reply, "access_token");
    if (!token) throw http::Error(502, "oauth_provider_failed", "the provider sent no access token");
    fetch_userinfo(ex, providers_.at(provider), *token);
  });
}

void OAuthFlow::call_provider(SoupMessage* msg, const http::ExchangePtr& ex, const std::string& what_failed,
                              std::function<void(JsonObject*)> on_json) {
  struct Call {
    http::ExchangePtr ex;
    std::string what_failed;
    std::function<void(JsonObject*)> on_json;
  };
  soup_session_send_and_read_async(
      session_.get(), msg, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer data) {
        std::unique_ptr<Call> call(static_cast<Call*>(data));
        try {
          g_autoptr(GError) err = nullptr;
          g_autoptr(GBytes) reply = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &err);
          if (!reply) throw http::Error(502, "oauth_provider_failed", std::string("the provider did not answer: ") + err->message);
          SoupMessage* m = soup_session_get_async_result_message(SOUP_SESSION(src), res);
          gsize n = 0;
          const char* d = static_cast<const char*>(g_bytes_get_data(reply, &n));
          auto node = json::parse(std::string_view(d ? d : "", n), nullptr);
          if (soup_message_get_status(m) != 200 || !node || !JSON_NODE_HOLDS_OBJECT(node.get()))
            throw http::Error(502, "oauth_provider_failed", call->what_failed);
          call->on_json(json_node_get_object(node.get()));
        } catch (...) {
          call->ex->fail(std::current_exception());
        }
      },
      new Call{ex, what_failed, std::move(on_json)});
}

void OAuthFlow::fetch_userinfo(const http::ExchangePtr& ex, const OAuthProvider& p, const std::string& access_token) {
  g_autoptr(SoupMessage) msg = soup_message_new("GET", p.userinfo_url.c_str());
  if (!msg) throw http::Error(500, "oauth_misconfigured", "the provider's userinfo URL is not valid");
  soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", ("Bearer " + access_token).c_str());
  soup_message_headers_replace(soup_message_get_request_headers(msg), "Accept", "application/json");
  std::string provider = p.id;
  call_provider(msg, ex, "the provider did not return the user's profile", [this, ex, provider](JsonObject* info) {
    sign_in(ex, providers_.at(provider), info);
  });
}

void OAuthFlow::sign_in(const http::ExchangePtr& ex, const OAuthProvider& p, JsonObject* info) {
  auto email_opt = json::optional_string(info, "email");
  // Google and OIDC say email_verified; Discord says verified.
  bool verified = json::optional_bool(info, "email_verified").value_or(false) ||
                  json::optional_bool(info, "verified").value_or(false);
  if (!email_opt || email_opt->empty() || !verified)
    throw http::Error(403, "email_not_verified", "the provider did not vouch for a verified e-mail address");
  g_autofree char* lower = g_ascii_strdown(email_opt->c_str(), -1);
  std::string email = lower;
  std::string subject = json::optional_string(info, "sub").value_or(json::optional_string(info, "id").value_or(email));
  std::string base = username_candidate(info, email);
  struct Outcome {
    User user;
    IssuedRefresh refresh;
  };
  store_.run<Outcome>(
      [provider = p.id, subject, email, base, ttl = auth_.refresh_ttl_ms()](store::Connection& c) {
        return c.transaction([&] {
          std::optional<User> user;
          auto linked = c.exec("SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2", {provider, subject});
          if (!linked.empty()) user = users::find_by_id(c, linked.row(0).text("user_id"));
          if (!user) user = users::find_by_email(c, email);
          if (!user) {
            std::string name = base;
            for (int i = 2; users::username_taken(c, name); ++i) name = base + std::to_string(i);
            user = users::create(c, email, name, std::nullopt);
          }
          c.exec(
              "INSERT INTO oauth_identities (provider, subject, user_id, email, created_at) VALUES ($1,$2,$3,$4,$5)"
              " ON CONFLICT DO NOTHING",
              {provider, subject, user->id, email, timeutil::now_ms()});
          return Outcome{*user, refresh_tokens::issue(c, user->id, ttl)};
        });
      },
      ex->guard([this, ex](store::Outcome<Outcome> out) {
        if (!out.ok()) throw out.error();
        GST_INFO("user %s signed in through OAuth", out.value().user.id.c_str());
        auth_.set_session_cookies(ex, out.value().user, out.value().refresh);
        ex->add_header("Location", success_redirect_);
        ex->add_header("Cache-Control", "no-store");
        ex->error(302, "redirect", "signed in");
      }));
}

}  // namespace convene::auth
