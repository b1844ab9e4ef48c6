// Convene's HTTP and WebSocket server on one port, over libsoup 3.
//
// Every request goes through the same path: body-size check on the headers
// (and while a chunked body arrives: ConnectionGuard), path normalisation
// (http/path.h), request filters (rate limits, CORS, ...), the router, then
// static files, then 404. Responses pass the response filters (security
// headers, compression) on their way out.
//
// Threads: main loop only.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/connection_guard.h"
#include "http/exchange.h"
#include "http/router.h"
#include "http/static_files.h"
#include "http/trusted_proxies.h"
#include "util/gobject_ptr.h"

namespace convene::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int64_t max_body_bytes = 4 * 1024 * 1024;
  int64_t header_timeout_sec = 30;     // a request's headers must arrive within this
  int64_t body_timeout_sec = 60;       // a body may pause this long
  int64_t keepalive_timeout_sec = 60;  // an idle keep-alive connection is closed after this
  std::string static_dir;  // empty: no static files
  std::string tls_cert_file;
  std::string tls_key_file;
  // Reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or
  // CIDRs; http/trusted_proxies.h). A bad entry makes the constructor throw.
  std::vector<std::string> trusted_proxies;
};

// Decides whether a WebSocket upgrade may proceed. Returns nullopt to accept,
// or an http::Error-like (status, code, message) to refuse before the handshake.
struct UpgradeRefusal {
  int status;
  std::string code;
  std::string message;
};
using UpgradeCheck = std::function<std::optional<UpgradeRefusal>(Exchange& request)>;
// Called with the open connection and the attributes the check left on the request.
using WebSocketOpened =
    std::function<void(SoupWebsocketConnection* ws, const std::map<std::string, std::string>& attributes)>;

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Router& router() { return router_; }
  void route(const std::string& method, const std::string& pattern, Handler handler) {
    router_.add(method, pattern, std::move(handler));
  }

  // Runs before routing; return false after answering to stop the request.
  void add_request_filter(std::function<bool(const ExchangePtr&)> filter);
  // Runs on every response just before it is sent.
  void add_response_filter(std::function<void(Exchange&)> filter);
  // Adds headers to every answer, including those sent before a handler
  // runs (413 from the headers alone). `tls` tells whether the request came over TLS.
  void add_header_filter(std::function<void(SoupMessageHeaders* response_headers, bool tls)> filter);

  void add_websocket(const std::string& path, UpgradeCheck check, WebSocketOpened opened);
  // Runs on every WebSocket upgrade before the endpoint's own check (e.g. the
  // Origin check of Protections).
  void add_upgrade_filter(UpgradeCheck filter);

  // Starts listening; throws std::runtime_error when the address is taken or TLS files are bad.
  void listen();
  // The port actually bound (differs from options.port when it was 0).
  int port() const { return bound_port_; }
  const std::string& host() const { return options_.host; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  std::string base_url() const;

  // Stops accepting connections; requests in flight still finish.
  void stop_listening();

  SoupServer* soup() const { return soup_.get(); }
  const ServerOptions& options() const { return options_; }
  // The one place a request's client address and scheme are decided.
  ClientOrigin client_origin(SoupServerMessage* msg) const;

  // Called by Exchange as it sends a response.
  void before_send(Exchange& ex);

 private:
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                         gpointer self);
  static void on_websocket(SoupServer*, SoupServerMessage* msg, const char* path,
                           SoupWebsocketConnection* ws, gpointer self);
  void dispatch(const ExchangePtr& ex);
  void reply_now(SoupServerMessage* msg, int status, const std::string& code, const std::string& message);

  struct WebSocketRoute {
    std::string path;
    UpgradeCheck check;
    WebSocketOpened opened;
  };

  ServerOptions options_;
  TrustedProxies trusted_proxies_;
  GObjectPtr<SoupServer> soup_;
  Router router_;
  std::unique_ptr<StaticFiles> static_files_;
  std::vector<std::function<bool(const ExchangePtr&)>> request_filters_;
  std::vector<std::function<void(Exchange&)>> response_filters_;
  std::vector<std::function<void(SoupMessageHeaders*, bool)>> header_filters_;
  std::vector<UpgradeCheck> upgrade_filters_;
  std::vector<std::unique_ptr<WebSocketRoute>> websockets_;
  std::unique_ptr<ConnectionGuard> guard_;
  int bound_port_ = 0;
};

}  // namespace convene::http
