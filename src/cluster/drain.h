// Draining a node (SIGTERM, or POST /admin/drain): it takes no new rooms,
// gives each of its calls to another live node and tells the call's clients
// to `redirect` there, then waits (up to drain_timeout_sec) until its calls
// have emptied. A rolling restart so ends no meeting.
//
// Threads: main loop.
#pragma once

#include <glib.h>

#include <functional>
#include <set>
#include <string>

#include "cluster/cluster_settings.h"
#include "cluster/node_registry.h"
#include "cluster/placement.h"
#include "rooms/rooms_module.h"

namespace convene::cluster {

class Drain {
 public:
  using RedirectRoom = std::function<void(const std::string& room_id, const std::string& websocket_url)>;
  Drain(const ClusterSettings& settings, NodeRegistry& registry, Placement& placement, rooms::RoomsModule& rooms,
        RedirectRoom redirect_room);
  ~Drain();
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  // Starts draining; `done` once the calls left or the time is up. Once only.
  void run(std::function<void()> done);
  bool started() const { return started_; }

 private:
  void wait_for_calls();
  void finish();

  const ClusterSettings& settings_;
  NodeRegistry& registry_;
  Placement& placement_;
  rooms::RoomsModule& rooms_;
  RedirectRoom redirect_room_;
  std::function<void()> done_;
  std::set<std::string> rooms_moving_;
  int64_t deadline_us_ = 0;
  guint poll_ = 0;
  bool started_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::cluster
