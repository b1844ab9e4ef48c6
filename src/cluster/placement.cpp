#include "cluster/placement.h"

#include "cluster/cluster_log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

Placement::Placement(store::Store& store, const ClusterSettings& settings, rooms::RoomsModule& rooms,
                     std::function<bool()> draining)
    : store_(store), settings_(settings), rooms_(rooms), draining_(std::move(draining)) {}

Placement::~Placement() { *alive_ = false; }

void Placement::locate(const std::string& room_id,
                       std::function<void(signaling::JoinPlace::Kind, std::string owner_url)> done) {
  using Kind = signaling::JoinPlace::Kind;
  // A call live here is ours, unless this node is draining it away.
  if (rooms_.live(room_id) && !draining_()) return done(Kind::Here, "");
  int64_t dead_after_ms = settings_.dead_after_sec * 1000;
  store_.run<std::optional<cluster_store::Owner>>(
      [room_id, dead_after_ms](store::Connection& c) {
        return cluster_store::claim(c, room_id, timeutil::now_ms(), dead_after_ms);
      },
      [this, alive = alive_, room_id, done = std::move(done)](store::Outcome<std::optional<cluster_store::Owner>> out) {
        if (!*alive) return;
        if (!out.ok()) {
          // An unknown room (foreign key) or a store problem: the join's own
          // check here answers it with the right error.
          GST_DEBUG("no placement for room %s: %s", room_id.c_str(), out.error().what());
          return done(Kind::Here, "");
        }
        auto& owner = out.value();
        if (!owner) return done(Kind::Unavailable, "");
        if (owner->node_id == settings_.node_id) {
          own_.emplace(room_id, timeutil::now_ms());
          return done(Kind::Here, "");
        }
        GST_INFO("room %s lives on %s", room_id.c_str(), owner->node_id.c_str());
        done(Kind::Elsewhere, owner->advertise_url);
      });
}

void Placement::move_away(const std::string& room_id, std::function<void(std::string url)> done) {
  int64_t dead_after_ms = settings_.dead_after_sec * 1000;
  store_.run<std::optional<cluster_store::Owner>>(
      [room_id, me = settings_.node_id, dead_after_ms](store::Connection& c) {
        cluster_store::release(c, room_id, me);
        // This node is marked draining, so the claim picks another one.
        return cluster_store::claim(c, room_id, timeutil::now_ms(), dead_after_ms);
      },
      [this, alive = alive_, room_id, done = std::move(done)](store::Outcome<std::optional<cluster_store::Owner>> out) {
        if (!*alive) return;
        if (!out.ok() || !out.value() || out.value()->node_id == settings_.node_id) return done("");
        own_.erase(room_id);
        GST_INFO("room %s moves to %s", room_id.c_str(), out.value()->node_id.c_str());
        done(out.value()->advertise_url);
      });
}

void Placement::on_heartbeat() {
  int64_t dead_after_ms = settings_.dead_after_sec * 1000;
  struct Seen {
    std::vector<cluster_store::Placement> placements;
    std::vector<std::string> released_dead;
  };
  store_.run<Seen>(
      [dead_after_ms](store::Connection& c) {
        Seen s;
        s.released_dead = cluster_store::release_dead(c, timeutil::now_ms(), dead_after_ms);
        s.placements = cluster_store::placements(c);
        return s;
      },
      [this, alive = alive_](store::Outcome<Seen> out) {
        if (!*alive || !out.ok()) return;
        for (auto& room : out.value().released_dead)
          GST_INFO("room %s released: its node stopped answering", room.c_str());
        own_.clear();
        for (auto& p : out.value().placements)
          if (p.node_id == settings_.node_id) own_.emplace(p.room_id, p.placed_at);
        // A placement here whose call is empty for two beats is given up: the
        // grace lets a client sent here by another node arrive first.
        int64_t now = timeutil::monotonic_us() / 1000;
        int64_t grace_ms = 2 * settings_.heartbeat_sec * 1000;
        for (auto it = idle_since_.begin(); it != idle_since_.end();)
          it = own_.count(it->first) ? std::next(it) : idle_since_.erase(it);
        for (auto& own : own_) {
          const std::string& room_id = own.first;
          if (rooms_.live(room_id)) {
            idle_since_.erase(room_id);
            continue;
          }
          auto [it, fresh] = idle_since_.emplace(room_id, now);
          if (fresh || now - it->second < grace_ms) continue;
          idle_since_.erase(it);
          store_.run<bool>([room_id, me = settings_.node_id](store::Connection& c) {
                             return cluster_store::release(c, room_id, me);
                           },
                           [room_id](store::Outcome<bool> out) {
                             if (out.ok() && out.value()) GST_INFO("room %s released: its call is empty", room_id.c_str());
                           });
        }
      });
}

}  // namespace convene::cluster
