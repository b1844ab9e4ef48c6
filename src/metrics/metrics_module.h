// GET /metrics: the registry App::metrics() holds (what modules count at the
// event, what collectors read at scrape time, the process's own figures) in
// the Prometheus text format. On the main port it needs `[metrics] token` as
// a bearer token (no token configured: 404 there); `[metrics] listen` opens
// a separate listener that serves it without one (keep it on loopback or a
// private network). Also counts every HTTP answer of the main port by route
// template and status, and times it.
//
// Threads: main loop only.
#pragma once

#include <memory>
#include <string>

#include "app/app.h"
#include "http/server.h"

namespace convene::metrics {

class MetricsModule final : public app::Module {
 public:
  explicit MetricsModule(app::App& app);
  ~MetricsModule() override;

  // The separate listener's port (0 when there is none).
  int listener_port() const { return listener_ ? listener_->port() : 0; }
  void shutdown(std::function<void()> done) override;

 private:
  void serve(const http::ExchangePtr& ex);
  void count(http::Exchange& ex);

  app::App& app_;
  std::string token_;
  std::unique_ptr<http::Server> listener_;
  uint64_t process_collector_ = 0;
};

// "host:port" or "[v6]:port" (throws config::Error when it is neither).
std::pair<std::string, int> parse_listen_address(const std::string& address);

}  // namespace convene::metrics
