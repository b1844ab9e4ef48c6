// What one client can do to the server over HTTP and WebSocket, measured on
// the real binary: nesting bombs, NUL characters, oversized bodies (RSS from
// /proc), keep-alive connections closed by the client (descriptors from
// /proc), slow requests, idle connections, path spellings and rate limits,
// foreign WebSocket origins.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "http_client.h"
#include "process_figures.h"
#include "scratch_dir.h"
#include "server_process.h"
#include "ws_client.h"

using namespace convene;
using namespace convene::testing;

namespace {

int64_t now_ms() { return g_get_monotonic_time() / 1000; }

// A plain TCP client speaking HTTP/1.1 by hand: the tests need what no HTTP
// client library does (half-sent headers, stopping mid-body, holding idle
// connections, a raw WebSocket handshake).
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends everything; false once the server closed or reset the connection.
  bool send_all(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response (headers and a Content-Length body); empty when the
  // connection closed first or nothing came within timeout_ms.
  std::string read_response(int timeout_ms = 10000) {
    int64_t deadline = now_ms() + timeout_ms;
    while (true) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        std::string head = buffer_.substr(0, end);
        std::string lower = head;
        for (char& ch : lower) ch = static_cast<char>(g_ascii_tolower(ch));
        size_t cl = lower.find("content-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
        if (buffer_.size() >= end + 4 + length) {
          std::string response = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return response;
        }
      }
      int left = static_cast<int>(deadline - now_ms());
      if (left <= 0 || !read_some(left)) return {};
    }
  }

  // True once the server closed the connection (EOF or reset) within timeout_ms.
  bool closed_by_server(int timeout_ms) {
    int64_t deadline = now_ms() + timeout_ms;
    while (true) {
      int left = static_cast<int>(deadline - now_ms());
      if (left <= 0) return false;
      if (!read_some(left)) return eof_;
    }
  }

 private:
  // Reads what arrives; false on EOF, error or timeout.
  bool read_some(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::atoi(response.c_str() + 9);
}

std::string get_request(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

// The server's open descriptors once they are at most `bound`, or after 15 s
// (what it has then): releasing a closed connection takes a main-loop turn or two.
long descriptors_once_settled(int pid, long bound) {
  int64_t deadline = now_ms() + 15000;
  long now = process_figures(pid).fds;
  while (now > bound && now_ms() < deadline) {
    g_usleep(100 * 1000);
    now = process_figures(pid).fds;
  }
  return now;
}

// The server's descriptor count once it has held still for half a second
// (the start-up's warm-up thread may still open or close one).
long steady_descriptors(int pid) {
  int64_t deadline = now_ms() + 10000;
  long last = process_figures(pid).fds;
  int64_t since = now_ms();
  while (now_ms() - since < 500 && now_ms() < deadline) {
    g_usleep(100 * 1000);
    long now = process_figures(pid).fds;
    if (now != last) last = now, since = now_ms();
  }
  return last;
}

// Streams `total` bytes of body after `head`; stops when the server closes.
// Returns the status the server answered with (0: it closed without one).
int stream_body(int port, const std::string& head, int64_t total, bool chunked) {
  RawConnection c(port);
  if (!c.ok() || !c.send_all(head)) return 0;
  std::string block(64 * 1024, 'a');
  std::string chunk;
  if (chunked) {
    char size_line[32];
    snprintf(size_line, sizeof size_line, "%zx\r\n", block.size());
    chunk = size_line + block + "\r\n";
  }
  for (int64_t sent = 0; sent < total; sent += static_cast<int64_t>(block.size()))
    if (!c.send_all(chunked ? chunk : block)) break;
  if (chunked) c.send_all("0\r\n\r\n");
  return status_of(c.read_response(5000));
}

}  // namespace

// 100,000 '[' overflowed json-glib's recursion and killed the process.
TEST(HttpLimits, DeepJsonAndNulCharactersAreRefusedOverHttpAndWebSocket) {
  ServerProcess server;
  HttpClient http(server.base_url());
  auto r = http.post("/auth/login", std::string(100000, '['));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "malformed_json");
  EXPECT_NE(r.body.find("nested deeper than 64"), std::string::npos) << r.body;
  ASSERT_TRUE(server.running()) << server.log();

