// Events between the nodes of a cluster over PostgreSQL's LISTEN/NOTIFY: one
// connection of its own (not the store's pool, whose connections are busy
// with queries) LISTENs on a channel, and its socket is watched on the main
// loop (g_unix_fd_add), so notifications arrive as main-loop callbacks.
// Publishing is a plain `SELECT pg_notify(...)` on any store connection.
//
// The main loop never waits for the database: connecting (PQconnectStart /
// PQconnectPoll) and the LISTEN (PQsendQuery) advance as the socket becomes
// ready, an attempt that has not finished after kConnectTimeoutSec is given
// up, and a lost connection is retried every kRetrySec. (libpq resolves a
// host name in PQconnectStart; an address or a Unix socket never blocks.)
//
// An event is a JSON object {"type", "origin": node id, ...}; the handler sees
// the ones other nodes sent (its own come back too and are dropped).
//
// Threads: main loop only; publish() runs on a store worker.
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>

#include <functional>
#include <string>

#include "store/connection.h"

namespace convene::cluster {

class NotifyBus {
 public:
  using Handler = std::function<void(const std::string& type, JsonObject* event)>;
  NotifyBus(std::string database_url, std::string node_id, Handler handler);
  ~NotifyBus();
  NotifyBus(const NotifyBus&) = delete;
  NotifyBus& operator=(const NotifyBus&) = delete;

  // Starts connecting and returns; LISTENs once connected. When the database
  // does not answer, retries every kRetrySec.
  void start();
  bool listening() const { return state_ == State::Listening; }

  static constexpr int kConnectTimeoutSec = 5;
  static constexpr int kRetrySec = 2;

  // The channel every node listens on.
  static constexpr const char* kChannel = "convene_cluster";
  // Sends `event` (a JSON object text, under PostgreSQL's 8000-byte limit).
  static void publish(store::Connection& c, const std::string& event);

 private:
  enum class State { Idle, Connecting, Subscribing, Listening };
  // One step of the state above, run when the socket is ready.
  void advance();
  void poll_connect();
  void subscribe();
  void read_results();
  void read_notifications();
  // Watches the connection's socket (it may change while connecting) for `condition`.
  void watch(GIOCondition condition);
  // Drops the connection and tries again in kRetrySec.
  void fail(const char* what);
  void disconnect();
  void drain_notifications();
  static gboolean on_socket(gint fd, GIOCondition condition, gpointer self);

  std::string conninfo_;
  std::string node_id_;
  Handler handler_;
  PGconn* conn_ = nullptr;
  State state_ = State::Idle;
  guint watch_ = 0;
  guint retry_ = 0;
  guint deadline_ = 0;  // the attempt under way is given up at this timer
};

}  // namespace convene::cluster
