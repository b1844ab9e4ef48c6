#include "cluster/cluster_module.h"

#include <algorithm>
#include <map>

#include "auth/user_repository.h"
#include "cluster/cluster_log.h"
#include "cluster/cluster_repository.h"
#include "http/error.h"
#include "util/json.h"
#include "util/time.h"

GST_DEBUG_CATEGORY(convene_cluster_debug);
#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

void init_cluster_log() {
  if (!convene_cluster_debug)
    GST_DEBUG_CATEGORY_INIT(convene_cluster_debug, "convene-cluster", 0, "Convene cluster");
}

ClusterModule::ClusterModule(Collaborators c) : c_(std::move(c)) {
  init_cluster_log();
  placement_ = std::make_unique<Placement>(
      c_.store, c_.settings, c_.rooms, [this] { return registry_ && registry_->draining(); },
      [this](const std::string& room_id, const std::string& owner_url) { hand_over(room_id, owner_url); });
  registry_ = std::make_unique<NodeRegistry>(c_.store, c_.settings, [this] { return load(); },
                                             [this] { placement_->on_heartbeat(); });
  drain_ = std::make_unique<Drain>(c_.settings, *registry_, *placement_, c_.rooms,
                                   [this](const std::string& room_id, const std::string& url) {
                                     c_.signaling.redirect_room(room_id, url);
                                   });
  bus_ = std::make_unique<NotifyBus>(c_.database_url, c_.settings.node_id,
                                     [this](const std::string& type, JsonObject* e) { on_event(type, e); });
  proxy_ = std::make_unique<RoomNodeProxy>(
      c_.http, c_.settings.node_id,
      [this](const std::string& room_id, RoomNodeProxy::Where done) { placement_->owner_of(room_id, std::move(done)); },
      [this](const std::string& room_id, RoomNodeProxy::Where done) { placement_->locate(room_id, std::move(done)); });
  // What runs in the memory of the room's node (its call, composites,
  // outputs, publishers) is asked there. A WHIP publisher starts a call, so
  // it is placed like a join.
  using Unplaced = RoomNodeProxy::Unplaced;
  proxy_->bind("POST", "/rooms/:id/recordings", "id");
  proxy_->bind("POST", "/rooms/:id/recordings/:rid/stop", "id");
  proxy_->bind("POST", "/rooms/:id/egress", "id");
  proxy_->bind("GET", "/rooms/:id/egress", "id");
  proxy_->bind("GET", "/rooms/:id/egress/:eid", "id");
  proxy_->bind("DELETE", "/rooms/:id/egress/:eid", "id");
  proxy_->bind("GET", "/live/:roomId/:file", "roomId");
  proxy_->bind("GET", "/rooms/:id/media", "id");
  proxy_->bind("POST", "/rooms/:id/breakouts", "id");
  proxy_->bind("GET", "/rooms/:id/breakouts", "id");
  proxy_->bind("DELETE", "/rooms/:id/breakouts", "id");
  proxy_->bind("POST", "/whip/:roomId", "roomId", Unplaced::Place);
  proxy_->bind("DELETE", "/whip/:roomId/:sessionId", "roomId");
  proxy_->bind("PATCH", "/whip/:roomId/:sessionId", "roomId");
  // WHEP plays a call that is running: where it runs (no placement of its own).
  proxy_->bind("POST", "/whep/:roomId", "roomId");
  proxy_->bind("DELETE", "/whep/:roomId/:sessionId", "roomId");
  proxy_->bind("PATCH", "/whep/:roomId/:sessionId", "roomId");
  c_.http.route("GET", "/cluster", [this](http::ExchangePtr ex) { show(ex); });
  c_.http.route("POST", "/admin/drain", [this](http::ExchangePtr ex) { drain_request(ex); });
}

ClusterModule::~ClusterModule() {
  *alive_ = false;
  c_.signaling.set_join_gate({});
}

void ClusterModule::start(const std::string& listening_url) {
  if (c_.settings.advertise_url.empty()) c_.settings.advertise_url = listening_url;
  GST_INFO("cluster node %s at %s", c_.settings.node_id.c_str(), c_.settings.advertise_url.c_str());
  registry_->start();
  bus_->start();
  c_.signaling.set_join_gate([this](const std::string& room_id, const std::string& user_id,
                                    const std::string& username, std::function<void(signaling::JoinPlace)> done) {
    placement_->locate(room_id, [this, user_id, username, done = std::move(done)](signaling::JoinPlace::Kind kind,
                                                                                 std::string owner_url) {
      signaling::JoinPlace place{kind, {}, {}};
      if (kind == signaling::JoinPlace::Kind::Elsewhere) {
        place.url = websocket_url_of(owner_url);
        // Every node checks tokens with the shared [auth] secret.
        place.ws_token = c_.tokens.issue("ws", user_id, username, 60);
      }
      done(std::move(place));
    });
  });
  // A room ended here (REST, the idle janitor) ends its call wherever it lives.
  room_ended_ = c_.rooms.add_room_ended_listener([this](const std::string& room_id) {
    if (relaying_) return;
    publish(std::move(json::Object().set("type", "room-ended").set("roomId", room_id)));
  });
}

void ClusterModule::drain(std::function<void()> done) { drain_->run(std::move(done)); }

