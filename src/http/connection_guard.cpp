#include "http/connection_guard.h"

#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_http_debug

namespace convene::http {
namespace {

// A cut-off connection libsoup has not released after this long is closed by us.
constexpr int64_t kClosingGraceMs = 5'000;
constexpr guint kSweepIntervalMs = 500;

// The response libsoup would have written, as bytes we write ourselves after
// taking the connection (status line, headers, body; the connection closes).
std::string serialize_response(SoupServerMessage* msg) {
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_response_body(msg));
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(body, &size));
  soup_message_headers_replace(headers, "Connection", "close");
  soup_message_headers_set_content_length(headers, static_cast<goffset>(size));
  const char* reason = soup_server_message_get_reason_phrase(msg);
  std::string out = "HTTP/1.1 " + std::to_string(soup_server_message_get_status(msg)) + " " +
                    (reason ? reason : "") + "\r\n";
  SoupMessageHeadersIter it;
  const char* name;
  const char* value;
  soup_message_headers_iter_init(&it, headers);
  while (soup_message_headers_iter_next(&it, &name, &value)) out += std::string(name) + ": " + value + "\r\n";
  out += "\r\n";
  if (data) out.append(data, size);
  return out;
}

// Writes `response` to a connection taken from libsoup, then closes it.
struct Farewell {
  GIOStream* stream;
  std::string response;
};

void close_farewell(Farewell* f) {
  g_io_stream_close_async(f->stream, G_PRIORITY_DEFAULT, nullptr,
                          [](GObject* source, GAsyncResult* result, gpointer data) {
                            g_io_stream_close_finish(G_IO_STREAM(source), result, nullptr);
                            auto* f = static_cast<Farewell*>(data);
                            g_object_unref(f->stream);
                            delete f;
                          },
                          f);
}

void say_farewell(GIOStream* stream, std::string response) {
  auto* f = new Farewell{stream, std::move(response)};
  if (f->response.empty()) {
    close_farewell(f);
    return;
  }
  g_output_stream_write_all_async(g_io_stream_get_output_stream(stream), f->response.data(), f->response.size(),
                                  G_PRIORITY_DEFAULT, nullptr,
                                  [](GObject* source, GAsyncResult* result, gpointer data) {
                                    g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, nullptr,
                                                                     nullptr);
                                    close_farewell(static_cast<Farewell*>(data));
                                  },
                                  f);
}

}  // namespace

ConnectionGuard::ConnectionGuard(SoupServer* server, ConnectionLimits limits,
                                 std::function<void(SoupServerMessage*)> refuse_too_large)
    : server_(server), limits_(limits), refuse_too_large_(std::move(refuse_too_large)) {
  started_id_ = g_signal_connect(server_, "request-started", G_CALLBACK(on_request_started), this);
  read_id_ = g_signal_connect(server_, "request-read", G_CALLBACK(on_request_read), this);
  finished_id_ = g_signal_connect(server_, "request-finished", G_CALLBACK(on_request_done), this);
  aborted_id_ = g_signal_connect(server_, "request-aborted", G_CALLBACK(on_request_done), this);
}

ConnectionGuard::~ConnectionGuard() {
  for (gulong id : {started_id_, read_id_, finished_id_, aborted_id_}) g_signal_handler_disconnect(server_, id);
  for (auto& [socket, c] : conns_) unfollow(*c);
  conns_.clear();
  if (sweep_timer_) g_source_remove(sweep_timer_);
}

ConnectionGuard::Conn* ConnectionGuard::find(SoupServerMessage* msg) {
  GSocket* socket = soup_server_message_get_socket(msg);
  auto it = socket ? conns_.find(socket) : conns_.end();
  if (it == conns_.end() || it->second->msg.get() != msg) return nullptr;
  return it->second.get();
}

void ConnectionGuard::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!socket) return;  // not one of our listeners' connections
  auto& slot = guard->conns_[socket];
  if (!slot) slot = std::make_unique<Conn>(Conn{guard, retain(socket)});
  guard->follow(*slot, msg);
  guard->set_state(*slot, State::Headers, guard->limits_.header_timeout_ms);
  guard->ensure_sweeping();
}

void ConnectionGuard::on_request_read(SoupServer*, SoupServerMessage* msg, gpointer self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  if (Conn* c = guard->find(msg)) guard->set_state(*c, State::Handling, 0);
}

