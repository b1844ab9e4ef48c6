#include "auth/auth_module.h"

#include <regex>

#include "auth/hash_pool.h"
#include "auth/oauth_flow.h"
#include "auth/password.h"
#include "http/error.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_auth_debug

namespace convene::auth {
namespace {

std::string normalize_email(const std::string& email) {
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
    throw json::FieldError("username", "'username' must be 3 to 32 letters, digits, '_', '-' or '.'");
}

void validate_password(const std::string& password) {
  if (password.size() < 8 || password.size() > 128)
    throw json::FieldError("password", "'password' must be 8 to 128 characters");
}

std::string cookie(const std::string& name, const std::string& value, const char* path, int64_t max_age, bool secure) {
  return name + "=" + value + "; Path=" + path + "; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age) +
         (secure ? "; Secure" : "");
}

}  // namespace

AuthModule::AuthModule(const config::Config& config, store::Store& store, http::Server& http,
                       const std::string& secret, http::PublicUrlOf public_url)
    : store_(store),
      tokens_(secret),
      authenticator_(tokens_),
      captcha_(tokens_, secret),
      access_ttl_sec_(config.get_int("auth", "access_ttl_sec")),
      refresh_ttl_sec_(config.get_int("auth", "refresh_ttl_sec")),
      captcha_required_(config.get_bool("auth", "captcha")),
      hashing_(static_cast<int>(config.get_int("auth", "password_hash_threads")),
               static_cast<int>(config.get_int("auth", "password_hash_queue"))),
      preferences_(store, http, authenticator_) {
  http.route("GET", "/auth/captcha", [this](http::ExchangePtr ex) { captcha(ex); });
  http.route("POST", "/auth/register", [this](http::ExchangePtr ex) { register_user(ex); });
  http.route("POST", "/auth/login", [this](http::ExchangePtr ex) { login(ex); });
  http.route("POST", "/auth/refresh", [this](http::ExchangePtr ex) { refresh(ex); });
  http.route("GET", "/auth/me", [this](http::ExchangePtr ex) { me(ex); });
  http.route("GET", "/auth/session", [this](http::ExchangePtr ex) { session(ex); });
  http.route("GET", "/auth/ws-token", [this](http::ExchangePtr ex) { ws_token(ex); });
  http.route("POST", "/auth/logout", [this](http::ExchangePtr ex) { logout(ex); });
  oauth_ = std::make_unique<OAuthFlow>(config, store, http, std::move(public_url), *this);
}

AuthModule::~AuthModule() = default;

void AuthModule::set_session_cookies(const http::ExchangePtr& ex, const User& user, const IssuedRefresh& refresh) {
  std::string access = tokens_.issue("access", user.id, user.username, access_ttl_sec_);
  ex->set_cookie(cookie("access_token", access, "/", access_ttl_sec_, ex->is_tls()));
  ex->set_cookie(cookie("refresh_token", refresh.token, "/auth", refresh_ttl_sec_, ex->is_tls()));
}

void AuthModule::send_session(const http::ExchangePtr& ex, int status, const User& user, const IssuedRefresh& refresh) {
  std::string access = tokens_.issue("access", user.id, user.username, access_ttl_sec_);
  ex->set_cookie(cookie("access_token", access, "/", access_ttl_sec_, ex->is_tls()));
  ex->set_cookie(cookie("refresh_token", refresh.token, "/auth", refresh_ttl_sec_, ex->is_tls()));
  json::Object body;
  body.set("user", user.to_json()).set("accessToken", access).set("expiresIn", access_ttl_sec_);
  ex->json(status, std::move(body));
}

std::optional<std::pair<std::string, std::string>> AuthModule::captcha_fields(JsonObject* body) const {
  if (!captcha_required_) return std::nullopt;
  auto token = json::optional_string(body, "captchaToken");
  if (!token || token->empty())
    throw http::Error(400, "captcha_required", "solve the captcha first (GET /auth/captcha)");
  // A number or a numeric string: clients send either.
  JsonNode* a = json_object_get_member(body, "captchaAnswer");
  GType type = a && JSON_NODE_HOLDS_VALUE(a) ? json_node_get_value_type(a) : G_TYPE_INVALID;
  std::string answer;
  if (type == G_TYPE_STRING) answer = json_node_get_string(a);
  else if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE) answer = std::to_string(*json::optional_int(body, "captchaAnswer"));
  else if (!a || JSON_NODE_HOLDS_NULL(a)) throw json::FieldError("captchaAnswer", "'captchaAnswer' is required");
  else throw json::FieldError("captchaAnswer", "'captchaAnswer' must be a number or a numeric string");
  return std::make_pair(*token, answer);
}

