#include "cluster/cluster_settings.h"

#include <glib.h>

#include <cstring>

#include "util/random.h"

namespace convene::cluster {
namespace {

std::string node_id_from_data_dir(const std::string& data_dir) {
  g_autofree char* path = g_build_filename(data_dir.c_str(), "node-id", nullptr);
  g_autofree char* contents = nullptr;
  if (g_file_get_contents(path, &contents, nullptr, nullptr) && *g_strstrip(contents)) return contents;
  // Kept, so a restarted node is the same node (its recordings, its placements).
  std::string id = "node-" + random::hex_token(6);
  g_autoptr(GError) err = nullptr;
  if (!g_file_set_contents(path, id.c_str(), -1, &err))
    throw config::Error(std::string("[cluster] node_id: cannot write ") + path + ": " + err->message);
  return id;
}

}  // namespace

ClusterSettings read_cluster_settings(const config::Config& config, const std::string& database_url,
                                      const std::string& data_dir, const std::string& public_url) {
  ClusterSettings s;
  s.enabled = config.get_bool("cluster", "enabled");
  if (!s.enabled) return s;
  check_cluster_config(config, database_url);
  s.heartbeat_sec = config.get_int("cluster", "heartbeat_sec");
  s.dead_after_sec = config.get_int("cluster", "dead_after_sec");
  s.drain_timeout_sec = config.get_int("cluster", "drain_timeout_sec");
  s.node_id = config.get_string("cluster", "node_id");
  if (s.node_id.empty()) s.node_id = node_id_from_data_dir(data_dir);
  s.advertise_url = config.get_string("cluster", "advertise_url");
  if (s.advertise_url.empty()) s.advertise_url = public_url;
  while (!s.advertise_url.empty() && s.advertise_url.back() == '/') s.advertise_url.pop_back();
  if (!s.advertise_url.empty() && !g_str_has_prefix(s.advertise_url.c_str(), "http://") &&
      !g_str_has_prefix(s.advertise_url.c_str(), "https://"))
    throw config::Error("[cluster] advertise_url must be an http:// or https:// URL, not '" + s.advertise_url + "'");
  s.admins = config.get_list("cluster", "admins");
  return s;
}

void check_cluster_config(const config::Config& config, const std::string& database_url) {
  if (!g_str_has_prefix(database_url.c_str(), "postgres"))
    throw config::Error(
        "[cluster] enabled needs PostgreSQL: the nodes share rooms, placements and events through one "
        "postgresql:// [database] url, and SQLite lives on one machine (set [database] url or turn "
        "[cluster] enabled off)");
  if (config.get_string("auth", "secret").empty())
    throw config::Error(
        "[cluster] enabled needs the same [auth] secret on every node (a token signed by one node is "
        "checked by another); it is empty, so each node would make its own");
  int64_t heartbeat_sec = config.get_int("cluster", "heartbeat_sec");
  int64_t dead_after_sec = config.get_int("cluster", "dead_after_sec");
  if (heartbeat_sec < 1) throw config::Error("[cluster] heartbeat_sec must be at least 1");
  if (dead_after_sec <= heartbeat_sec)
    throw config::Error("[cluster] dead_after_sec must be longer than heartbeat_sec");
  if (config.get_int("cluster", "drain_timeout_sec") < 0)
    throw config::Error("[cluster] drain_timeout_sec must not be negative");
  std::string url = config.get_string("cluster", "advertise_url");
  if (!url.empty() && !g_str_has_prefix(url.c_str(), "http://") && !g_str_has_prefix(url.c_str(), "https://"))
    throw config::Error("[cluster] advertise_url must be an http:// or https:// URL, not '" + url + "'");
}

std::string websocket_url_of(const std::string& advertise_url) {
  if (g_str_has_prefix(advertise_url.c_str(), "https://")) return "wss://" + advertise_url.substr(8) + "/ws";
  if (g_str_has_prefix(advertise_url.c_str(), "http://")) return "ws://" + advertise_url.substr(7) + "/ws";
  return advertise_url + "/ws";
}

}  // namespace convene::cluster
