#include "cluster/drain.h"

#include "cluster/cluster_log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

Drain::Drain(const ClusterSettings& settings, NodeRegistry& registry, Placement& placement, rooms::RoomsModule& rooms,
             RedirectRoom redirect_room)
    : settings_(settings), registry_(registry), placement_(placement), rooms_(rooms),
      redirect_room_(std::move(redirect_room)) {}

Drain::~Drain() {
  *alive_ = false;
  if (poll_) g_source_remove(poll_);
}

void Drain::run(std::function<void()> done) {
  if (started_) return;
  started_ = true;
  done_ = std::move(done);
  deadline_us_ = timeutil::monotonic_us() + settings_.drain_timeout_sec * 1'000'000;
  GST_INFO("draining node %s: no new rooms; moving %zu calls", settings_.node_id.c_str(), placement_.own().size());
  // Marked draining in the store first, so the moves below pick other nodes.
  registry_.set_draining([this, alive = alive_] {
    if (!*alive) return;
    for (auto& own : placement_.own()) {
      const std::string& room_id = own.first;
      rooms_moving_.insert(room_id);
      placement_.move_away(room_id, [this, alive, room_id](std::string url) {
        if (!*alive) return;
        if (url.empty()) {
          GST_WARNING("room %s: no other live node takes it; its call ends with this node", room_id.c_str());
          return;
        }
        redirect_room_(room_id, websocket_url_of(url));
      });
    }
    wait_for_calls();
  });
}

void Drain::wait_for_calls() {
  poll_ = g_timeout_add(200, [](gpointer p) -> gboolean {
    auto* self = static_cast<Drain*>(p);
    bool busy = false;
    for (auto& room_id : self->rooms_moving_)
      if (self->rooms_.live(room_id)) busy = true;
    if (busy && timeutil::monotonic_us() < self->deadline_us_) return G_SOURCE_CONTINUE;
    if (busy) GST_WARNING("drain: calls still here after %" G_GINT64_FORMAT " s", self->settings_.drain_timeout_sec);
    self->poll_ = 0;
    self->finish();
    return G_SOURCE_REMOVE;
  }, this);
}

void Drain::finish() {
  GST_INFO("drained");
  if (auto done = std::move(done_)) done();
}

}  // namespace convene::cluster