void ConnectionGuard::on_request_done(SoupServer*, SoupServerMessage* msg, gpointer self) {
  auto* guard = static_cast<ConnectionGuard*>(self);
  // When libsoup closes the connection instead, "disconnected" follows at once.
  if (Conn* c = guard->find(msg)) guard->become_idle(*c);
}

void ConnectionGuard::on_got_headers(SoupServerMessage* msg, gpointer data) {
  auto* c = static_cast<Conn*>(data);
  ConnectionGuard* guard = c->guard;
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length(headers) > guard->limits_.max_body_bytes) {
    GST_INFO("%s %s: Content-Length %" G_GOFFSET_FORMAT " over the limit; refused unread",
             soup_server_message_get_method(msg), g_uri_get_path(soup_server_message_get_uri(msg)),
             soup_message_headers_get_content_length(headers));
    guard->refuse_body(*c);
    return;
  }
  guard->set_state(*c, State::Body, guard->limits_.body_timeout_ms);
}

void ConnectionGuard::on_got_chunk(SoupServerMessage* msg, GBytes* chunk, gpointer data) {
  auto* c = static_cast<Conn*>(data);
  ConnectionGuard* guard = c->guard;
  if (c->state != State::Body) return;
  c->body_bytes += static_cast<int64_t>(g_bytes_get_size(chunk));
  if (c->body_bytes > guard->limits_.max_body_bytes) {
    GST_INFO("%s %s: body passed %" G_GINT64_FORMAT " bytes; refused", soup_server_message_get_method(msg),
             g_uri_get_path(soup_server_message_get_uri(msg)), guard->limits_.max_body_bytes);
    guard->refuse_body(*c);
    return;
  }
  c->deadline_us = timeutil::monotonic_us() + guard->limits_.body_timeout_ms * 1000;
}

void ConnectionGuard::on_disconnected(SoupServerMessage*, gpointer data) {
  auto* c = static_cast<Conn*>(data);
  c->guard->drop(c->socket.get());
}

gboolean ConnectionGuard::on_idle_readable(GSocket* socket, GIOCondition, gpointer data) {
  auto* c = static_cast<Conn*>(data);
  ConnectionGuard* guard = c->guard;
  if (g_socket_is_closed(socket)) {
    guard->drop(socket);
    return G_SOURCE_REMOVE;
  }
  char byte;
  ssize_t n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    // The next request (or TLS data): libsoup reads it once we step aside.
    c->watch.reset();
    guard->set_state(*c, State::Pending, guard->limits_.header_timeout_ms);
    return G_SOURCE_REMOVE;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return G_SOURCE_CONTINUE;
  // The client closed (or reset) an idle connection. libsoup 3.2 would read
  // the EOF and then forget the connection without closing it; we run first
  // (higher priority), while it still holds an idle message, and take it.
  GST_DEBUG("idle connection closed by the client; releasing it");
  guard->steal_and_close(*c, {});
  return G_SOURCE_REMOVE;
}

void ConnectionGuard::follow(Conn& c, SoupServerMessage* msg) {
  unfollow(c);
  c.msg = retain(msg);
  c.disconnected_id = g_signal_connect(msg, "disconnected", G_CALLBACK(on_disconnected), &c);
  c.got_headers_id = g_signal_connect(msg, "got-headers", G_CALLBACK(on_got_headers), &c);
  c.got_chunk_id = g_signal_connect(msg, "got-chunk", G_CALLBACK(on_got_chunk), &c);
  c.body_bytes = 0;
  c.watch.reset();
  c.refusal.reset();
}

void ConnectionGuard::unfollow(Conn& c) {
  if (c.msg) {
    for (gulong* id : {&c.disconnected_id, &c.got_headers_id, &c.got_chunk_id})
      if (*id) g_signal_handler_disconnect(c.msg.get(), *id);
  }
  c.disconnected_id = c.got_headers_id = c.got_chunk_id = 0;
  c.watch.reset();
  c.refusal.reset();
}

void ConnectionGuard::set_state(Conn& c, State state, int64_t timeout_ms) {
  c.state = state;
  c.deadline_us = timeout_ms > 0 ? timeutil::monotonic_us() + timeout_ms * 1000 : 0;
}

