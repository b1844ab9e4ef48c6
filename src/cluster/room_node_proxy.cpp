#include "cluster/room_node_proxy.h"

#include <array>
#include <cstring>

#include "cluster/cluster_log.h"
#include "http/error.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {
namespace {

// Not forwarded: hop-by-hop headers (RFC 9110 7.6.1), what libsoup sets for
// the new request itself, and Accept-Encoding (the session decodes; this node
// compresses its own answer as usual).
bool forwarded_request_header(const char* name) {
  static constexpr std::array<const char*, 12> skip = {
      "Connection", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE",     "Trailer",
      "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect", "Accept-Encoding"};
  for (const char* s : skip)
    if (g_ascii_strcasecmp(s, name) == 0) return false;
  // Set below from what this node made of them.
  for (const char* own : {RoomNodeProxy::kForwardedBy, "X-Request-Id", "X-Forwarded-For", "X-Forwarded-Proto"})
    if (g_ascii_strcasecmp(own, name) == 0) return false;
  return true;
}

// The answer's headers a client acts on (Content-Type goes with the body).
// The rest (security headers, compression, request id) this node sets itself.
constexpr std::array<const char*, 12> kRelayedResponseHeaders = {
    "Location",      "Allow",         "Accept-Post",      "Accept-Patch",  "Link",          "ETag",
    "Retry-After",   "Cache-Control", "WWW-Authenticate", "Content-Range", "Accept-Ranges", "Content-Disposition"};

struct Pending {
  http::ExchangePtr ex;
  std::string node_url;
  std::weak_ptr<bool> alive;
};

}  // namespace

RoomNodeProxy::RoomNodeProxy(http::Server& http, std::string node_id,
                             std::function<void(const std::string&, Where)> owner_of,
                             std::function<void(const std::string&, Where)> place)
    : http_(http), node_id_(std::move(node_id)), owner_of_(std::move(owner_of)), place_(std::move(place)) {
  session_ = adopt(soup_session_new_with_options("timeout", kTimeoutSec, "idle-timeout", kTimeoutSec, "user-agent",
                                                 "convene-cluster", nullptr));
  cancellable_ = adopt(g_cancellable_new());
  // After the other filters (CORS, rate limits): a forwarded request has passed them here.
  http_.add_request_filter([this, alive = std::weak_ptr<bool>(alive_)](const http::ExchangePtr& ex) {
    return alive.expired() || filter(ex);
  });
}

RoomNodeProxy::~RoomNodeProxy() {
  alive_.reset();
  g_cancellable_cancel(cancellable_.get());
}

void RoomNodeProxy::bind(const std::string& method, const std::string& pattern, const std::string& room_param,
                         Unplaced unplaced) {
  bound_.add(method, pattern, [this, room_param, unplaced](http::ExchangePtr ex) { route(ex, room_param, unplaced); });
}

bool RoomNodeProxy::filter(const http::ExchangePtr& ex) {
  http::Router::Match m = bound_.match(ex->method(), ex->path());
  if (!m.handler) return true;
  // The server's own router must pick the same route (not a more literal one).
  if (http_.router().match(ex->method(), ex->path()).pattern != m.pattern) return true;
  ex->set_params(std::move(m.params));
  (*m.handler)(ex);
  return false;
}

void RoomNodeProxy::route(const http::ExchangePtr& ex, const std::string& room_param, Unplaced unplaced) {
  const std::string room_id = ex->param(room_param);
  const char* from = ex->header(kForwardedBy);
  auto& locate = unplaced == Unplaced::Place ? place_ : owner_of_;
  locate(room_id, [this, alive = std::weak_ptr<bool>(alive_), ex, room_id,
                   from = std::string(from ? from : "")](signaling::JoinPlace::Kind kind, std::string node_url) {
    if (alive.expired()) return;
    using Kind = signaling::JoinPlace::Kind;
    try {
      if (kind == Kind::Here) return run_here(ex);
      if (kind == Kind::Unavailable)
        throw http::Error(503, "no_node", "no node of the cluster takes this call now; try again");
      // Sent here by a node that saw the room here: it moved meanwhile. The
      // client asks again; bouncing it on could loop.
      if (!from.empty())
        throw http::Error(421, "room_moved", "the room's call moved to another node meanwhile; try again");
      GST_DEBUG("%s %s: room %s lives at %s; forwarding", ex->method().c_str(), ex->path().c_str(), room_id.c_str(),
                node_url.c_str());
      forward(ex, node_url);
    } catch (...) {
      ex->fail(std::current_exception());
    }
  });
}

