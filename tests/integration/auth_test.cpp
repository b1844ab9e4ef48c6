// Accounts and security rules, end to end against the real server.
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "auth/oauth_flow.h"
#include "auth/tokens.h"
#include "http_client.h"
#include "loopback_http_server.h"
#include "scratch_dir.h"
#include "server_process.h"
#include "test_person.h"
#include "ws_client.h"

using namespace convene::testing;

namespace {

// Solves "7 + 5 = ?" style questions.
std::string solve(const std::string& question) {
  std::smatch m;
  static const std::regex re(R"((\d+) ([-+*]) (\d+) = \?)");
  if (!std::regex_match(question, m, re)) return "";
  int a = std::stoi(m[1]), b = std::stoi(m[3]);
  char op = std::string(m[2])[0];
  return std::to_string(op == '+' ? a + b : op == '-' ? a - b : a * b);
}

std::string register_body(const std::string& name, const std::string& token, const std::string& answer) {
  return "{\"email\":\"" + name + "@example.test\",\"username\":\"" + name +
         "\",\"password\":\"long-password-1\",\"captchaToken\":\"" + token + "\",\"captchaAnswer\":\"" + answer + "\"}";
}

ServerOptions with_captcha() { return {.env = {{"CONVENE_AUTH_CAPTCHA", "true"}}}; }

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// POSTs in flight at once on the thread's default main context (the one
// WsClient iterates), each answer recorded in the order it arrives.
class ParallelPosts {
 public:
  struct Answer {
    int status;
    std::string code;  // the error code, if any
    std::string retry_after;
  };

  explicit ParallelPosts(std::string base_url)
      : base_url_(std::move(base_url)),
        session_(soup_session_new_with_options("max-conns", 200, "max-conns-per-host", 200, "timeout", 120, nullptr)) {}
  ~ParallelPosts() {
    // Let nothing in flight call back into a dead object.
    while (answers.size() < sent_) g_main_context_iteration(nullptr, TRUE);
    g_object_unref(session_);
  }

  void post(const std::string& path, const std::string& body) {
    SoupMessage* msg = soup_message_new("POST", (base_url_ + path).c_str());
    g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
    ++sent_;
    soup_session_send_and_read_async(session_, msg, G_PRIORITY_DEFAULT, nullptr, on_done, new Pending{this, msg});
  }
  // Iterates the default context until n answers are in (or 60 s passed).
  bool wait_answers(size_t n) {
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (answers.size() < n && g_get_monotonic_time() < deadline)
      if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
    return answers.size() >= n;
  }

  std::vector<Answer> answers;

 private:
  struct Pending {
    ParallelPosts* self;
    SoupMessage* msg;
  };
  static void on_done(GObject* source, GAsyncResult* res, gpointer data) {
    auto* p = static_cast<Pending*>(data);
    g_autoptr(GError) err = nullptr;
    g_autoptr(GBytes) body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &err);
    Answer a{body ? static_cast<int>(soup_message_get_status(p->msg)) : 0, "", ""};
    if (body) {
      gsize n = 0;
      const char* text = static_cast<const char*>(g_bytes_get_data(body, &n));
      Response r;
      r.body.assign(text ? text : "", n);
      a.code = r.error_code();
      const char* retry = soup_message_headers_get_one(soup_message_get_response_headers(p->msg), "Retry-After");
      a.retry_after = retry ? retry : "";
    }
    p->self->answers.push_back(a);
    g_object_unref(p->msg);
    delete p;
  }

  std::string base_url_;
  SoupSession* session_;
  size_t sent_ = 0;
};

}  // namespace