void ConnectionGuard::become_idle(Conn& c) {
  set_state(c, State::Idle, limits_.keepalive_timeout_ms);
  // The request is over: an idle connection keeps no body alive.
  soup_message_body_truncate(soup_server_message_get_request_body(c.msg.get()));
  soup_message_body_truncate(soup_server_message_get_response_body(c.msg.get()));
  c.watch.reset(g_socket_create_source(c.socket.get(), GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr));
  // Above libsoup's reader (G_PRIORITY_DEFAULT): see the FIN before it does.
  g_source_set_priority(c.watch.get(), G_PRIORITY_HIGH);
  g_source_set_callback(c.watch.get(), G_SOURCE_FUNC(on_idle_readable), &c, nullptr);
  g_source_attach(c.watch.get(), g_main_context_get_thread_default());
}

void ConnectionGuard::drop(GSocket* socket) {
  auto it = conns_.find(socket);
  if (it == conns_.end()) return;
  std::unique_ptr<Conn> c = std::move(it->second);
  conns_.erase(it);
  unfollow(*c);
}

void ConnectionGuard::refuse_body(Conn& c) {
  SoupServerMessage* msg = c.msg.get();
  refuse_too_large_(msg);
  // Stop libsoup's reading now; the 413 goes out from outside its I/O loop.
  soup_server_message_pause(msg);
  set_state(c, State::Closing, kClosingGraceMs);
  c.refusal.reset(g_idle_source_new());
  g_source_set_priority(c.refusal.get(), G_PRIORITY_HIGH);
  g_source_set_callback(c.refusal.get(),
                        [](gpointer data) -> gboolean {
                          auto* c = static_cast<Conn*>(data);
                          std::string response = serialize_response(c->msg.get());
                          c->guard->steal_and_close(*c, std::move(response));
                          return G_SOURCE_REMOVE;
                        },
                        &c, nullptr);
  g_source_attach(c.refusal.get(), g_main_context_get_thread_default());
}

void ConnectionGuard::steal_and_close(Conn& c, std::string response) {
  GObjectPtr<SoupServerMessage> msg = retain(c.msg.get());
  GObjectPtr<GSocket> socket = retain(c.socket.get());
  drop(socket.get());  // c is gone from here on
  GIOStream* stream = soup_server_message_steal_connection(msg.get());
  if (!stream) {
    g_socket_shutdown(socket.get(), TRUE, TRUE, nullptr);
    g_socket_close(socket.get(), nullptr);
    return;
  }
  say_farewell(stream, std::move(response));
}

void ConnectionGuard::cut_off(Conn& c) {
  switch (c.state) {
    case State::Headers:
    case State::Body:
      // libsoup is reading this request: it sees the end of the stream, fails
      // the request and closes the connection itself ("disconnected" drops it).
      GST_INFO("closing a connection whose request did not arrive in time");
      g_socket_shutdown(c.socket.get(), TRUE, TRUE, nullptr);
      set_state(c, State::Closing, kClosingGraceMs);
      break;
    case State::Idle:
      GST_DEBUG("closing an idle keep-alive connection");
      steal_and_close(c, {});
      break;
    case State::Pending:
    case State::Closing: {
      // libsoup may have let go of it already (it cannot be stolen then): close the socket.
      GObjectPtr<GSocket> socket = retain(c.socket.get());
      drop(socket.get());
      g_socket_shutdown(socket.get(), TRUE, TRUE, nullptr);
      g_socket_close(socket.get(), nullptr);
      break;
    }
    case State::Handling:
      break;
  }
}

void ConnectionGuard::sweep() {
  int64_t now = timeutil::monotonic_us();
  std::vector<GSocket*> due;
  for (auto& [socket, c] : conns_)
    if (c->deadline_us && c->deadline_us <= now) due.push_back(socket);
  for (GSocket* socket : due) {
    auto it = conns_.find(socket);
    if (it != conns_.end()) cut_off(*it->second);
  }
}

void ConnectionGuard::ensure_sweeping() {
  if (sweep_timer_) return;
  sweep_timer_ = g_timeout_add(kSweepIntervalMs,
                               [](gpointer self) -> gboolean {
                                 auto* guard = static_cast<ConnectionGuard*>(self);
                                 guard->sweep();
                                 if (!guard->conns_.empty()) return G_SOURCE_CONTINUE;
                                 guard->sweep_timer_ = 0;
                                 return G_SOURCE_REMOVE;
                               },
                               this);
}

}  // namespace convene::http
