#include "http/server.h"

#include <gio/gio.h>

#include <stdexcept>

#include "http/error.h"
#include "http/path.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_http_debug

namespace convene::http {
namespace {

constexpr const char* kAttributesKey = "convene-ws-attributes";

using Attributes = std::map<std::string, std::string>;

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), trusted_proxies_(options_.trusted_proxies) {
  soup_ = adopt(static_cast<SoupServer*>(g_object_new(SOUP_TYPE_SERVER, "server-header", "convene", nullptr)));
  if (!options_.static_dir.empty() && g_file_test(options_.static_dir.c_str(), G_FILE_TEST_IS_DIR))
    static_files_ = std::make_unique<StaticFiles>(options_.static_dir);
  else if (!options_.static_dir.empty())
    GST_WARNING("static directory %s does not exist; the web client is not served",
                options_.static_dir.c_str());
  soup_server_add_handler(soup_.get(), nullptr, on_request, this, nullptr);
  ConnectionLimits limits;
  limits.max_body_bytes = options_.max_body_bytes;
  limits.header_timeout_ms = options_.header_timeout_sec * 1000;
  limits.body_timeout_ms = options_.body_timeout_sec * 1000;
  limits.keepalive_timeout_ms = options_.keepalive_timeout_sec * 1000;
  guard_ = std::make_unique<ConnectionGuard>(soup_.get(), limits, [this](SoupServerMessage* msg) {
    reply_now(msg, 413, "payload_too_large",
              "the request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
  });
}

Server::~Server() {
  if (soup_) soup_server_disconnect(soup_.get());
}

void Server::add_request_filter(std::function<bool(const ExchangePtr&)> filter) {
  request_filters_.push_back(std::move(filter));
}

void Server::add_response_filter(std::function<void(Exchange&)> filter) {
  response_filters_.push_back(std::move(filter));
}

void Server::add_header_filter(std::function<void(SoupMessageHeaders*, bool)> filter) {
  header_filters_.push_back(std::move(filter));
}

void Server::add_upgrade_filter(UpgradeCheck filter) { upgrade_filters_.push_back(std::move(filter)); }

void Server::add_websocket(const std::string& path, UpgradeCheck check, WebSocketOpened opened) {
  auto route = std::make_unique<WebSocketRoute>(WebSocketRoute{path, std::move(check), std::move(opened)});
  soup_server_add_websocket_handler(soup_.get(), path.c_str(), nullptr, nullptr, on_websocket, route.get(),
                                    nullptr);
  // The catch-all handler must also see this path (for the upgrade check).
  soup_server_add_handler(soup_.get(), path.c_str(), on_request, this, nullptr);
  std::vector<std::string> segments = split_path(path);
  if (!segments.empty()) router_.reserve_prefix(segments[0]);
  websockets_.push_back(std::move(route));
}

void Server::listen() {
  if (!options_.tls_cert_file.empty()) {
    g_autoptr(GError) err = nullptr;
    g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_files(
        options_.tls_cert_file.c_str(), options_.tls_key_file.c_str(), &err);
    if (!cert) throw std::runtime_error(std::string("cannot load TLS certificate: ") + err->message);
    soup_server_set_tls_certificate(soup_.get(), cert);
  }
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(options_.host.c_str());
  if (!addr) throw std::runtime_error("cannot listen on '" + options_.host + "': not an IP address");
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(addr, static_cast<guint16>(options_.port));
  g_autoptr(GError) err = nullptr;
  SoupServerListenOptions flags = options_.tls_cert_file.empty() ? SoupServerListenOptions(0)
                                                                 : SOUP_SERVER_LISTEN_HTTPS;
  if (!soup_server_listen(soup_.get(), sa, flags, &err))
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                             ": " + err->message);
  GSList* uris = soup_server_get_uris(soup_.get());
  bound_port_ = uris ? g_uri_get_port(static_cast<GUri*>(uris->data)) : options_.port;
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
}

std::string Server::base_url() const {
  std::string h = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
  return std::string(tls() ? "https" : "http") + "://" + h + ":" + std::to_string(bound_port_);
}

void Server::stop_listening() {
  if (soup_) soup_server_disconnect(soup_.get());
}

void Server::reply_now(SoupServerMessage* msg, int status, const std::string& code,
                       const std::string& message) {
  json::Object inner;
  inner.set("code", code).set("message", message);
  json::Object outer;
  outer.set("error", std::move(inner));
  std::string text = std::move(outer).to_string();
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text.data(), text.size());
  soup_server_message_set_status(msg, static_cast<guint>(status), nullptr);
  bool tls = client_origin(msg).https;
  for (auto& filter : header_filters_) filter(soup_server_message_get_response_headers(msg), tls);
}