TEST(Captcha, AnswerMayBeANumberOrANumericString) {
  ServerProcess server(with_captcha());
  HttpClient http(server.base_url());
  auto c = http.get("/auth/captcha");
  std::string body = "{\"email\":\"num@example.test\",\"username\":\"numeric\",\"password\":\"long-password-1\","
                     "\"captchaToken\":\"" + c.str("captchaToken") + "\",\"captchaAnswer\":" + solve(c.str("question")) + "}";
  auto r = http.post("/auth/register", body);
  EXPECT_EQ(r.status, 201) << r.body;

  c = http.get("/auth/captcha");
  r = http.post("/auth/login", "{\"email\":\"num@example.test\",\"password\":\"long-password-1\",\"captchaToken\":\"" +
                                   c.str("captchaToken") + "\",\"captchaAnswer\":\"" + solve(c.str("question")) + "\"}");
  EXPECT_EQ(r.status, 200) << r.body;

  c = http.get("/auth/captcha");
  r = http.post("/auth/login", "{\"email\":\"num@example.test\",\"password\":\"long-password-1\",\"captchaToken\":\"" +
                                   c.str("captchaToken") + "\",\"captchaAnswer\":true}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "invalid_field");
}

TEST(Captcha, RequiredSolvedOnceAndNeverTwice) {
  ServerProcess server(with_captcha());
  HttpClient http(server.base_url());
  auto c = http.get("/auth/captcha");
  ASSERT_EQ(c.status, 200);
  std::string token = c.str("captchaToken"), question = c.str("question");
  ASSERT_FALSE(solve(question).empty()) << question;
  EXPECT_EQ(token.find(solve(question) + "\""), std::string::npos);  // the answer is not in the token

  auto r = http.post("/auth/register", R"({"email":"a@example.test","username":"nocaptcha","password":"long-password-1"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "captcha_required");

  r = http.post("/auth/register", register_body("solver", token, solve(question)));
  ASSERT_EQ(r.status, 201) << r.body;

  r = http.post("/auth/register", register_body("replayer", token, solve(question)));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "captcha_used");

  c = http.get("/auth/captcha");
  std::string wrong = std::to_string(std::stoi(solve(c.str("question"))) + 1);
  r = http.post("/auth/register", register_body("guesser", c.str("captchaToken"), wrong));
  EXPECT_EQ(r.error_code(), "captcha_wrong");
  // One guess per captcha: the right answer afterwards is refused too.
  r = http.post("/auth/register", register_body("guesser", c.str("captchaToken"), solve(c.str("question"))));
  EXPECT_EQ(r.error_code(), "captcha_used");
  // Login needs one as well.
  r = http.post("/auth/login", R"({"email":"solver@example.test","password":"long-password-1"})");
  EXPECT_EQ(r.error_code(), "captcha_required");
}

TEST(Captcha, ExpiredOrForgedTokensAreRefused) {
  ServerProcess server(with_captcha());
  HttpClient http(server.base_url());
  // A token signed with the server's own secret but already expired.
  std::string secret = read_file(server.data_dir() + "/secret.key");
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == ' ')) secret.pop_back();
  convene::auth::TokenService tokens(secret);
  std::string expired = tokens.issue("captcha", "captcha", "", -10, {{"cid", "x"}, {"mac", "y"}});
  auto r = http.post("/auth/register", register_body("late", expired, "4"));
  EXPECT_EQ(r.error_code(), "captcha_expired");
  convene::auth::TokenService other(std::string(40, 'q'));
  r = http.post("/auth/register", register_body("forger", other.issue("captcha", "captcha", "", 60, {{"cid", "z"}}), "1"));
  EXPECT_EQ(r.error_code(), "captcha_expired");
}

TEST(Refresh, RotatesAndDetectsReuse) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("rotator");
  http.set_token("");  // cookies only, like a browser
  std::string first = http.cookie_value("refresh_token");
  ASSERT_EQ(first.size(), 64u);

  auto r = http.post("/auth/refresh");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.str("accessToken").empty());
  std::string second = http.cookie_value("refresh_token");
  EXPECT_NE(second, first);
  EXPECT_EQ(http.get("/auth/me").status, 200);

  // The old token comes back (stolen): 401, and the whole family dies.
  HttpClient thief(server.base_url());
  auto t = thief.post("/auth/refresh", "{}", {{"Cookie", "refresh_token=" + first}});
  EXPECT_EQ(t.status, 401);
  EXPECT_EQ(t.error_code(), "refresh_reused");
  r = http.post("/auth/refresh");
  EXPECT_EQ(r.status, 401);

  // Only hashes are stored.
  server.terminate();
  std::string db = read_file(server.data_dir() + "/convene.db") + read_file(server.data_dir() + "/convene.db-wal");
  EXPECT_EQ(db.find(first), std::string::npos);
  EXPECT_EQ(db.find(second), std::string::npos);
}

