// Events between the nodes of a cluster over PostgreSQL's LISTEN/NOTIFY: one
// connection of its own (not the store's pool, whose connections are busy
// with queries) LISTENs on a channel, and its socket is watched on the main
// loop (g_unix_fd_add), so notifications arrive as main-loop callbacks.
// Publishing is a plain `SELECT pg_notify(...)` on any store connection.
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

  // Connects and LISTENs; when the database does not answer, retries every 2 s.
  void start();
  bool listening() const { return watch_ != 0; }

  // The channel every node listens on.
  static constexpr const char* kChannel = "convene_cluster";
  // Sends `event` (a JSON object text, under PostgreSQL's 8000-byte limit).
  static void publish(store::Connection& c, const std::string& event);

 private:
  bool connect();
  void disconnect();
  void schedule_retry();
  void drain_notifications();
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer self);

  std::string conninfo_;
  std::string node_id_;
  Handler handler_;
  PGconn* conn_ = nullptr;
  guint watch_ = 0;
  guint retry_ = 0;
};

}  // namespace convene::cluster