void AuthModule::check_captcha_verdict(Captcha::Verdict v) {
  switch (v) {
    case Captcha::Verdict::Ok: return;
    case Captcha::Verdict::Wrong: throw http::Error(400, "captcha_wrong", "the captcha answer is wrong; try a new one");
    case Captcha::Verdict::Expired: throw http::Error(400, "captcha_expired", "the captcha expired; get a new one");
    case Captcha::Verdict::Used: throw http::Error(400, "captcha_used", "that captcha was already used; get a new one");
  }
}

void AuthModule::captcha(http::ExchangePtr ex) {
  auto c = captcha_.issue();
  json::Object body;
  body.set("captchaToken", c.token).set("question", c.question).set("required", captcha_required_);
  ex->add_header("Cache-Control", "no-store");
  ex->json(200, std::move(body));
}

void AuthModule::register_user(http::ExchangePtr ex) {
  JsonObject* body = ex->json_body();
  std::string email = normalize_email(json::require_string(body, "email"));
  std::string username = json::require_string(body, "username");
  std::string password = json::require_string(body, "password");
  validate_email(email);
  validate_username(username);
  validate_password(password);
  auto captcha = captcha_fields(body);
  HashPool::PlacePtr place = reserve_hashing(*ex);

  // The store checks (captcha, names taken), then the hash on the hashing
  // pool, then the store again to create the account.
  struct Check {
    Captcha::Verdict captcha = Captcha::Verdict::Ok;
    std::string taken;  // "email" or "username" when refused
  };
  store_.run<Check>(
      [this, email, username, captcha](store::Connection& c) {
        Check o;
        if (captcha) {
          o.captcha = captcha_.check_and_consume(c, captcha->first, captcha->second);
          if (o.captcha != Captcha::Verdict::Ok) return o;
        }
        if (users::find_by_email(c, email)) o.taken = "email";
        else if (users::username_taken(c, username)) o.taken = "username";
        return o;
      },
      ex->guard([this, ex, email, username, password, place](store::Outcome<Check> out) {
        if (!out.ok()) throw out.error();
        check_captcha_verdict(out.value().captcha);
        if (!out.value().taken.empty()) throw taken_error(out.value().taken);
        auto hashed = std::make_shared<std::optional<std::string>>();
        hashing_.run(
            place, [hashed, password] {
              try {
                *hashed = hash_password(password);
              } catch (const std::exception& e) {
                GST_ERROR("password hashing failed: %s", e.what());
              }
            },
            ex->guard([this, ex, email, username, hashed] {
              if (!*hashed) throw http::Error(503, "busy", "the server is too busy to create accounts now; try again");
              create_account(ex, email, username, **hashed);
            }));
      }));
}

