// Keeps every HTTP connection the server accepts within its limits, closing
// what libsoup 3.2 would otherwise keep forever:
// - a body larger than max_body_bytes (by Content-Length or chunked) is not
//   read: the connection is taken from libsoup, answered 413 and closed;
// - a request whose headers take longer than header_timeout, or whose body
//   stops for body_timeout (slowloris), is cut off;
// - a keep-alive connection the client closes is released at once (libsoup
//   3.2 leaks its descriptor: fixed upstream in 3.3, Debian 12 has 3.2.3),
//   and one left idle for keepalive_timeout is closed.
//
// How: libsoup announces every connection with "request-started" (at accept
// for the first request, at the first byte for the next ones); its GSocket
// identifies the connection. An idle connection is watched at a priority
// above libsoup's own reader, so the client's FIN is seen while libsoup still
// owns an idle message and the connection can be stolen and closed cleanly.
// Over TLS the client's close_notify arrives as data first, which looks like a
// next request: such a connection is closed when header_timeout passes.
//
// Threads: main loop only.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "util/gobject_ptr.h"

namespace convene::http {

struct ConnectionLimits {
  int64_t max_body_bytes = 4 * 1024 * 1024;
  int64_t header_timeout_ms = 30'000;     // request start to the end of its headers
  int64_t body_timeout_ms = 60'000;       // longest pause while a body arrives
  int64_t keepalive_timeout_ms = 60'000;  // an idle keep-alive connection
};

class ConnectionGuard {
 public:
  // `refuse_too_large` fills the message's response (status, headers, body)
  // with the 413 the client gets before the connection closes.
  ConnectionGuard(SoupServer* server, ConnectionLimits limits,
                  std::function<void(SoupServerMessage*)> refuse_too_large);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  size_t connections() const { return conns_.size(); }

 private:
  enum class State {
    Headers,  // reading a request's headers
    Body,     // reading its body
    Handling, // read; a handler is answering (no deadline: the Exchange answers)
    Idle,     // keep-alive, between requests: watched for the client's FIN
    Pending,  // bytes arrived on an idle connection, libsoup has not started a request yet
    Closing,  // cut off; libsoup should release it soon
  };
  struct Conn {
    ConnectionGuard* guard;
    GObjectPtr<GSocket> socket;
    GObjectPtr<SoupServerMessage> msg;  // the latest request on it
    gulong disconnected_id = 0;
    gulong got_headers_id = 0;
    gulong got_chunk_id = 0;
    State state = State::Headers;
    int64_t deadline_us = 0;  // 0: none
    int64_t body_bytes = 0;
    GSourcePtr watch;    // Idle only
    GSourcePtr refusal;  // a 413 about to be sent
  };

  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self);
  static void on_request_read(SoupServer*, SoupServerMessage* msg, gpointer self);
  static void on_request_done(SoupServer*, SoupServerMessage* msg, gpointer self);
  static void on_got_headers(SoupServerMessage* msg, gpointer conn);
  static void on_got_chunk(SoupServerMessage* msg, GBytes* chunk, gpointer conn);
  static void on_disconnected(SoupServerMessage* msg, gpointer conn);
  static gboolean on_idle_readable(GSocket* socket, GIOCondition condition, gpointer conn);

  Conn* find(SoupServerMessage* msg);
  void follow(Conn& c, SoupServerMessage* msg);
  void unfollow(Conn& c);
  void set_state(Conn& c, State state, int64_t timeout_ms);
  void become_idle(Conn& c);
  void drop(GSocket* socket);
  void refuse_body(Conn& c);
  // Takes the connection from libsoup (its I/O must be idle or paused), writes
  // `response` (may be empty) and closes it.
  void steal_and_close(Conn& c, std::string response);
  void cut_off(Conn& c);
  void sweep();
  void ensure_sweeping();

  SoupServer* server_;
  ConnectionLimits limits_;
  std::function<void(SoupServerMessage*)> refuse_too_large_;
  std::unordered_map<GSocket*, std::unique_ptr<Conn>> conns_;
  gulong started_id_ = 0, read_id_ = 0, finished_id_ = 0, aborted_id_ = 0;
  guint sweep_timer_ = 0;
};

}  // namespace convene::http
