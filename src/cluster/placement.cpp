#include "cluster/placement.h"

#include "cluster/cluster_log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

Placement::Placement(store::Store& store, const ClusterSettings& settings, rooms::RoomsModule& rooms,
                     std::function<bool()> draining, TakenOver taken_over)
    : store_(store), settings_(settings), rooms_(rooms), draining_(std::move(draining)),
      taken_over_(std::move(taken_over)) {}

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

void Placement::owner_of(const std::string& room_id,
                         std::function<void(signaling::JoinPlace::Kind, std::string owner_url)> done) {
  using Kind = signaling::JoinPlace::Kind;
  if (rooms_.live(room_id)) return done(Kind::Here, "");
  int64_t dead_after_ms = settings_.dead_after_sec * 1000;
  store_.run<std::optional<cluster_store::Owner>>(
      [room_id, dead_after_ms](store::Connection& c) {
        return cluster_store::live_owner(c, room_id, timeutil::now_ms(), dead_after_ms);
      },
      [this, alive = alive_, done = std::move(done)](store::Outcome<std::optional<cluster_store::Owner>> out) {
        if (!*alive) return;
        // A store problem: the handler here meets it too and answers it.
        if (!out.ok() || !out.value() || out.value()->node_id == settings_.node_id) return done(Kind::Here, "");
        done(Kind::Elsewhere, out.value()->advertise_url);
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
        std::map<std::string, int64_t> before = std::move(own_);
        own_.clear();
        for (auto& p : out.value().placements)
          if (p.node_id == settings_.node_id) own_.emplace(p.room_id, p.placed_at);
        // Fencing: ours at the last beat, still running here, no longer ours.
        // A draining node hands its calls over itself.
        std::vector<std::string> lost;
        for (auto& [room_id, placed_at] : before)
          if (!own_.count(room_id) && rooms_.live(room_id)) lost.push_back(room_id);
        if (!lost.empty() && !draining_()) keep_or_hand_over(std::move(lost));
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

void Placement::keep_or_hand_over(std::vector<std::string> rooms) {
  int64_t dead_after_ms = settings_.dead_after_sec * 1000;
  using Owners = std::vector<std::pair<std::string, std::optional<cluster_store::Owner>>>;
  store_.run<Owners>(
      [rooms, me = settings_.node_id, dead_after_ms](store::Connection& c) {
        Owners out;
        for (auto& room_id : rooms)
          out.emplace_back(room_id, cluster_store::keep(c, room_id, me, timeutil::now_ms(), dead_after_ms));
        return out;
      },
      [this, alive = alive_](store::Outcome<Owners> out) {
        if (!*alive) return;
        if (!out.ok()) {
          GST_WARNING("cannot check the calls running here: %s", out.error().what());
          return;
        }
        for (auto& [room_id, owner] : out.value()) {
          if (!owner) continue;  // the room is gone
          if (owner->node_id == settings_.node_id) {
            GST_WARNING("room %s: its placement was released while its call ran here (this node was taken for "
                        "dead); placed here again", room_id.c_str());
            own_.emplace(room_id, timeutil::now_ms());
            continue;
          }
          GST_WARNING("room %s: %s took it over while this node was taken for dead; handing the call over",
                      room_id.c_str(), owner->node_id.c_str());
          if (rooms_.live(room_id)) taken_over_(room_id, owner->advertise_url);
        }
      });
}

}  // namespace convene::cluster