void AuthModule::create_account(const http::ExchangePtr& ex, const std::string& email, const std::string& username,
                                const std::string& password_hash) {
  struct Created {
    std::optional<User> user;
    IssuedRefresh refresh;
  };
  store_.run<Created>(
      [email, username, password_hash, ttl = refresh_ttl_ms()](store::Connection& c) {
        Created o;
        try {
          c.transaction([&] {
            o.user = users::create(c, email, username, password_hash);
            o.refresh = refresh_tokens::issue(c, o.user->id, ttl);
          });
        } catch (const store::Error& e) {
          if (e.kind != store::ErrorKind::Conflict) throw;
          o.user.reset();  // lost a race with another sign-up
        }
        return o;
      },
      ex->guard([this, ex](store::Outcome<Created> out) {
        if (!out.ok()) throw out.error();
        Created& o = out.value();
        if (!o.user) throw taken_error("email or username");
        GST_INFO("registered user %s", o.user->id.c_str());
        send_session(ex, 201, *o.user, o.refresh);
      }));
}

void AuthModule::login(http::ExchangePtr ex) {
  JsonObject* body = ex->json_body();
  std::string email = normalize_email(json::require_string(body, "email"));
  std::string password = json::require_string(body, "password");
  auto captcha = captcha_fields(body);
  HashPool::PlacePtr place = reserve_hashing(*ex);

  // The store looks the account up; the hashing pool checks the password;
  // the store issues the refresh token.
  struct Found {
    Captcha::Verdict captcha = Captcha::Verdict::Ok;
    std::optional<User> user;
  };
  store_.run<Found>(
      [this, email, captcha](store::Connection& c) {
        Found o;
        if (captcha) {
          o.captcha = captcha_.check_and_consume(c, captcha->first, captcha->second);
          if (o.captcha != Captcha::Verdict::Ok) return o;
        }
        o.user = users::find_by_email(c, email);
        return o;
      },
      ex->guard([this, ex, password, place](store::Outcome<Found> out) {
        if (!out.ok()) throw out.error();
        check_captcha_verdict(out.value().captcha);
        std::optional<User> user = out.value().user;
        std::string hash = user && user->password_hash ? *user->password_hash : "";
        auto ok = std::make_shared<bool>(false);
        hashing_.run(
            place, [ok, hash, password] {
              // Spend the same effort whether or not the account exists.
              static const std::string dummy = hash_password("convene-timing-equaliser");
              *ok = verify_password(hash.empty() ? dummy : hash, password) && !hash.empty();
            },
            ex->guard([this, ex, ok, user] {
              if (!*ok || !user) throw http::Error(401, "invalid_credentials", "wrong e-mail or password");
              store_.run<IssuedRefresh>(
                  [uid = user->id, ttl = refresh_ttl_ms()](store::Connection& c) {
                    return refresh_tokens::issue(c, uid, ttl);
                  },
                  ex->guard([this, ex, user](store::Outcome<IssuedRefresh> out) {
                    if (!out.ok()) throw out.error();
                    send_session(ex, 200, *user, out.value());
                  }));
            }));
      }));
}

HashPool::PlacePtr AuthModule::reserve_hashing(http::Exchange& ex) {
  HashPool::PlacePtr place = hashing_.reserve();
  if (!place) {
    GST_WARNING("password hashing pool full (%d jobs): refusing a sign-in", hashing_.in_flight());
    ex.add_header("Retry-After", "1");
    throw http::Error(503, "busy", "too many sign-ins at once; try again in a moment");
  }
  return place;
}

http::Error AuthModule::taken_error(const std::string& what) {
  return http::conflict(what == "username" ? "username_taken" : "email_taken", "that " + what + " is already registered");
}

