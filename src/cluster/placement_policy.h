// Where a new room's call goes: plain C++ in, a node id out (no store, no
// GLib), so the rule is tested as a table (tests/unit/placement_policy_test).
//
// Threads: any (pure function).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace convene::cluster {

struct NodeLoad {
  std::string node_id;
  int64_t heartbeat_at_ms = 0;
  bool draining = false;
  int64_t placed_rooms = 0;  // placements in the store right now (exact, unlike the heartbeat's figures)
  int64_t participants = 0;  // from the node's last heartbeat
};

// A node is alive while its heartbeat is younger than dead_after_ms.
bool is_alive(const NodeLoad& node, int64_t now_ms, int64_t dead_after_ms);

// The least-loaded live node that is not draining: fewest placed rooms, then
// fewest participants, then the smallest id (so racing nodes agree). None
// when no node qualifies.
std::optional<std::string> choose_node(const std::vector<NodeLoad>& nodes, int64_t now_ms, int64_t dead_after_ms);

}  // namespace convene::cluster
