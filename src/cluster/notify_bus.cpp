#include "cluster/notify_bus.h"

#include <glib-unix.h>

#include "cluster/cluster_log.h"
#include "util/json.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

NotifyBus::NotifyBus(std::string database_url, std::string node_id, Handler handler)
    : node_id_(std::move(node_id)), handler_(std::move(handler)) {
  conninfo_ = database_url + (database_url.find('?') == std::string::npos ? "?" : "&") +
              "application_name=convene-cluster-bus";
}

NotifyBus::~NotifyBus() {
  if (retry_) g_source_remove(retry_);
  disconnect();
}

void NotifyBus::start() {
  if (state_ != State::Idle || retry_) return;
  conn_ = PQconnectStart(conninfo_.c_str());
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) return fail("cannot start connecting");
  state_ = State::Connecting;
  deadline_ = g_timeout_add_seconds(kConnectTimeoutSec, [](gpointer p) -> gboolean {
    auto* self = static_cast<NotifyBus*>(p);
    self->deadline_ = 0;
    self->fail("the database did not answer in time");
    return G_SOURCE_REMOVE;
  }, this);
  // As libpq asks: the first poll comes once the socket is writable.
  watch(G_IO_OUT);
}

void NotifyBus::watch(GIOCondition condition) {
  if (watch_) g_source_remove(watch_);
  int fd = PQsocket(conn_);
  if (fd < 0) {
    watch_ = 0;
    return fail("the connection has no socket");
  }
  watch_ = g_unix_fd_add(fd, static_cast<GIOCondition>(condition | G_IO_HUP | G_IO_ERR), on_socket, this);
}

gboolean NotifyBus::on_socket(gint, GIOCondition, gpointer p) {
  auto* self = static_cast<NotifyBus*>(p);
  // Each step watches again what it waits for next.
  self->watch_ = 0;
  self->advance();
  return G_SOURCE_REMOVE;
}

void NotifyBus::advance() {
  switch (state_) {
    case State::Connecting: return poll_connect();
    case State::Subscribing: return read_results();
    case State::Listening: return read_notifications();
    case State::Idle: return;
  }
}

void NotifyBus::poll_connect() {
  switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING: return watch(G_IO_IN);
    case PGRES_POLLING_WRITING: return watch(G_IO_OUT);
    case PGRES_POLLING_OK: return subscribe();
    default: return fail("cannot connect");
  }
}

void NotifyBus::subscribe() {
  if (PQsetnonblocking(conn_, 1) != 0 || !PQsendQuery(conn_, (std::string("LISTEN ") + kChannel).c_str()))
    return fail("cannot send LISTEN");
  state_ = State::Subscribing;
  // A few bytes: sent at once unless the socket buffer is full.
  if (PQflush(conn_) == 1) return watch(static_cast<GIOCondition>(G_IO_IN | G_IO_OUT));
  watch(G_IO_IN);
}

void NotifyBus::read_results() {
  if (PQflush(conn_) == -1 || !PQconsumeInput(conn_)) return fail("LISTEN failed");
  while (!PQisBusy(conn_)) {
    PGresult* r = PQgetResult(conn_);
    if (!r) {
      // LISTEN answered: listening from now on.
      if (deadline_) g_source_remove(deadline_);
      deadline_ = 0;
      state_ = State::Listening;
      GST_INFO("cluster bus: listening on %s", kChannel);
      drain_notifications();
      return watch(G_IO_IN);
    }
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return fail("LISTEN failed");
  }
  watch(G_IO_IN);
}

void NotifyBus::read_notifications() {
  if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) {
    // Events sent while we were away are lost: each event is also a fact in
    // the store (a room ended, a reminder sent), so nothing depends on them alone.
    return fail("connection lost");
  }
  drain_notifications();
  watch(G_IO_IN);
}

void NotifyBus::fail(const char* what) {
  GST_WARNING("cluster bus: %s (%s); retrying in %d s", what, conn_ ? PQerrorMessage(conn_) : "no connection",
              kRetrySec);
  disconnect();
  if (retry_) return;
  retry_ = g_timeout_add_seconds(kRetrySec, [](gpointer p) -> gboolean {
    auto* self = static_cast<NotifyBus*>(p);
    self->retry_ = 0;
    self->start();
    return G_SOURCE_REMOVE;
  }, this);
}

void NotifyBus::disconnect() {
  if (watch_) g_source_remove(watch_);
  watch_ = 0;
  if (deadline_) g_source_remove(deadline_);
  deadline_ = 0;
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  state_ = State::Idle;
}

void NotifyBus::drain_notifications() {
  while (PGnotify* n = PQnotifies(conn_)) {
    std::string payload = n->extra ? n->extra : "";
    PQfreemem(n);
    std::string error;
    JsonNodePtr node = json::parse(payload, &error);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node.get())) {
      GST_WARNING("cluster bus: dropped a malformed event: %s", error.c_str());
      continue;
    }
    JsonObject* event = json_node_get_object(node.get());
    auto origin = json::optional_string(event, "origin");
    auto type = json::optional_string(event, "type");
    if (!type || (origin && *origin == node_id_)) continue;
    GST_DEBUG("cluster bus: %s from %s", type->c_str(), origin ? origin->c_str() : "?");
    handler_(*type, event);
  }
}

void NotifyBus::publish(store::Connection& c, const std::string& event) {
  c.exec("SELECT pg_notify($1, $2)", {kChannel, event});
}

}  // namespace convene::cluster
