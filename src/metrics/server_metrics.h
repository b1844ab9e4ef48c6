// The families Convene counts at the event (as opposed to those collectors
// read at scrape time): HTTP requests, WebSocket sessions and messages,
// store units of work, pipeline errors. App owns one; the modules count
// into it through the one place each event passes (see docs/operations.md).
//
// Threads: any (the metrics are atomics).
#pragma once

#include "metrics/registry.h"

namespace convene::metrics {

struct ServerMetrics {
  ServerMetrics();

  Registry registry;
  Family<Counter>& http_requests;              // method, route, status
  Family<Histogram>& http_request_duration;    // method, route
  Family<Counter>& ws_sessions_opened;
  Family<Gauge>& ws_sessions;
  Family<Counter>& ws_messages_received;       // type
  Family<Counter>& ws_errors_sent;             // code
  Family<Histogram>& store_unit_duration;      // backend
  Family<Counter>& store_unit_errors;          // backend
  Family<Counter>& pipeline_errors;            // module
  Family<Counter>& recordings_finished;        // status (ready, failed)
};

}  // namespace convene::metrics
