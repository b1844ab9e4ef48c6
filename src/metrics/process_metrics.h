// The process's own figures, read from /proc/self at scrape time, under the
// names every Prometheus client library uses (process_*), so stock
// dashboards and alerts work unchanged.
#pragma once

#include "metrics/registry.h"

namespace convene::metrics {

struct ProcessFigures {
  double cpu_seconds = 0;      // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double threads = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Reads /proc/self (false when it cannot be read: not Linux).
bool read_process_figures(ProcessFigures& out);

// Adds process_* samples to every scrape.
uint64_t add_process_collector(Registry& registry);

}  // namespace convene::metrics
