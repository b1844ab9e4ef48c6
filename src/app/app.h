// The Convene process: owns the configuration, the store, the HTTP server and
// every feature module, and runs them on one GLib main loop.
//
// Threads: everything here runs on the main loop; the store's workers post
// their results back to it.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/protections.h"
#include "http/server.h"
#include "store/store.h"

namespace convene::app {

// A feature (auth, rooms, signaling, media...). Constructed after the store
// and server exist; registers its routes in the constructor.
class Module {
 public:
  virtual ~Module() = default;
  // Called once on SIGTERM/SIGINT, before the store closes. Call `done` when
  // finished (at once if there is nothing to wait for).
  virtual void shutdown(std::function<void()> done) { done(); }
};

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

  // Looks a module up by type (nullptr when not built).
  template <class M>
  M* module() const {
    for (const auto& m : modules_)
      if (auto* p = dynamic_cast<M*>(m.get())) return p;
    return nullptr;
  }

 private:
  void load_secret();
  void migrate_or_retry();
  void finish_shutdown();

  config::Config config_;
  std::string data_dir_;
  std::string secret_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::Server> http_;
  std::unique_ptr<http::Protections> protections_;
  std::vector<std::unique_ptr<Module>> modules_;
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
