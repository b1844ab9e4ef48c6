// This node's row in the cluster: registered at start, renewed every
// heartbeat_sec with its load and draining flag, removed on a clean exit.
// Each beat also runs `on_beat` (placement housekeeping rides on it).
//
// Threads: main loop; SQL through Store::run.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>

#include "cluster/cluster_settings.h"
#include "store/store.h"

namespace convene::cluster {

struct NodeLoadFigures {
  int64_t rooms = 0;
  int64_t participants = 0;
};

class NodeRegistry {
 public:
  NodeRegistry(store::Store& store, const ClusterSettings& settings, std::function<NodeLoadFigures()> load,
               std::function<void()> on_beat);
  ~NodeRegistry();
  NodeRegistry(const NodeRegistry&) = delete;
  NodeRegistry& operator=(const NodeRegistry&) = delete;

  // First heartbeat now, then every heartbeat_sec.
  void start();
  // No new rooms come here; announced with an immediate heartbeat, `done` after it is stored.
  void set_draining(std::function<void()> done);
  bool draining() const { return draining_; }
  // Stops beating and deletes the node's row (and any placement left); `done` after.
  void leave(std::function<void()> done);

 private:
  void beat(std::function<void()> done = {});

  store::Store& store_;
  const ClusterSettings& settings_;
  std::function<NodeLoadFigures()> load_;
  std::function<void()> on_beat_;
  int64_t started_at_ms_ = 0;
  bool draining_ = false;
  guint timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::cluster
