#include "metrics/metrics_module.h"

#include <sodium.h>

#include <cstring>

#include "metrics/exposition.h"
#include "metrics/process_metrics.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_app_debug

namespace convene::metrics {

std::pair<std::string, int> parse_listen_address(const std::string& address) {
  std::string host, port;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':')
      throw config::Error("[metrics] listen: expected [address]:port, got '" + address + "'");
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon)
      throw config::Error("[metrics] listen: expected host:port, got '" + address + "'");
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  guint64 n = 0;
  if (host.empty() || !g_ascii_string_to_unsigned(port.c_str(), 10, 0, 65535, &n, nullptr))
    throw config::Error("[metrics] listen: expected host:port, got '" + address + "'");
  return {host, static_cast<int>(n)};
}

MetricsModule::MetricsModule(const config::Config& config, http::Server& http, ServerMetrics& metrics)
    : http_(http), metrics_(metrics), token_(config.get_string("metrics", "token")) {
  process_collector_ = add_process_collector(metrics.registry);
  http.add_response_filter([this](http::Exchange& ex) { count(ex); });
  // Always routed, so that without a token the answer is the same 404 as
  // for any unknown path (and the route is not served from static files).
  http.route("GET", "/metrics", [this](http::ExchangePtr ex) {
    if (token_.empty()) {
      ex->error(404, "not_found", "no such endpoint: GET /metrics");
      return;
    }
    const char* auth = ex->header("Authorization");
    std::string expected = "Bearer " + token_;
    bool ok = auth && strlen(auth) == expected.size() && sodium_memcmp(auth, expected.data(), expected.size()) == 0;
    if (!ok) {
      ex->add_header("WWW-Authenticate", "Bearer realm=\"metrics\"");
      ex->error(401, "unauthorized", auth ? "wrong metrics token" : "GET /metrics needs Authorization: Bearer <token>");
      return;
    }
    serve(ex);
  });

  std::string listen = config.get_string("metrics", "listen");
  if (!listen.empty()) {
    auto [host, port] = parse_listen_address(listen);
    http::ServerOptions o;
    o.host = host;
    o.port = port;
    o.max_body_bytes = 4096;
    listener_ = std::make_unique<http::Server>(o);
    listener_->route("GET", "/metrics", [this](http::ExchangePtr ex) { serve(ex); });
    listener_->listen();
    GST_INFO("metrics listener on %s", listener_->base_url().c_str());
  }
}

MetricsModule::~MetricsModule() { metrics_.registry.remove_collector(process_collector_); }

void MetricsModule::shutdown(std::function<void()> done) {
  if (listener_) listener_->stop_listening();
  done();
}

void MetricsModule::serve(const http::ExchangePtr& ex) {
  std::string text = render(metrics_.registry.collect());
  g_autoptr(GBytes) body = g_bytes_new(text.data(), text.size());
  ex->add_header("Cache-Control", "no-store");
  ex->bytes(200, kTextContentType, body);
}

void MetricsModule::count(http::Exchange& ex) {
  // The route template keeps the label set small: ids never become labels.
  std::string route;
  http::Router::Match m = http_.router().match(ex.method(), ex.path());
  if (m.handler)
    route = m.pattern;
  else if (ex.path() == "/ws")
    route = "/ws";
  else if ((ex.method() == "GET" || ex.method() == "HEAD") && ex.status() < 400)
    route = "static";
  else
    route = "unmatched";
  // Methods outside the usual set are one label value, not one each.
  static const char* known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::string method = "other";
  for (const char* k : known)
    if (ex.method() == k) method = k;
  ServerMetrics& m2 = metrics_;
  m2.http_requests.with({method, route, std::to_string(ex.status())}).inc();
  m2.http_request_duration.with({method, route}).observe((timeutil::monotonic_us() - ex.started_us()) / 1e6);
}

}  // namespace convene::metrics
