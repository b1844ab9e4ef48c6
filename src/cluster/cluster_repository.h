// The cluster's rows (sql/common/010_cluster.sql): nodes with heartbeats and
// loads, and which node carries each room's call.
//
// Threads: store worker threads (called inside Store::run).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/placement_policy.h"
#include "store/connection.h"

namespace convene::cluster::cluster_store {

struct NodeRow {
  std::string node_id;
  std::string advertise_url;
  int64_t started_at = 0;
  int64_t heartbeat_at = 0;
  bool draining = false;
  int64_t rooms = 0;
  int64_t participants = 0;
};

struct Placement {
  std::string room_id;
  std::string node_id;
  int64_t placed_at = 0;
};

struct Owner {
  std::string node_id;
  std::string advertise_url;
};

// Registers the node or renews its heartbeat and load.
void heartbeat(store::Connection& c, const NodeRow& node);
std::vector<NodeRow> nodes(store::Connection& c);
std::vector<Placement> placements(store::Connection& c);
// Every node with its exact count of placed rooms, for choose_node.
std::vector<NodeLoad> loads(store::Connection& c);

// The node that carries the room's call: its current placement when the
// owner is alive, else a new one on the least-loaded live node. Atomic across
// nodes (INSERT ... ON CONFLICT, taking a row over only from a dead owner): two
// nodes asking at once get the same answer. None when no live node takes
// rooms. Throws (foreign key) for an unknown room.
std::optional<Owner> claim(store::Connection& c, const std::string& room_id, int64_t now_ms, int64_t dead_after_ms);
// The node carrying the room's call when it is alive; none when the room is
// not placed or its node is dead. Reads only (REST for a room's node).
std::optional<Owner> live_owner(store::Connection& c, const std::string& room_id, int64_t now_ms, int64_t dead_after_ms);
// A call running on `node_id` stays placed there: when its placement was
// released (this node was taken for dead) or its owner is dead, it is placed
// on `node_id` again. Returns the owner after that: another live node when
// one has taken the room over, none for a room that no longer exists.
std::optional<Owner> keep(store::Connection& c, const std::string& room_id, const std::string& node_id, int64_t now_ms,
                          int64_t dead_after_ms);
// Gives the room up, if `node_id` still holds it.
bool release(store::Connection& c, const std::string& room_id, const std::string& node_id);
// Releases every placement of a dead node (heartbeat older than
// dead_after_ms, or no node row) and marks the recordings that were running
// in those rooms FAILED. Returns the rooms released.
std::vector<std::string> release_dead(store::Connection& c, int64_t now_ms, int64_t dead_after_ms);
// A node (re)starting: what it held before a crash is gone with its calls;
// releases those placements and closes their open attendance. Returns how many.
int64_t forget_previous_run(store::Connection& c, const std::string& node_id, int64_t now_ms);
// A node that leaves cleanly: its row and what it still held.
void remove_node(store::Connection& c, const std::string& node_id);

}  // namespace convene::cluster::cluster_store