void RoomNodeProxy::run_here(const http::ExchangePtr& ex) {
  http::Router::Match m = http_.router().match(ex->method(), ex->path());
  if (!m.handler) throw http::not_found("no such endpoint: " + ex->method() + " " + ex->path());
  ex->set_params(std::move(m.params));
  (*m.handler)(ex);
}

void RoomNodeProxy::forward(const http::ExchangePtr& ex, const std::string& node_url) {
  // The path and query as the client sent them (still encoded).
  GUri* uri = soup_server_message_get_uri(ex->message());
  std::string url = node_url + g_uri_get_path(uri);
  if (const char* query = g_uri_get_query(uri)) url += std::string("?") + query;
  g_autoptr(SoupMessage) msg = soup_message_new(ex->method().c_str(), url.c_str());
  if (!msg) throw http::Error(502, "node_unreachable", "the room's node has no valid address: " + node_url);
  SoupMessageHeaders* out = soup_message_get_request_headers(msg);
  SoupMessageHeadersIter it;
  soup_message_headers_iter_init(&it, soup_server_message_get_request_headers(ex->message()));
  const char *name, *value;
  while (soup_message_headers_iter_next(&it, &name, &value))
    if (forwarded_request_header(name)) soup_message_headers_append(out, name, value);
  soup_message_headers_replace(out, kForwardedBy, node_id_.c_str());
  soup_message_headers_replace(out, "X-Request-Id", ex->request_id().c_str());
  // The client as this node saw it (a front proxy's word only when trusted
  // here): the room's node believes it when it lists the nodes in [server]
  // trusted_proxies, and otherwise sees this node as the client.
  soup_message_headers_replace(out, "X-Forwarded-For", ex->client_ip().c_str());
  soup_message_headers_replace(out, "X-Forwarded-Proto", ex->is_tls() ? "https" : "http");
  std::string_view body = ex->body();
  if (!body.empty() || ex->method() == "POST" || ex->method() == "PUT" || ex->method() == "PATCH") {
    g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, nullptr, bytes);  // Content-Type was copied above
  }
  // The answer is relayed as it is, a redirect included.
  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async(session_.get(), msg, G_PRIORITY_DEFAULT, cancellable_.get(), relay,
                                   new Pending{ex, node_url, alive_});
}

void RoomNodeProxy::relay(GObject* session, GAsyncResult* result, gpointer data) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(data));
  g_autoptr(GError) error = nullptr;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish(SOUP_SESSION(session), result, &error);
  if (p->alive.expired()) return;  // shutting down: the exchange answers 500 as it goes
  const http::ExchangePtr& ex = p->ex;
  if (!body) {
    GST_WARNING("%s %s: the room's node %s did not answer: %s", ex->method().c_str(), ex->path().c_str(),
                p->node_url.c_str(), error->message);
    ex->error(502, "node_unreachable", "the node carrying this room's call did not answer; try again");
    return;
  }
  SoupMessage* msg = soup_session_get_async_result_message(SOUP_SESSION(session), result);
  SoupMessageHeaders* in = soup_message_get_response_headers(msg);
  for (const char* name : kRelayedResponseHeaders) {
    const char* value = soup_message_headers_get_list(in, name);
    if (!value) continue;
    std::string v = value;
    // An absolute URL of the other node becomes a path here, which this node forwards again.
    if (g_ascii_strcasecmp(name, "Location") == 0 && g_str_has_prefix(value, p->node_url.c_str()) &&
        value[p->node_url.size()] == '/')
      v = value + p->node_url.size();
    ex->add_header(name, v);
  }
  // With its parameters (charset), as the other node sent it.
  const char* content_type = soup_message_headers_get_one(in, "Content-Type");
  ex->bytes(static_cast<int>(soup_message_get_status(msg)), content_type, body);
}

}  // namespace convene::cluster
