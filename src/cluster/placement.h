// Which node carries a room's call, as this node sees it: answers the join
// gate (here, or the URL of the owner), and keeps this node's placements
// true on every heartbeat — a placement whose call emptied is released, and
// placements of dead nodes are released (their recordings marked FAILED) so
// the next join places the room on a live node.
//
// Fencing: a node wrongly taken for dead (its heartbeat stalled: a pause, an
// overloaded machine) finds at its next heartbeat that calls still running
// here lost their placement. One nobody took is placed here again; one another
// node took over is handed to `taken_over` (the module redirects its clients
// there and stops its recordings), so a call never runs on two nodes for long.
//
// Threads: main loop; SQL through Store::run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster_repository.h"
#include "cluster/cluster_settings.h"
#include "rooms/rooms_module.h"
#include "signaling/join_gate.h"
#include "store/store.h"

namespace convene::cluster {

class Placement {
 public:
  // A call running here that another live node now carries (at `owner_url`).
  using TakenOver = std::function<void(const std::string& room_id, const std::string& owner_url)>;
  Placement(store::Store& store, const ClusterSettings& settings, rooms::RoomsModule& rooms,
            std::function<bool()> draining, TakenOver taken_over);
  ~Placement();
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;

  // Where a join of `room_id` goes: here (claimed for this node, or already
  // live here), elsewhere (owner's advertise_url), or nowhere alive.
  void locate(const std::string& room_id, std::function<void(signaling::JoinPlace::Kind, std::string owner_url)> done);
  // Where REST for a room's call runs (RoomNodeProxy): elsewhere (the live
  // owner's advertise_url) when another live node carries it, else here —
  // also when the room is placed nowhere (nothing is claimed).
  void owner_of(const std::string& room_id, std::function<void(signaling::JoinPlace::Kind, std::string owner_url)> done);
  // Gives this node's placement of the room to the least-loaded other live
  // node (draining): `done(url)` with its advertise_url, "" when none took it.
  void move_away(const std::string& room_id, std::function<void(std::string url)> done);
  // Housekeeping on each heartbeat (see above).
  void on_heartbeat();
  // This node's placements as last read (room ids).
  const std::map<std::string, int64_t>& own() const { return own_; }

 private:
  // Fencing (above): `rooms` were placed here and still run here, but the last read shows them placed elsewhere or nowhere.
  void keep_or_hand_over(std::vector<std::string> rooms);

  store::Store& store_;
  const ClusterSettings& settings_;
  rooms::RoomsModule& rooms_;
  std::function<bool()> draining_;
  TakenOver taken_over_;
  std::map<std::string, int64_t> own_;         // room id → placed_at, as of the last heartbeat
  std::map<std::string, int64_t> idle_since_;  // own rooms not live here, since (monotonic ms)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::cluster
