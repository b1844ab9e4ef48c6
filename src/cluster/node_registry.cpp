#include "cluster/node_registry.h"

#include "cluster/cluster_log.h"
#include "cluster/cluster_repository.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_cluster_debug

namespace convene::cluster {

NodeRegistry::NodeRegistry(store::Store& store, const ClusterSettings& settings, std::function<NodeLoadFigures()> load,
                           std::function<void()> on_beat)
    : store_(store), settings_(settings), load_(std::move(load)), on_beat_(std::move(on_beat)) {}

NodeRegistry::~NodeRegistry() {
  *alive_ = false;
  if (timer_) g_source_remove(timer_);
}

void NodeRegistry::start() {
  started_at_ms_ = timeutil::now_ms();
  store_.run<int64_t>([id = settings_.node_id](store::Connection& c) {
                        return cluster_store::forget_previous_run(c, id, timeutil::now_ms());
                      },
                      [](store::Outcome<int64_t> out) {
                        if (out.ok() && out.value() > 0)
                          GST_INFO("released %" G_GINT64_FORMAT " rooms this node held before it stopped", out.value());
                      });
  beat();
  timer_ = g_timeout_add_seconds(static_cast<guint>(settings_.heartbeat_sec), [](gpointer p) -> gboolean {
    static_cast<NodeRegistry*>(p)->beat();
    return G_SOURCE_CONTINUE;
  }, this);
}

void NodeRegistry::beat(std::function<void()> done) {
  NodeLoadFigures load = load_();
  cluster_store::NodeRow row{settings_.node_id, settings_.advertise_url, started_at_ms_, timeutil::now_ms(),
                             draining_,          load.rooms,             load.participants};
  store_.run_void([row](store::Connection& c) { cluster_store::heartbeat(c, row); },
                  [this, alive = alive_, done = std::move(done)](store::Outcome<store::Unit> out) {
                    if (!out.ok()) GST_WARNING("heartbeat not stored: %s", out.error().what());
                    if (!*alive) return;
                    if (on_beat_) on_beat_();
                    if (done) done();
                  });
}

void NodeRegistry::set_draining(std::function<void()> done) {
  draining_ = true;
  beat(std::move(done));
}

void NodeRegistry::leave(std::function<void()> done) {
  if (timer_) g_source_remove(timer_);
  timer_ = 0;
  store_.run_void([id = settings_.node_id](store::Connection& c) { cluster_store::remove_node(c, id); },
                  [done = std::move(done)](store::Outcome<store::Unit> out) {
                    if (!out.ok()) GST_WARNING("node row not removed: %s", out.error().what());
                    done();
                  });
}

}  // namespace convene::cluster