void AuthModule::refresh(http::ExchangePtr ex) {
  auto token = ex->cookie("refresh_token");
  if (!token || token->empty()) throw http::unauthorized("no refresh token: sign in again");
  struct Outcome {
    RefreshOutcome rotation;
    std::optional<User> user;
  };
  store_.run<Outcome>(
      [token = *token, ttl = refresh_ttl_ms()](store::Connection& c) {
        Outcome o{refresh_tokens::rotate(c, token, ttl), std::nullopt};
        if (o.rotation.kind == RefreshOutcome::Kind::Rotated) o.user = users::find_by_id(c, o.rotation.user_id);
        return o;
      },
      ex->guard([this, ex](store::Outcome<Outcome> out) {
        if (!out.ok()) throw out.error();
        auto& o = out.value();
        auto clear = [&] {
          ex->set_cookie(cookie("access_token", "", "/", 0, ex->is_tls()));
          ex->set_cookie(cookie("refresh_token", "", "/auth", 0, ex->is_tls()));
        };
        switch (o.rotation.kind) {
          case RefreshOutcome::Kind::Rotated:
            if (!o.user) break;
            return send_session(ex, 200, *o.user, o.rotation.next);
          case RefreshOutcome::Kind::Reused:
            GST_WARNING("refresh token reuse for user %s: family revoked", o.rotation.user_id.c_str());
            clear();
            throw http::Error(401, "refresh_reused", "this session was revoked because an old refresh token was reused; sign in again");
          case RefreshOutcome::Kind::Expired:
            clear();
            throw http::Error(401, "refresh_expired", "the session expired; sign in again");
          case RefreshOutcome::Kind::Unknown:
            break;
        }
        clear();
        throw http::unauthorized("the refresh token is not valid; sign in again");
      }));
}

void AuthModule::me(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  store_.run<std::optional<User>>(
      [id = who.id](store::Connection& c) { return users::find_by_id(c, id); },
      ex->guard([ex](store::Outcome<std::optional<User>> out) {
        if (!out.ok()) throw out.error();
        if (!out.value()) throw http::unauthorized("this account no longer exists");
        json::Object body;
        body.set("user", out.value()->to_json());
        ex->json(200, std::move(body));
      }));
}

// The client's sign-in probe: "nobody" is an answer, not an error, so a
// signed-out visit logs no failed request in the browser's console.
void AuthModule::session(http::ExchangePtr ex) {
  ex->add_header("Cache-Control", "no-store");
  std::optional<AuthUser> who = authenticator_.identify(*ex);
  if (!who) {
    json::Object nobody;
    nobody.set_null("user");
    ex->json(200, std::move(nobody));
    return;
  }
  store_.run<std::optional<User>>(
      [id = who->id](store::Connection& c) { return users::find_by_id(c, id); },
      ex->guard([ex](store::Outcome<std::optional<User>> out) {
        if (!out.ok()) throw out.error();
        json::Object body;
        if (out.value())
          body.set("user", out.value()->to_json());
        else
          body.set_null("user");  // the account was deleted since the token was issued
        ex->json(200, std::move(body));
      }));
}

void AuthModule::ws_token(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  json::Object body;
  body.set("token", tokens_.issue("ws", who.id, who.username, 60)).set("expiresIn", 60);
  ex->add_header("Cache-Control", "no-store");
  ex->json(200, std::move(body));
}

void AuthModule::logout(http::ExchangePtr ex) {
  auto token = ex->cookie("refresh_token");
  // Who signs out: the refresh token's owner, else the access token's.
  std::optional<AuthUser> caller = authenticator_.identify(*ex);
  auto finish = [this, ex](const std::string& user_id) {
    ex->set_cookie(cookie("access_token", "", "/", 0, ex->is_tls()));
    ex->set_cookie(cookie("refresh_token", "", "/auth", 0, ex->is_tls()));
    ex->no_content();
    if (!user_id.empty()) {
      GST_INFO("user %s signed out", user_id.c_str());
      signed_out_listeners_.each([&](const SignedOutListener& listener) { listener(user_id); });
    }
  };
  if (!token || token->empty()) return finish(caller ? caller->id : "");
  store_.run<std::optional<std::string>>(
      [token = *token](store::Connection& c) { return refresh_tokens::revoke_family_of(c, token); },
      ex->guard([finish, caller](store::Outcome<std::optional<std::string>> out) {
        if (!out.ok()) throw out.error();
        finish(out.value() ? *out.value() : caller ? caller->id : "");
      }));
}

}  // namespace convene::auth
