#include "cluster/cluster_repository.h"

namespace convene::cluster::cluster_store {

void heartbeat(store::Connection& c, const NodeRow& n) {
  c.exec("INSERT INTO cluster_nodes (node_id, advertise_url, started_at, heartbeat_at, draining, rooms, participants)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7)"
         " ON CONFLICT (node_id) DO UPDATE SET advertise_url = EXCLUDED.advertise_url,"
         " started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, draining = EXCLUDED.draining,"
         " rooms = EXCLUDED.rooms, participants = EXCLUDED.participants",
         {n.node_id, n.advertise_url, n.started_at, n.heartbeat_at, n.draining, n.rooms, n.participants});
}

std::vector<NodeRow> nodes(store::Connection& c) {
  auto r = c.exec(
      "SELECT node_id, advertise_url, started_at, heartbeat_at, draining, rooms, participants FROM cluster_nodes"
      " ORDER BY node_id");
  std::vector<NodeRow> out;
  for (size_t i = 0; i < r.size(); ++i) {
    auto row = r.row(i);
    out.push_back({row.text("node_id"), row.text("advertise_url"), row.integer("started_at"),
                   row.integer("heartbeat_at"), row.boolean("draining"), row.integer("rooms"),
                   row.integer("participants")});
  }
  return out;
}

std::vector<Placement> placements(store::Connection& c) {
  auto r = c.exec("SELECT room_id, node_id, placed_at FROM cluster_placements ORDER BY placed_at, room_id");
  std::vector<Placement> out;
  for (size_t i = 0; i < r.size(); ++i) {
    auto row = r.row(i);
    out.push_back({row.text("room_id"), row.text("node_id"), row.integer("placed_at")});
  }
  return out;
}

std::vector<NodeLoad> loads(store::Connection& c) {
  auto r = c.exec(
      "SELECT n.node_id, n.heartbeat_at, n.draining, n.participants,"
      " (SELECT COUNT(*) FROM cluster_placements p WHERE p.node_id = n.node_id) AS placed"
      " FROM cluster_nodes n");
  std::vector<NodeLoad> out;
  for (size_t i = 0; i < r.size(); ++i) {
    auto row = r.row(i);
    out.push_back({row.text("node_id"), row.integer("heartbeat_at"), row.boolean("draining"), row.integer("placed"),
                   row.integer("participants")});
  }
  return out;
}

namespace {

// release_dead's work, inside the caller's transaction.
std::vector<std::string> release_dead_in(store::Connection& c, int64_t now_ms, int64_t dead_after_ms) {
  int64_t alive_since = now_ms - dead_after_ms;
  const char* dead = "SELECT room_id FROM cluster_placements WHERE node_id NOT IN"
                     " (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > $1)";
  auto r = c.exec(dead, {alive_since});
  std::vector<std::string> rooms;
  for (size_t i = 0; i < r.size(); ++i) rooms.push_back(r.row(i).text("room_id"));
  if (rooms.empty()) return rooms;
  // Their files were on the dead node's disk: nobody here can finish them.
  c.exec(std::string("UPDATE recordings SET status = 'FAILED', ended_at = $2,"
                     " error = 'the cluster node carrying the room stopped'"
                     " WHERE status IN ('RECORDING', 'PROCESSING') AND room_id IN (") + dead + ")",
         {alive_since, now_ms});
  // Their calls ended with the node: attendance closes now (a single node
  // does this at start for itself; a cluster node must not, see RoomsModule).
  c.exec(std::string("UPDATE room_participants SET left_at = $2 WHERE left_at IS NULL AND room_id IN (") + dead + ")",
         {alive_since, now_ms});
  c.exec(std::string("DELETE FROM cluster_placements WHERE room_id IN (") + dead + ")", {alive_since});
  return rooms;
}

}  // namespace

std::optional<Owner> live_owner(store::Connection& c, const std::string& room_id, int64_t now_ms, int64_t dead_after_ms) {
  auto r = c.exec(
      "SELECT p.node_id, n.advertise_url FROM cluster_placements p JOIN cluster_nodes n ON n.node_id = p.node_id"
      " WHERE p.room_id = $1 AND n.heartbeat_at > $2",
      {room_id, now_ms - dead_after_ms});
  if (r.empty()) return std::nullopt;
  return Owner{r.row(0).text("node_id"), r.row(0).text("advertise_url")};
}

std::optional<Owner> claim(store::Connection& c, const std::string& room_id, int64_t now_ms, int64_t dead_after_ms) {
  return c.transaction([&]() -> std::optional<Owner> {
    int64_t alive_since = now_ms - dead_after_ms;
    auto owner = [&] { return live_owner(c, room_id, now_ms, dead_after_ms); };
    if (auto o = owner()) return o;
    // A dead owner's rooms are released first (as the heartbeat's sweep
    // would), so taking this one over also fails its recordings.
    release_dead_in(c, now_ms, dead_after_ms);
    auto target = choose_node(loads(c), now_ms, dead_after_ms);
    if (!target) return std::nullopt;
    // The row decides: whoever inserts first owns the room; a row left by a
    // dead node is taken over; a live owner's row is kept.
    c.exec("INSERT INTO cluster_placements (room_id, node_id, placed_at) VALUES ($1, $2, $3)"
           " ON CONFLICT (room_id) DO UPDATE SET node_id = EXCLUDED.node_id, placed_at = EXCLUDED.placed_at"
           " WHERE cluster_placements.node_id NOT IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > $4)",
           {room_id, *target, now_ms, alive_since});
    return owner();
  });
}

std::optional<Owner> keep(store::Connection& c, const std::string& room_id, const std::string& node_id, int64_t now_ms,
                          int64_t dead_after_ms) {
  return c.transaction([&]() -> std::optional<Owner> {
    // As claim's INSERT, for this node; a room deleted meanwhile inserts nothing.
    c.exec("INSERT INTO cluster_placements (room_id, node_id, placed_at) SELECT $1, $2, $3"
           " WHERE EXISTS (SELECT 1 FROM rooms WHERE id = $1)"
           " ON CONFLICT (room_id) DO UPDATE SET node_id = EXCLUDED.node_id, placed_at = EXCLUDED.placed_at"
           " WHERE cluster_placements.node_id NOT IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at > $4)",
           {room_id, node_id, now_ms, now_ms - dead_after_ms});
    return live_owner(c, room_id, now_ms, dead_after_ms);
  });
}

bool release(store::Connection& c, const std::string& room_id, const std::string& node_id) {
  return c.exec("DELETE FROM cluster_placements WHERE room_id = $1 AND node_id = $2", {room_id, node_id}).affected > 0;
}

std::vector<std::string> release_dead(store::Connection& c, int64_t now_ms, int64_t dead_after_ms) {
  return c.transaction([&] { return release_dead_in(c, now_ms, dead_after_ms); });
}

int64_t forget_previous_run(store::Connection& c, const std::string& node_id, int64_t now_ms) {
  return c.transaction([&] {
    const char* held = "SELECT room_id FROM cluster_placements WHERE node_id = $1";
    c.exec(std::string("UPDATE room_participants SET left_at = $2 WHERE left_at IS NULL AND room_id IN (") + held + ")",
           {node_id, now_ms});
    return c.exec("DELETE FROM cluster_placements WHERE node_id = $1", {node_id}).affected;
  });
}

void remove_node(store::Connection& c, const std::string& node_id) {
  c.transaction([&] {
    c.exec("DELETE FROM cluster_placements WHERE node_id = $1", {node_id});
    c.exec("DELETE FROM cluster_nodes WHERE node_id = $1", {node_id});
  });
}

}  // namespace convene::cluster::cluster_store