void ClusterModule::notify_user(const std::string& user_id, json::Object&& message) {
  std::string text = std::move(message).to_string();
  c_.signaling.notify_user(user_id, json::Object(json_node_get_object(json::parse(text, nullptr).get())));
  publish(std::move(json::Object()
                        .set("type", "notify-user")
                        .set("userId", user_id)
                        .set("message", json::parse(text, nullptr))));
}

void ClusterModule::on_event(const std::string& type, JsonObject* event) {
  relaying_ = true;
  if (type == "room-ended") {
    if (auto room_id = json::optional_string(event, "roomId")) {
      GST_INFO("room %s ended on another node", room_id->c_str());
      c_.rooms.announce_room_ended(*room_id);
    }
  } else if (type == "notify-user") {
    auto user_id = json::optional_string(event, "userId");
    JsonNode* message = json_object_get_member(event, "message");
    if (user_id && message && JSON_NODE_HOLDS_OBJECT(message))
      c_.signaling.notify_user(*user_id, json::Object(json_node_get_object(message)));
  }
  relaying_ = false;
}

void ClusterModule::publish(json::Object&& event) {
  event.set("origin", c_.settings.node_id);
  std::string text = std::move(event).to_string();
  c_.store.run_void([text](store::Connection& c) { NotifyBus::publish(c, text); },
                    [](store::Outcome<store::Unit> out) {
                      if (!out.ok()) GST_WARNING("cluster event not sent: %s", out.error().what());
                    });
}

void ClusterModule::hand_over(const std::string& room_id, const std::string& owner_url) {
  // As a drain does: the clients move to the node that carries the call now;
  // what this copy of the call fed (recordings, egress) stops here.
  c_.signaling.redirect_room(room_id, websocket_url_of(owner_url));
  if (c_.stop_room_outputs) c_.stop_room_outputs(room_id);
}

NodeLoadFigures ClusterModule::load() const {
  NodeLoadFigures f;
  for (auto& [room_id, placed_at] : placement_->own()) {
    if (rooms::LiveRoom* room = c_.rooms.live(room_id)) {
      ++f.rooms;
      f.participants += static_cast<int64_t>(room->peer_count());
    }
  }
  return f;
}

void ClusterModule::require_admin(const http::ExchangePtr& ex, std::function<void()> then) {
  auth::AuthUser who = c_.authenticator.require(*ex);
  auto& admins = c_.settings.admins;
  if (std::find(admins.begin(), admins.end(), who.id) != admins.end()) return then();
  c_.store.run<std::optional<auth::User>>(
      [id = who.id](store::Connection& c) { return auth::users::find_by_id(c, id); },
      ex->guard([this, then = std::move(then)](store::Outcome<std::optional<auth::User>> out) {
        if (!out.ok()) throw out.error();
        for (auto& a : c_.settings.admins)
          if (out.value() && g_ascii_strcasecmp(a.c_str(), out.value()->email.c_str()) == 0) return then();
        throw http::forbidden("only the cluster's admins ([cluster] admins) may do this");
      }));
}

void ClusterModule::show(http::ExchangePtr ex) {
  require_admin(ex, [this, ex] {
    struct View {
      std::vector<cluster_store::NodeRow> nodes;
      std::vector<cluster_store::Placement> placements;
    };
    c_.store.run<View>(
        [](store::Connection& c) {
          return c.transaction([&] { return View{cluster_store::nodes(c), cluster_store::placements(c)}; });
        },
        ex->guard([this, ex](store::Outcome<View> out) {
          if (!out.ok()) throw out.error();
          int64_t now = timeutil::now_ms();
          std::map<std::string, json::Array> rooms_of;
          for (auto& p : out.value().placements) rooms_of[p.node_id].add(p.room_id);
          json::Array nodes;
          for (auto& n : out.value().nodes) {
            json::Object o;
            o.set("nodeId", n.node_id)
                .set("advertiseUrl", n.advertise_url)
                .set_time("startedAt", n.started_at)
                .set_time("heartbeatAt", n.heartbeat_at)
                .set("alive", now - n.heartbeat_at < c_.settings.dead_after_sec * 1000)
                .set("draining", n.draining)
                .set("liveRooms", n.rooms)
                .set("participants", n.participants)
                .set("rooms", std::move(rooms_of[n.node_id]));
            nodes.add(std::move(o));
          }
          json::Object body;
          body.set("self", c_.settings.node_id).set("nodes", std::move(nodes));
          ex->add_header("Cache-Control", "no-store");
          ex->json(200, std::move(body));
        }));
  });
}

void ClusterModule::drain_request(http::ExchangePtr ex) {
  require_admin(ex, [this, ex] {
    GST_INFO("drain requested over HTTP");
    ex->json(202, std::move(json::Object().set("nodeId", c_.settings.node_id).set("draining", true)));
    // The same path as SIGTERM: drain first (App::shutdown asks us), then
    // stop. A moment later, so this answer leaves before listening stops.
    g_timeout_add_once(200, [](gpointer p) {
      auto* self = static_cast<ClusterModule*>(p);
      self->c_.shutdown("POST /admin/drain");
    }, this);
  });
}

void ClusterModule::shutdown(std::function<void()> done) {
  registry_->leave(std::move(done));
}

}  // namespace convene::cluster