ClientOrigin Server::client_origin(SoupServerMessage* msg) const {
  bool tls = soup_server_message_get_tls_peer_certificate(msg) != nullptr ||
             g_str_equal(g_uri_get_scheme(soup_server_message_get_uri(msg)), "https");
  SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
  return trusted_proxies_.resolve(soup_server_message_get_remote_host(msg), tls,
                                  soup_message_headers_get_list(h, "X-Forwarded-For"),
                                  soup_message_headers_get_list(h, "X-Forwarded-Proto"));
}

void Server::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                        gpointer self) {
  auto* server = static_cast<Server*>(self);
  // ConnectionGuard refuses larger bodies as they arrive; this never fires.
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (body && body->length > server->options_.max_body_bytes) {
    server->reply_now(msg, 413, "payload_too_large", "the request body is too large");
    return;
  }
  // One spelling of the path for every rule that follows.
  std::optional<std::string> normalized = normalize_path(path);
  if (!normalized) {
    server->reply_now(msg, 400, "bad_path", "the request path is not valid");
    return;
  }

  for (const auto& ws : server->websockets_) {
    if (ws->path != *normalized) continue;
    // A WebSocket path: check the upgrade here; accepting means leaving the
    // status unset so libsoup completes the handshake.
    soup_server_message_pause(msg);
    Exchange probe(server, msg, *normalized, query);
    if (!soup_websocket_server_check_handshake(msg, nullptr, nullptr, nullptr, nullptr)) {
      probe.error(400, "websocket_required", "this endpoint only speaks WebSocket");
      return;
    }
    std::optional<UpgradeRefusal> refusal;
    for (auto& filter : server->upgrade_filters_)
      if ((refusal = filter(probe))) break;
    if (!refusal) refusal = ws->check(probe);
    if (refusal) {
      GST_INFO("WebSocket upgrade on %s refused: %d %s", path, refusal->status, refusal->message.c_str());
      probe.error(refusal->status, refusal->code, refusal->message);
      return;
    }
    g_object_set_data_full(G_OBJECT(msg), kAttributesKey, new Attributes(probe.attributes()),
                           [](gpointer p) { delete static_cast<Attributes*>(p); });
    probe.release_unanswered();
    return;
  }

  soup_server_message_pause(msg);
  auto ex = std::make_shared<Exchange>(server, msg, std::move(*normalized), query);
  try {
    server->dispatch(ex);
  } catch (...) {
    ex->fail(std::current_exception());
  }
}

void Server::dispatch(const ExchangePtr& ex) {
  for (auto& filter : request_filters_)
    if (!filter(ex) || ex->responded()) return;

  Router::Match m = router_.match(ex->method(), ex->path());
  if (m.handler) {
    ex->set_params(std::move(m.params));
    (*m.handler)(ex);
    return;
  }
  if (m.path_known) {
    ex->error(405, "method_not_allowed", ex->method() + " is not allowed on " + ex->path());
    return;
  }
  // Under an API prefix nothing is a file or a page of the client: a missing
  // endpoint must read as one (JSON 404), not as index.html with 200.
  if ((ex->method() == "GET" || ex->method() == "HEAD") && static_files_ && !router_.in_api_namespace(ex->path()) &&
      static_files_->serve(*ex))
    return;
  ex->error(404, "not_found", "no such endpoint: " + ex->method() + " " + ex->path());
}

void Server::before_send(Exchange& ex) {
  for (auto& filter : header_filters_)
    filter(soup_server_message_get_response_headers(ex.message()), ex.is_tls());
  for (auto& filter : response_filters_) filter(ex);
}

void Server::on_websocket(SoupServer*, SoupServerMessage* msg, const char* path, SoupWebsocketConnection* ws,
                          gpointer data) {
  auto* route = static_cast<WebSocketRoute*>(data);
  auto* attrs = static_cast<Attributes*>(g_object_get_data(G_OBJECT(msg), kAttributesKey));
  GST_INFO("WebSocket opened on %s", path);
  route->opened(ws, attrs ? *attrs : Attributes{});
}

}  // namespace convene::http
