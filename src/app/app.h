// The Convene process and its composition root: owns the configuration, the
// store, the HTTP server and every feature module, builds each module with
// what it needs (constructor arguments: no module looks another up), wires
// their listeners, and runs them on one GLib main loop. Feature modules
// include app/module.h, never this header.
//
// Threads: everything here runs on the main loop; the store's workers post
// their results back to it.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/module.h"
#include "config/config.h"
#include "http/protections.h"
#include "http/server.h"
#include "metrics/server_metrics.h"
#include "store/store.h"
#include "util/listener_token.h"

namespace convene::auth {
class AuthModule;
}
namespace convene::rooms {
class RoomsModule;
}
namespace convene::meeting {
class MeetingModule;
}
namespace convene::media {
class MediaModule;
}
namespace convene::signaling {
class SignalingModule;
}
namespace convene::recording {
class RecordingModule;
}
namespace convene::cluster {
class ClusterModule;
}

namespace convene::app {

class App {
 public:
  explicit App(config::Config config);
  ~App();

  // Opens the store, migrates, builds the modules and listens. Throws on failure.
  void start();
  // Runs the main loop until shutdown finished; returns the exit code.
  int run();
  // Begins an orderly shutdown (idempotent).
  void shutdown(const char* reason);

  config::Config& config() { return config_; }
  store::Store& store() { return *store_; }
  http::Server& http() { return *http_; }
  // What modules count at the event; GET /metrics exposes it (metrics/metrics_module.h).
  metrics::ServerMetrics& metrics() { return *metrics_; }
  const std::string& data_dir() const { return data_dir_; }
  // The token-signing secret (from config, or created once in the data dir).
  const std::string& secret() const { return secret_; }
  // Whether migrations have been applied (false while the database is unreachable at start).
  bool store_ready() const { return store_ready_; }
  int64_t started_at_us() const { return started_us_; }
  // Where users reach this server, for links.
  std::string public_url() const;
  // The same for links answered to `request`: behind a trusted reverse proxy
  // (and no public_url configured), the scheme and host the browser used.
  std::string public_url(const http::Exchange& request) const;

  // The modules, once start() built them (for tests and tools in process).
  auth::AuthModule* auth() const { return auth_; }
  rooms::RoomsModule* rooms() const { return rooms_; }
  meeting::MeetingModule* meeting() const { return meeting_; }
  media::MediaModule* media() const { return media_; }
  signaling::SignalingModule* signaling() const { return signaling_; }
  recording::RecordingModule* recording() const { return recording_; }
  // Cluster mode only ([cluster] enabled), else null.
  cluster::ClusterModule* cluster() const { return cluster_; }
  // This node's id in a cluster ("" on a single node).
  const std::string& node_id() const { return node_id_; }

 private:
  void load_secret();
  void migrate_or_retry();
  void finish_shutdown();
  void stop_modules();

  config::Config config_;
  std::unique_ptr<metrics::ServerMetrics> metrics_ = std::make_unique<metrics::ServerMetrics>();
  std::string data_dir_;
  std::string secret_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::Server> http_;
  std::unique_ptr<http::Protections> protections_;
  // Built in order, each from what the ones before it offer; dropped newest
  // first, so a module never outlives one it uses. Typed pointers into them:
  std::vector<std::unique_ptr<util::Module>> modules_;
  auth::AuthModule* auth_ = nullptr;
  rooms::RoomsModule* rooms_ = nullptr;
  meeting::MeetingModule* meeting_ = nullptr;
  media::MediaModule* media_ = nullptr;  // held by an adapter in modules_: media knows nothing of the app
  signaling::SignalingModule* signaling_ = nullptr;
  recording::RecordingModule* recording_ = nullptr;
  cluster::ClusterModule* cluster_ = nullptr;
  std::string node_id_;
  std::vector<ListenerToken> wiring_;  // listeners the root registered between modules
  std::vector<uint64_t> metrics_collectors_;  // registered by start(), removed first
  GMainLoop* loop_ = nullptr;
  bool store_ready_ = false;
  bool shutting_down_ = false;
  int exit_code_ = 0;
  int64_t started_us_ = 0;
  guint migrate_retry_source_ = 0;
};

// The database URL the config asks for (resolving the empty default).
std::string database_url(const config::Config& config);

}  // namespace convene::app
