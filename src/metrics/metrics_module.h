// GET /metrics: the registry in ServerMetrics (what modules count at the
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

#include "config/config.h"
#include "http/server.h"
#include "metrics/server_metrics.h"
#include "util/module.h"

namespace convene::metrics {

class MetricsModule final : public util::Module {
 public:
  MetricsModule(const config::Config& config, http::Server& http, ServerMetrics& metrics);
  ~MetricsModule() override;

  // The separate listener's port (0 when there is none).
  int listener_port() const { return listener_ ? listener_->port() : 0; }
  void shutdown(std::function<void()> done) override;

 private:
  void serve(const http::ExchangePtr& ex);
  void count(http::Exchange& ex);

  http::Server& http_;
  ServerMetrics& metrics_;
  std::string token_;
  std::unique_ptr<http::Server> listener_;
  uint64_t process_collector_ = 0;
};

// "host:port" or "[v6]:port" (throws config::Error when it is neither).
std::pair<std::string, int> parse_listen_address(const std::string& address);

}  // namespace convene::metrics
