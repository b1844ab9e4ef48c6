#include "auth/auth_module.h"

#include <regex>

#include "auth/password.h"
#include "auth/user_repository.h"
#include "http/error.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_auth_debug

namespace convene::auth {
namespace {

std::string normalize_email(std::string email) {
  g_autofree char* lower = g_ascii_strdown(email.c_str(), -1);
  g_autofree char* stripped = g_strstrip(g_strdup(lower));
  return stripped;
}

void validate_email(const std::string& email) {
  static const std::regex re(R"(^[^@\s]+@[^@\s]+\.[^@\s]+$)");
  if (email.size() > 254 || !std::regex_match(email, re))
    throw json::FieldError("email", "'email' must be a valid e-mail address");
}

void validate_username(const std::string& username) {
  static const std::regex re(R"(^[A-Za-z0-9_.\-]{3,32}$)");
  if (!std::regex_match(username, re))
    throw json::FieldError("username",
                           "'username' must be 3 to 32 letters, digits, '_', '-' or '.'");
}

void validate_password(const std::string& password) {
  if (password.size() < 8 || password.size() > 128)
    throw json::FieldError("password", "'password' must be 8 to 128 characters");
}

}  // namespace

AuthModule::AuthModule(app::App& app)
    : app_(app),
      tokens_(app.secret()),
      authenticator_(tokens_),
      access_ttl_sec_(app.config().get_int("auth", "access_ttl_sec")) {
  auto& http = app.http();
  http.route("POST", "/auth/register", [this](http::ExchangePtr ex) { register_user(ex); });
  http.route("POST", "/auth/login", [this](http::ExchangePtr ex) { login(ex); });
  http.route("GET", "/auth/me", [this](http::ExchangePtr ex) { me(ex); });
  http.route("GET", "/auth/ws-token", [this](http::ExchangePtr ex) { ws_token(ex); });
  http.route("POST", "/auth/logout", [this](http::ExchangePtr ex) { logout(ex); });
}

void AuthModule::send_session(const http::ExchangePtr& ex, int status, const User& user) {
  std::string access = tokens_.issue("access", user.id, user.username, access_ttl_sec_);
  ex->set_cookie("access_token=" + access + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                 std::to_string(access_ttl_sec_) + (ex->is_tls() ? "; Secure" : ""));
  json::Object body;
  body.set("user", user.to_json()).set("accessToken", access);
  ex->json(status, std::move(body));
}

void AuthModule::register_user(http::ExchangePtr ex) {
  JsonObject* body = ex->json_body();
  std::string email = normalize_email(json::require_string(body, "email"));
  std::string username = json::require_string(body, "username");
  std::string password = json::require_string(body, "password");
  validate_email(email);
  validate_username(username);
  validate_password(password);

  struct Outcome {
    std::optional<User> user;
    std::string taken;  // "email" or "username" when refused
  };
  app_.store().run<Outcome>(
      [email, username, password](store::Connection& c) {
        if (users::find_by_email(c, email)) return Outcome{std::nullopt, "email"};
        if (users::username_taken(c, username)) return Outcome{std::nullopt, "username"};
        try {
          return Outcome{users::create(c, email, username, hash_password(password)), ""};
        } catch (const store::Error& e) {
          if (e.kind != store::ErrorKind::Conflict) throw;
          return Outcome{std::nullopt, "email or username"};  // lost a race with another sign-up
        }
      },
      ex->guard([this, ex](store::Outcome<Outcome> out) {
        if (!out.ok()) throw out.error();
        if (!out.value().user)
          throw http::conflict(out.value().taken == "username" ? "username_taken" : "email_taken",
                               "that " + out.value().taken + " is already registered");
        GST_INFO("registered user %s", out.value().user->id.c_str());
        send_session(ex, 201, *out.value().user);
      }));
}

void AuthModule::login(http::ExchangePtr ex) {
  JsonObject* body = ex->json_body();
  std::string email = normalize_email(json::require_string(body, "email"));
  std::string password = json::require_string(body, "password");
  app_.store().run<std::optional<User>>(
      [email, password](store::Connection& c) -> std::optional<User> {
        auto user = users::find_by_email(c, email);
        // Spend the same effort whether or not the account exists.
        static const std::string dummy = hash_password("convene-timing-equaliser");
        bool ok = verify_password(user && user->password_hash ? *user->password_hash : dummy, password);
        if (!user || !ok) return std::nullopt;
        return user;
      },
      ex->guard([this, ex](store::Outcome<std::optional<User>> out) {
        if (!out.ok()) throw out.error();
        if (!out.value()) throw http::Error(401, "invalid_credentials", "wrong e-mail or password");
        send_session(ex, 200, *out.value());
      }));
}

void AuthModule::me(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  app_.store().run<std::optional<User>>(
      [id = who.id](store::Connection& c) { return users::find_by_id(c, id); },
      ex->guard([ex](store::Outcome<std::optional<User>> out) {
        if (!out.ok()) throw out.error();
        if (!out.value()) throw http::unauthorized("this account no longer exists");
        json::Object body;
        body.set("user", out.value()->to_json());
        ex->json(200, std::move(body));
      }));
}

void AuthModule::ws_token(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  json::Object body;
  body.set("token", tokens_.issue("ws", who.id, who.username, 60)).set("expiresIn", 60);
  ex->json(200, std::move(body));
}

void AuthModule::logout(http::ExchangePtr ex) {
  ex->set_cookie("access_token=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  ex->no_content();
}

}  // namespace convene::auth
