// Cluster mode ([cluster] enabled): this process is one node of several
// sharing one PostgreSQL database. It registers the node and its heartbeat
// (node_registry), decides where each room's call lives (placement, asked by
// signaling's join gate), carries events between nodes over LISTEN/NOTIFY
// (notify_bus: a room ended by REST elsewhere, reminders for users connected
// here), forwards REST that must run on a room's node there (room_node_proxy:
// recording, egress, WHIP, the room's media, breakouts), hands over calls
// another node took while this one was taken for dead (placement's fencing),
// drains the node before it stops (drain), and serves GET /cluster and
// POST /admin/drain for the configured admins. Built only in cluster mode:
// a single node never constructs it.
//
// Threads: main loop; SQL through Store::run.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "util/module.h"
#include "auth/authenticator.h"
#include "auth/tokens.h"
#include "cluster/cluster_settings.h"
#include "cluster/drain.h"
#include "cluster/node_registry.h"
#include "cluster/notify_bus.h"
#include "cluster/placement.h"
#include "cluster/room_node_proxy.h"
#include "http/server.h"
#include "meeting/reminder_scheduler.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "store/store.h"
#include "util/listener_token.h"

namespace convene::cluster {

class ClusterModule final : public util::Module, public meeting::UserNotifier {
 public:
  struct Collaborators {
    ClusterSettings settings;
    std::string database_url;
    store::Store& store;
    http::Server& http;
    const auth::Authenticator& authenticator;
    const auth::TokenService& tokens;
    rooms::RoomsModule& rooms;
    signaling::SignalingModule& signaling;
    // Begins the process's orderly shutdown (POST /admin/drain ends in it).
    std::function<void(const char* reason)> shutdown;
    // Stops what this node runs for a room besides its call (recordings,
    // egress): another node carries the call now.
    std::function<void(const std::string& room_id)> stop_room_outputs;
  };
  explicit ClusterModule(Collaborators c);
  ~ClusterModule() override;

  const ClusterSettings& settings() const { return c_.settings; }
  // Binds more room-bound REST to the room's node (see room_node_proxy.h).
  RoomNodeProxy& room_node_proxy() { return *proxy_; }
  // Registers the node, starts the heartbeat and the bus, and installs the
  // join gate. `listening_url` is the advertise_url when none is configured.
  void start(const std::string& listening_url);
  // Moves this node's calls away; `done` when they left (or the time is up).
  void drain(std::function<void()> done);

  // --- UserNotifier: delivered to this node's connections and published to the others.
  void notify_user(const std::string& user_id, json::Object&& message) override;
  // Leaves the cluster: the node's row and placements go.
  void shutdown(std::function<void()> done) override;

 private:
  void on_event(const std::string& type, JsonObject* event);
  void publish(json::Object&& event);
  void show(http::ExchangePtr ex);
  void drain_request(http::ExchangePtr ex);
  // Runs `then` when the caller is a configured admin; 403 otherwise.
  void require_admin(const http::ExchangePtr& ex, std::function<void()> then);
  NodeLoadFigures load() const;
  void hand_over(const std::string& room_id, const std::string& owner_url);

  Collaborators c_;
  std::unique_ptr<Placement> placement_;
  std::unique_ptr<NodeRegistry> registry_;
  std::unique_ptr<Drain> drain_;
  std::unique_ptr<NotifyBus> bus_;
  std::unique_ptr<RoomNodeProxy> proxy_;
  ListenerToken room_ended_;
  bool relaying_ = false;  // an event from another node is being applied here: not sent back
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::cluster