TEST(Refresh, LogoutRevokesAndClearsCookies) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("leaver");
  http.set_token("");
  std::string refresh = http.cookie_value("refresh_token");
  auto out = http.post("/auth/logout");
  EXPECT_EQ(out.status, 204);
  bool cleared = false;
  for (auto& c : out.set_cookies) cleared |= c.rfind("refresh_token=;", 0) == 0 && c.find("Max-Age=0") != std::string::npos;
  EXPECT_TRUE(cleared);
  HttpClient replay(server.base_url());
  EXPECT_EQ(replay.post("/auth/refresh", "{}", {{"Cookie", "refresh_token=" + refresh}}).status, 401);
  EXPECT_EQ(http.get("/auth/me").status, 401);
}

// Signing out closes the user's open WebSockets, and nobody else's.
TEST(Refresh, LogoutClosesTheUsersWebSockets) {
  ServerProcess server;
  HttpClient http(server.base_url()), other(server.base_url());
  http.register_user("wsleaver");
  other.register_user("wsstayer");
  auto first = WsClient::connect(server.base_url(), http.token());
  auto second = WsClient::connect(server.base_url(), http.get("/auth/ws-token").str("token"));
  auto theirs = WsClient::connect(server.base_url(), other.token());
  ASSERT_TRUE(first && second && theirs);

  http.set_token("");  // the refresh cookie says who signs out
  ASSERT_EQ(http.post("/auth/logout").status, 204);
  EXPECT_EQ(first->wait_closed(), 4001);
  EXPECT_EQ(second->wait_closed(), 4001);
  theirs->send(std::move(convene::json::Object().set("type", "teleport")));
  EXPECT_EQ(str_field(theirs->wait_for("error").get(), "code"), "unknown_type");
  EXPECT_FALSE(theirs->is_closed());

  // Signing out with only the access token (no refresh cookie) does it too.
  HttpClient bearer(server.base_url());
  bearer.set_token(other.token());
  ASSERT_EQ(bearer.post("/auth/logout").status, 204);
  EXPECT_EQ(theirs->wait_closed(), 4001);
}

// Argon2id runs on its own threads: a burst of sign-ins does not hold up
// what the store does for everyone else. Ordering, not timing: a chat message
// sent while 20 wrong logins are being checked is stored and delivered while
// most of them still wait.
TEST(PasswordHashing, WrongLoginsDoNotHoldUpTheStore) {
  ServerProcess server;
  TestPerson host(server, "hashhost"), guest(server, "hashguest");
  meet(host, {&guest});
  ParallelPosts logins(server.base_url());
  const size_t n = 20;
  for (size_t i = 0; i < n; ++i)
    logins.post("/auth/login", R"({"email":"hashguest@example.test","password":"wrong-password-1"})");
  // One answer back: the others are at the server by now, waiting.
  ASSERT_TRUE(logins.wait_answers(1));
  host.ws->send(std::move(convene::json::Object().set("type", "chat-message").set("content", "still here?")));
  auto chat = guest.ws->wait_for("chat-message", 60000);
  size_t answered_before_chat = logins.answers.size();
  ASSERT_TRUE(chat);
  ASSERT_TRUE(logins.wait_answers(n));
  for (auto& a : logins.answers) EXPECT_EQ(a.status, 401) << a.code;
  std::printf("the chat message arrived after %zu of %zu login answers\n", answered_before_chat, n);
  EXPECT_LT(answered_before_chat, n / 2) << "the chat message waited behind the password checks";
}

