#include "cluster/notify_bus.h"

#include <glib-unix.h>

#include "cluster/cluster_log.h"
#include "util/json.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

NotifyBus::NotifyBus(std::string database_url, std::string node_id, Handler handler)
    : node_id_(std::move(node_id)), handler_(std::move(handler)) {
  // Short: a reconnect runs on the main loop.
  conninfo_ = database_url + (database_url.find('?') == std::string::npos ? "?" : "&") +
              "connect_timeout=2&application_name=convene-cluster-bus";
}

NotifyBus::~NotifyBus() {
  if (retry_) g_source_remove(retry_);
  disconnect();
}

void NotifyBus::start() {
  if (!connect()) schedule_retry();
}

bool NotifyBus::connect() {
  conn_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    GST_WARNING("cluster bus: cannot connect: %s", PQerrorMessage(conn_));
    disconnect();
    return false;
  }
  PGresult* r = PQexec(conn_, (std::string("LISTEN ") + kChannel).c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok || PQsetnonblocking(conn_, 1) != 0) {
    GST_WARNING("cluster bus: LISTEN failed: %s", PQerrorMessage(conn_));
    disconnect();
    return false;
  }
  watch_ = g_unix_fd_add(PQsocket(conn_), static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR), on_readable, this);
  GST_INFO("cluster bus: listening on %s", kChannel);
  return true;
}

void NotifyBus::disconnect() {
  if (watch_) g_source_remove(watch_);
  watch_ = 0;
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

void NotifyBus::schedule_retry() {
  if (retry_) return;
  retry_ = g_timeout_add_seconds(2, [](gpointer p) -> gboolean {
    auto* self = static_cast<NotifyBus*>(p);
    self->retry_ = 0;
    self->start();
    return G_SOURCE_REMOVE;
  }, this);
}

gboolean NotifyBus::on_readable(gint, GIOCondition, gpointer p) {
  auto* self = static_cast<NotifyBus*>(p);
  if (!PQconsumeInput(self->conn_) || PQstatus(self->conn_) != CONNECTION_OK) {
    // Events sent while we were away are lost: each event is also a fact in
    // the store (a room ended, a reminder sent), so nothing depends on them alone.
    GST_WARNING("cluster bus: connection lost (%s); reconnecting", PQerrorMessage(self->conn_));
    self->watch_ = 0;  // removed by returning G_SOURCE_REMOVE
    PQfinish(self->conn_);
    self->conn_ = nullptr;
    self->schedule_retry();
    return G_SOURCE_REMOVE;
  }
  self->drain_notifications();
  return G_SOURCE_CONTINUE;
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