  // NUL cut names short: "Ada\u0000admin" was stored as "Ada".
  r = http.post("/auth/register", R"({"email":"nul@example.test","username":"Ada\u0000admin","password":"correct-horse-1"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "malformed_json");
  EXPECT_NE(r.body.find("NUL"), std::string::npos) << r.body;

  http.register_user("deepws");
  auto ws = WsClient::connect(server.base_url(), http.token());
  ASSERT_TRUE(ws);
  ws->send_text(std::string(200000, '['));
  auto err = ws->wait_for("error");
  ASSERT_TRUE(err) << server.log();
  EXPECT_EQ(str_field(err.get(), "code"), "malformed_json");
  ws->send_text(R"({"type":"join-room","requestId":"r1","roomId":"a\u0000b"})");
  err = ws->wait_for("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(str_field(err.get(), "code"), "malformed_json");
  // The connection and the server carry on.
  ws->send_text(R"({"type":"no-such-type","requestId":"r2"})");
  err = ws->wait_for("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(str_field(err.get(), "requestId"), "r2");
  EXPECT_TRUE(server.running());
  EXPECT_EQ(HttpClient(server.base_url()).get("/health").status, 200);
}

// 256 MB bodies were read whole (RSS +250 MB) before the 413 went out.
TEST(HttpLimits, OversizedBodiesAreNotReadIntoMemory) {
  ServerProcess server({.env = {{"CONVENE_SERVER_MAX_BODY_BYTES", "1048576"}}});
  ASSERT_EQ(HttpClient(server.base_url()).get("/health").status, 200);
  int64_t before_kb = process_figures(server.pid()).peak_rss_kb;
  ASSERT_GT(before_kb, 0);
  constexpr int64_t kTotal = 256LL * 1024 * 1024;

  std::string head = "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: " + std::to_string(kTotal) + "\r\n\r\n";
  int status = stream_body(server.port(), head, kTotal, false);
  EXPECT_TRUE(status == 413 || status == 0) << status;

  head = "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n";
  status = stream_body(server.port(), head, kTotal, true);
  EXPECT_TRUE(status == 413 || status == 0) << status;

  // The peak resident size, not a sample: nothing can slip between readings.
  int64_t grown_mb = (process_figures(server.pid()).peak_rss_kb - before_kb) / 1024;
  printf("peak RSS grew by %" G_GINT64_FORMAT " MB over two 256 MB uploads\n", grown_mb);
  EXPECT_LT(grown_mb, 48) << "peak RSS grew by " << grown_mb << " MB";
  EXPECT_EQ(HttpClient(server.base_url()).get("/health").status, 200);
}

TEST(HttpLimits, OversizedBodyWithExpectContinueGets413BeforeSending) {
  ServerProcess server({.env = {{"CONVENE_SERVER_MAX_BODY_BYTES", "1024"}}});
  RawConnection c(server.port());
  ASSERT_TRUE(c.send_all("POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n"
                         "Expect: 100-continue\r\n\r\n"));
  std::string response = c.read_response();
  EXPECT_EQ(status_of(response), 413) << response;
  EXPECT_NE(response.find("payload_too_large"), std::string::npos) << response;
  EXPECT_TRUE(c.closed_by_server(5000));
}

// libsoup 3.2 leaked one descriptor per keep-alive connection the client closed.
TEST(HttpLimits, KeepAliveConnectionsClosedByTheClientGiveTheirDescriptorsBack) {
  ServerProcess server;
  {
    RawConnection warm(server.port());
    ASSERT_TRUE(warm.send_all(get_request("/health", "Connection: close\r\n")));
    ASSERT_EQ(status_of(warm.read_response()), 200);
    ASSERT_TRUE(warm.closed_by_server(5000));
  }
  long baseline = steady_descriptors(server.pid());
  constexpr int kConnections = 30;
  {
    std::vector<std::unique_ptr<RawConnection>> conns;
    for (int i = 0; i < kConnections; ++i) {
      auto c = std::make_unique<RawConnection>(server.port());
      ASSERT_TRUE(c->ok());
      ASSERT_TRUE(c->send_all(get_request("/health")));
      ASSERT_EQ(status_of(c->read_response()), 200);
      conns.push_back(std::move(c));
    }
    EXPECT_GE(process_figures(server.pid()).fds, baseline + kConnections);
  }  // the client closes them all
  long now = descriptors_once_settled(server.pid(), baseline + 2);
  EXPECT_LE(now, baseline + 2) << "baseline " << baseline;
  printf("descriptors: %ld before, %ld after %d keep-alive connections closed by the client\n", baseline, now,
         kConnections);
  EXPECT_EQ(HttpClient(server.base_url()).get("/health").status, 200);
}

TEST(HttpLimits, IdleKeepAliveConnectionsAreClosedAfterTheTimeout) {
  ServerProcess server({.env = {{"CONVENE_SERVER_KEEPALIVE_TIMEOUT_SEC", "1"}}});
  RawConnection c(server.port());
  ASSERT_TRUE(c.send_all(get_request("/health")));
  ASSERT_EQ(status_of(c.read_response()), 200);
  // A second request on it still works within the timeout.
  ASSERT_TRUE(c.send_all(get_request("/health")));
  ASSERT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.closed_by_server(15000));
}

// Slowloris: headers dribbled forever, or a body that stops.
TEST(HttpLimits, SlowRequestsAreCutOffButWebSocketsStay) {
  ServerProcess server({.env = {{"CONVENE_SERVER_HEADER_TIMEOUT_SEC", "2"},
                                {"CONVENE_SERVER_BODY_TIMEOUT_SEC", "2"},
                                {"CONVENE_SERVER_KEEPALIVE_TIMEOUT_SEC", "2"}}});
  HttpClient http(server.base_url());
  http.register_user("stayer");
  auto ws = WsClient::connect(server.base_url(), http.token());
  ASSERT_TRUE(ws);

  RawConnection half_header(server.port());
  ASSERT_TRUE(half_header.send_all("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  RawConnection silent(server.port());
  ASSERT_TRUE(silent.ok());
  RawConnection stalled_body(server.port());
  ASSERT_TRUE(stalled_body.send_all("POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"a\":"));

  EXPECT_TRUE(half_header.closed_by_server(15000));
  EXPECT_TRUE(silent.closed_by_server(15000));
  EXPECT_TRUE(stalled_body.closed_by_server(15000));

  // An open WebSocket is not an HTTP request: it outlives every timeout.
  ws->send_text(R"({"type":"no-such-type","requestId":"still-here"})");
  auto err = ws->wait_for("error");
  ASSERT_TRUE(err) << server.log();
  EXPECT_EQ(str_field(err.get(), "requestId"), "still-here");
  EXPECT_FALSE(ws->is_closed());
}

// After the limit, "/auth/login/" and "//auth/login" were not counted (and a real login got through).
TEST(HttpLimits, RateLimitsApplyToEverySpellingOfAPath) {
  ServerProcess server({.env = {{"CONVENE_RATELIMIT_ENABLED", "true"},
                                {"CONVENE_RATELIMIT_AUTH_PER_15MIN", "3"},
                                {"CONVENE_RATELIMIT_ROOM_CREATE_PER_MIN", "2"}}});
  HttpClient http(server.base_url());
  http.register_user("spelling");
  std::string login = R"({"email":"spelling@example.test","password":"correct-horse-1"})";
  // register counts against its own rule; three logins use up this one.
  for (int i = 0; i < 3; ++i) EXPECT_NE(http.post("/auth/login", login).status, 429) << i;
  for (const char* path : {"/auth/login", "/auth/login/", "//auth/login", "/auth//login", "/auth/./login",
                           "/auth/login//", "/auth/log%69n"}) {
    RawConnection c(server.port());
    ASSERT_TRUE(c.send_all("POST " + std::string(path) +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(login.size()) + "\r\nConnection: close\r\n\r\n" + login));
    std::string response = c.read_response();
    EXPECT_EQ(status_of(response), 429) << path << "\n" << response;
  }

  EXPECT_EQ(http.post("/rooms", R"({"name":"one"})").status, 201);
  EXPECT_EQ(http.post("/rooms/", R"({"name":"two"})").status, 201);
  EXPECT_EQ(http.post("//rooms/", R"({"name":"three"})").status, 429);
  EXPECT_EQ(http.post("/rooms", R"({"name":"four"})").status, 429);

  // Routing sees the same spelling.
  EXPECT_EQ(http.get("/health/").status, 200);
  EXPECT_EQ(http.get("//health").status, 200);
  EXPECT_EQ(http.get("/auth/me/").status, 200);
}

TEST(HttpLimits, WebSocketUpgradeChecksTheOrigin) {
  ServerProcess server({.env = {{"CONVENE_AUTH_CORS_ORIGINS", "https://app.example.test"}}});
  HttpClient http(server.base_url());
  http.register_user("origin");
  std::string self = "http://127.0.0.1:" + std::to_string(server.port());
  auto upgrade = [&](const std::string& origin_header) {
    RawConnection c(server.port());
    c.send_all("GET /ws?token=" + http.token() + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n" + origin_header + "\r\n");
    return c.read_response();
  };
  std::string foreign = upgrade("Origin: http://evil.example.test\r\n");
  EXPECT_EQ(status_of(foreign), 403) << foreign;
  EXPECT_NE(foreign.find("origin_forbidden"), std::string::npos) << foreign;
  EXPECT_EQ(status_of(upgrade("Origin: http://127.0.0.1:1\r\n")), 403);
  EXPECT_EQ(status_of(upgrade("Origin: null\r\n")), 403);
  EXPECT_EQ(status_of(upgrade("Origin: " + self + "\r\n")), 101);
  EXPECT_EQ(status_of(upgrade("Origin: https://app.example.test\r\n")), 101);
  EXPECT_EQ(status_of(upgrade("")), 101);  // not a browser

  // The page may connect to its own origin only (and what is configured).
  auto r = http.get("/health");
  std::string csp = r.headers["content-security-policy"];
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("ws:"), std::string::npos) << csp;
}

// The same over TLS: a client's close_notify arrives as data, so the guard
// cannot tell it from a next request; such a connection is released by the
// header timeout instead of at once.
TEST(HttpLimits, TlsKeepAliveConnectionsClosedByTheClientAreReleased) {
  std::string dir = scratch_dir("convene-tls");
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
                    " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0) << "openssl is needed (scripts/test installs it)";
  ServerProcess server({.env = {{"CONVENE_SERVER_HEADER_TIMEOUT_SEC", "2"}},
                        .args = {"--tls-cert", cert, "--tls-key", key}});
  {
    HttpClient warm(server.base_url());
    warm.set_accept_any_certificate(true);
    ASSERT_EQ(warm.get("/health").status, 200);
  }
  g_usleep(4 * 1000 * 1000);  // the warm-up connection may take a header timeout to go
  long baseline = process_figures(server.pid()).fds;
  constexpr int kConnections = 10;
  {
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < kConnections; ++i) {
      clients.push_back(std::make_unique<HttpClient>(server.base_url()));
      clients.back()->set_accept_any_certificate(true);
      ASSERT_EQ(clients.back()->get("/health").status, 200);
    }
    EXPECT_GE(process_figures(server.pid()).fds, baseline + kConnections);
  }
  // A TLS connection that never says hello is cut off too.
  RawConnection silent(server.port());
  ASSERT_TRUE(silent.ok());
  EXPECT_TRUE(silent.closed_by_server(15000));
  silent.close();
  long now = descriptors_once_settled(server.pid(), baseline + 2);
  EXPECT_LE(now, baseline + 2) << "baseline " << baseline;
  printf("TLS descriptors: %ld before, %ld after %d keep-alive connections closed by the client\n", baseline, now,
         kConnections);
}