// The hashing pool is bounded: beyond it a sign-in is refused at once with
// 503 busy and Retry-After, and the places come back afterwards.
TEST(PasswordHashing, FullPoolAnswersBusy) {
  ServerProcess server({.env = {{"CONVENE_AUTH_PASSWORD_HASH_THREADS", "1"}, {"CONVENE_AUTH_PASSWORD_HASH_QUEUE", "1"}}});
  HttpClient http(server.base_url());
  http.register_user("busybee");
  ParallelPosts logins(server.base_url());
  const size_t n = 12;
  for (size_t i = 0; i < n; ++i)
    logins.post("/auth/login", R"({"email":"busybee@example.test","password":"wrong-password-1"})");
  ASSERT_TRUE(logins.wait_answers(n));
  size_t busy = 0, wrong = 0;
  for (auto& a : logins.answers) {
    if (a.status == 503 && a.code == "busy") {
      ++busy;
      EXPECT_EQ(a.retry_after, "1");
    }
    if (a.status == 401 && a.code == "invalid_credentials") ++wrong;
  }
  EXPECT_GE(busy, 1u);
  EXPECT_GE(wrong, 1u);
  EXPECT_EQ(busy + wrong, n);
  auto ok = http.post("/auth/login", R"({"email":"busybee@example.test","password":"correct-horse-1"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// Who asks is checked before whether the server can send mail.
TEST(Authorisation, InviteChecksWhoAsksBeforeTheMailer) {
  ServerProcess server;  // no SMTP configured
  HttpClient host(server.base_url()), stranger(server.base_url()), anon(server.base_url());
  host.register_user("inviter");
  stranger.register_user("notinvited");
  auto room = host.post("/rooms", R"({"name":"Invites"})");
  ASSERT_EQ(room.status, 201);
  std::string path = "/rooms/" + room.str("id") + "/invite";
  const std::string body = R"({"emails":["guest@example.test"]})";
  auto r = anon.post(path, body);
  EXPECT_EQ(r.status, 401) << r.body;
  r = anon.post(path, "{}");
  EXPECT_EQ(r.status, 401) << r.body;
  r = stranger.post(path, body);
  EXPECT_EQ(r.status, 403) << r.body;
  r = stranger.post("/rooms/no-such-room/invite", body);
  EXPECT_EQ(r.status, 404) << r.body;
  r = host.post(path, body);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error_code(), "email_not_configured");
}

TEST(RateLimits, AuthAttemptsAreLimitedWithRetryAfter) {
  ServerProcess server({.env = {{"CONVENE_RATELIMIT_ENABLED", "true"}, {"CONVENE_RATELIMIT_AUTH_PER_15MIN", "3"}}});
  HttpClient http(server.base_url());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http.post("/auth/login", R"({"email":"x@example.test","password":"whatever-1"})").status, 401);
  auto r = http.post("/auth/login", R"({"email":"x@example.test","password":"whatever-1"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "rate_limited");
  int retry = std::stoi(r.headers["retry-after"]);
  EXPECT_GT(retry, 800);
  EXPECT_LE(retry, 900);
  // Other endpoints are not affected by the auth limit.
  EXPECT_EQ(http.get("/health").status, 200);
}

TEST(RateLimits, GlobalLimitCoversEverything) {
  ServerProcess server({.env = {{"CONVENE_RATELIMIT_ENABLED", "true"}, {"CONVENE_RATELIMIT_GLOBAL_PER_MIN", "5"}}});
  HttpClient http(server.base_url());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http.get("/health").status, 200);
  auto r = http.get("/health");
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.headers["retry-after"].empty());
}

