#include "metrics/server_metrics.h"

namespace convene::metrics {
namespace {

// 1 ms .. ~16 s: an API answer, a WebSocket upgrade, a long export.
std::vector<double> request_buckets() { return exponential_buckets(0.001, 2, 15); }
// 0.1 ms .. ~3 s: a SQLite statement to a slow PostgreSQL round trip.
std::vector<double> store_buckets() { return exponential_buckets(0.0001, 2, 16); }

}  // namespace

ServerMetrics::ServerMetrics()
    : http_requests(registry.counter("convene_http_requests_total",
                                     "HTTP requests answered, by method, route template and status.",
                                     {"method", "route", "status"})),
      http_request_duration(registry.histogram("convene_http_request_duration_seconds",
                                               "Time from a request's headers to its answer, in seconds.",
                                               request_buckets(), {"method", "route"})),
      ws_sessions_opened(registry.counter("convene_websocket_sessions_opened_total",
                                          "WebSocket sessions opened on /ws.")),
      ws_sessions(registry.gauge("convene_websocket_sessions", "WebSocket sessions open now.")),
      ws_messages_received(registry.counter("convene_websocket_messages_received_total",
                                            "WebSocket messages received, by type (unknown types as 'unknown').",
                                            {"type"})),
      ws_errors_sent(registry.counter("convene_websocket_errors_sent_total",
                                      "WebSocket 'error' messages sent to clients, by code.", {"code"})),
      store_unit_duration(registry.histogram("convene_store_unit_duration_seconds",
                                             "Time a unit of store work took on its worker, in seconds.",
                                             store_buckets(), {"backend"})),
      store_unit_errors(registry.counter("convene_store_unit_errors_total",
                                         "Units of store work that ended in a store error.", {"backend"})),
      pipeline_errors(registry.counter("convene_pipeline_errors_total",
                                       "GStreamer ERROR messages on Convene's pipelines, by module.", {"module"})),
      recordings_finished(registry.counter("convene_recordings_finished_total",
                                           "Recordings finished, by outcome (ready, failed).", {"status"})) {}

}  // namespace convene::metrics
