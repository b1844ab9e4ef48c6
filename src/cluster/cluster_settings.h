// The [cluster] section, read and checked once at start: whether this process
// is one node of several on a shared PostgreSQL, and how it names itself.
//
// Threads: main loop (start-up).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace convene::cluster {

struct ClusterSettings {
  bool enabled = false;
  std::string node_id;
  std::string advertise_url;  // http(s)://host:port[/prefix], no trailing slash
  int64_t heartbeat_sec = 2;
  int64_t dead_after_sec = 10;
  int64_t drain_timeout_sec = 30;
  std::vector<std::string> admins;  // user ids or e-mail addresses
};

// Reads [cluster]. When enabled, throws config::Error naming the problem for
// a database other than PostgreSQL (SQLite lives on one machine) or a
// token-signing secret not shared through [auth] secret. An empty node_id is
// read from, or generated once into, <data_dir>/node-id; an empty
// advertise_url falls back to `public_url` (still empty when that is: the
// module then uses the address it listens on).
ClusterSettings read_cluster_settings(const config::Config& config, const std::string& database_url,
                                      const std::string& data_dir, const std::string& public_url);

// The checks read_cluster_settings makes, without touching the data dir
// (convene check-config). Throws config::Error naming the problem.
void check_cluster_config(const config::Config& config, const std::string& database_url);

// advertise_url's WebSocket endpoint: http→ws, https→wss, plus "/ws".
std::string websocket_url_of(const std::string& advertise_url);

}  // namespace convene::cluster