TEST(Headers, SecurityHeadersOnEveryResponseAndGzip) {
  ServerProcess server;
  HttpClient http(server.base_url());
  http.register_user("headers");
  for (const char* path : {"/health", "/nope.txt", "/auth/me"}) {
    auto r = http.get(path);
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << path;
    EXPECT_EQ(r.headers["x-frame-options"], "DENY") << path;
    EXPECT_FALSE(r.headers["referrer-policy"].empty()) << path;
    EXPECT_NE(r.headers["content-security-policy"].find("default-src 'self'"), std::string::npos) << path;
    EXPECT_EQ(r.headers.count("strict-transport-security"), 0u) << path;  // plain HTTP
  }
  // Also on answers sent from the headers alone, before any handler.
  ServerProcess small_bodies({.env = {{"CONVENE_SERVER_MAX_BODY_BYTES", "64"}}});
  auto too_big = HttpClient(small_bodies.base_url()).post("/auth/login", std::string(200, ' '));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.headers["x-frame-options"], "DENY");
  // A large JSON body goes out gzip-compressed (libsoup's client decodes it).
  for (int i = 0; i < 3; ++i) http.post("/rooms", R"({"name":"A room with a long enough name to add bytes"})");
  auto r = http.get("/rooms/stats", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-encoding"], "gzip");
  EXPECT_TRUE(r.json()) << "decoded body is JSON";
  auto small = http.get("/health", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(small.headers.count("content-encoding"), 0u);
}

TEST(Headers, CorsOnlyForListedOrigins) {
  ServerProcess server({.env = {{"CONVENE_AUTH_CORS_ORIGINS", "https://app.example.test"}}});
  HttpClient http(server.base_url());
  auto ok = http.request("OPTIONS", "/auth/login", "",
                         {{"Origin", "https://app.example.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.headers["access-control-allow-origin"], "https://app.example.test");
  EXPECT_EQ(ok.headers["access-control-allow-credentials"], "true");
  auto bad = http.request("OPTIONS", "/auth/login", "",
                          {{"Origin", "https://evil.example.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(bad.status, 403);
  auto plain = http.get("/health", {{"Origin", "https://evil.example.test"}});
  EXPECT_EQ(plain.headers.count("access-control-allow-origin"), 0u);
}

TEST(Tls, ServesHttpsWithHstsAndSecureCookies) {
  std::string dir = scratch_dir("convene-tls");
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
                    " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0) << "openssl is needed (scripts/test installs it)";
  ServerProcess server({.args = {"--tls-cert", cert, "--tls-key", key}});
  ASSERT_EQ(server.base_url().rfind("https://", 0), 0u) << server.base_url();
  HttpClient http(server.base_url());
  http.set_accept_any_certificate(true);
  auto h = http.get("/health");
  ASSERT_EQ(h.status, 200);
  EXPECT_NE(h.headers["strict-transport-security"].find("max-age="), std::string::npos);
  auto r = http.post("/auth/register", R"({"email":"tls@example.test","username":"tlsuser","password":"long-password-1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  int secure = 0;
  for (auto& c : r.set_cookies) secure += c.find("; Secure") != std::string::npos;
  EXPECT_EQ(secure, 2);
}

namespace {

// A tiny OIDC provider: /authorize, /token (checks PKCE), /userinfo.
class FakeOidcProvider {
 public:
  FakeOidcProvider()
      : server_([this](SoupServerMessage* msg, const std::string& path, GHashTable* query) { handle(msg, path, query); }) {}
  std::string base() const { return server_.base_url(); }
  std::string email = "oidc.person@example.test";
  bool verified = true;
  bool pkce_ok = false;

 private:
  void handle(SoupServerMessage* msg, const std::string& path, GHashTable* query) {
    auto q = [&](const char* k) {
      auto* v = query ? static_cast<const char*>(g_hash_table_lookup(query, k)) : nullptr;
      return std::string(v ? v : "");
    };
    if (path == "/authorize") {
      challenge_ = q("code_challenge");
      std::string loc = q("redirect_uri") + "?code=the-code&state=" + q("state");
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location", loc.c_str());
      soup_server_message_set_status(msg, 302, nullptr);
    } else if (path == "/token") {
      SoupMessageBody* b = soup_server_message_get_request_body(msg);
      GHashTable* form = soup_form_decode(std::string(b->data, b->length).c_str());
      const char* verifier = static_cast<const char*>(g_hash_table_lookup(form, "code_verifier"));
      const char* code = static_cast<const char*>(g_hash_table_lookup(form, "code"));
      pkce_ok = verifier && code && std::string(code) == "the-code" && convene::auth::pkce_challenge(verifier) == challenge_;
      g_hash_table_unref(form);
      if (pkce_ok) LoopbackHttpServer::reply_json(msg, 200, R"({"access_token":"provider-token","token_type":"Bearer"})");
      else LoopbackHttpServer::reply_json(msg, 400, R"({"error":"invalid_grant"})");
    } else if (path == "/userinfo") {
      const char* auth = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
      if (!auth || std::string(auth) != "Bearer provider-token") return LoopbackHttpServer::reply_json(msg, 401, "{}");
      LoopbackHttpServer::reply_json(msg, 200, std::string(R"({"sub":"subject-42","email":")") + email +
                                                   R"(","email_verified":)" + (verified ? "true" : "false") +
                                                   R"(,"name":"Oidc Person"})");
    } else {
      LoopbackHttpServer::reply_json(msg, 404, "{}");
    }
  }
  std::string challenge_;
  LoopbackHttpServer server_;  // last: it calls handle() until it is destroyed
};

ServerOptions oidc_server(const FakeOidcProvider& p) {
  return {.env = {{"CONVENE_OAUTH_OIDC_CLIENT_ID", "convene-test"},
                  {"CONVENE_OAUTH_OIDC_CLIENT_SECRET", "shh"},
                  {"CONVENE_OAUTH_OIDC_AUTHORIZE_URL", p.base() + "/authorize"},
                  {"CONVENE_OAUTH_OIDC_TOKEN_URL", p.base() + "/token"},
                  {"CONVENE_OAUTH_OIDC_USERINFO_URL", p.base() + "/userinfo"}}};
}

// Walks the browser's redirects by hand; returns the final answer from Convene.
Response oidc_sign_in(HttpClient& browser, const FakeOidcProvider&) {
  browser.set_follow_redirects(false);
  auto start = browser.get("/auth/sso");
  if (start.status != 302) return start;
  HttpClient provider_side("");
  provider_side.set_follow_redirects(false);
  auto at_provider = provider_side.get(start.headers["location"]);
  std::string callback = at_provider.headers["location"];
  std::string path = callback.substr(callback.find("/auth/"));
  return browser.get(path);
}

}  // namespace

TEST(OAuth, SignsInWithPkceAndLinksByVerifiedEmail) {
  FakeOidcProvider provider;
  ServerProcess server(oidc_server(provider));
  // Someone already registered with that address by password.
  HttpClient existing(server.base_url());
  std::string existing_id = existing.register_user("oidc.person");
  ASSERT_EQ(existing.get("/auth/me").body.find("oidc.person@example.test") != std::string::npos, true);

  HttpClient browser(server.base_url());
  auto providers = browser.get("/auth/providers");
  EXPECT_NE(providers.body.find("\"id\":\"sso\""), std::string::npos) << providers.body;
  auto done = oidc_sign_in(browser, provider);
  EXPECT_TRUE(provider.pkce_ok);
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.headers["location"], "/");
  auto me = browser.get("/auth/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find(existing_id), std::string::npos) << "linked to the existing account: " << me.body;
}

TEST(OAuth, NewUserUnverifiedEmailAndBadStateAreHandled) {
  FakeOidcProvider provider;
  provider.email = "brand.new@example.test";
  ServerProcess server(oidc_server(provider));
  HttpClient browser(server.base_url());
  auto done = oidc_sign_in(browser, provider);
  ASSERT_EQ(done.status, 302) << done.body;
  auto me = browser.get("/auth/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_NE(me.body.find("brand.new@example.test"), std::string::npos);

  provider.verified = false;
  provider.email = "unverified@example.test";
  HttpClient other(server.base_url());
  auto refused = oidc_sign_in(other, provider);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_code(), "email_not_verified");

  HttpClient forger(server.base_url());
  forger.set_follow_redirects(false);
  auto forged = forger.get("/auth/sso/callback?code=the-code&state=made-up");
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(forged.error_code(), "oauth_state_mismatch");
  EXPECT_EQ(forger.get("/auth/nosuch").status, 404);
}
