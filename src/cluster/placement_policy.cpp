#include "cluster/placement_policy.h"

#include <tuple>

namespace convene::cluster {

bool is_alive(const NodeLoad& node, int64_t now_ms, int64_t dead_after_ms) {
  return now_ms - node.heartbeat_at_ms < dead_after_ms;
}

std::optional<std::string> choose_node(const std::vector<NodeLoad>& nodes, int64_t now_ms, int64_t dead_after_ms) {
  const NodeLoad* best = nullptr;
  for (const NodeLoad& n : nodes) {
    if (n.draining || !is_alive(n, now_ms, dead_after_ms)) continue;
    if (!best || std::tie(n.placed_rooms, n.participants, n.node_id) <
                     std::tie(best->placed_rooms, best->participants, best->node_id))
      best = &n;
  }
  if (!best) return std::nullopt;
  return best->node_id;
}

}  // namespace convene::cluster
