// The metrics registry and its text exposition: names, escaping, histogram
// buckets, collectors, concurrent counting, and `promtool check metrics` on
// what it renders (when promtool is installed: scripts install it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "metrics/exposition.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"
#include "prometheus_text.h"

using namespace convene::metrics;

using convene::testing::promtool_problems;

TEST(MetricsRegistry, CounterGaugeExposition) {
  Registry r;
  auto& requests = r.counter("app_requests_total", "Requests.\nSecond line with \\ backslash.", {"method", "path"});
  requests.with({"GET", "/a"}).inc();
  requests.with({"GET", "/a"}).inc(2);
  requests.with({"POST", "say \"hi\"\n\\"}).inc();
  auto& temp = r.gauge("app_temperature_celsius", "Temperature.");
  temp.with({}).set(-3.5);
  std::string text = render(r.collect());
  EXPECT_EQ(text,
            "# HELP app_requests_total Requests.\\nSecond line with \\\\ backslash.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{method=\"GET\",path=\"/a\"} 3\n"
            "app_requests_total{method=\"POST\",path=\"say \\\"hi\\\"\\n\\\\\"} 1\n"
            "# HELP app_temperature_celsius Temperature.\n"
            "# TYPE app_temperature_celsius gauge\n"
            "app_temperature_celsius -3.5\n");
  EXPECT_EQ(promtool_problems(text), "");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndInclusive) {
  Registry r;
  auto& h = r.histogram("app_wait_seconds", "Waits.", {0.25, 0.5, 1}, {"queue"});
  for (double v : {0.125, 0.25, 0.375, 0.5, 0.75, 2.0}) h.with({"q\"1"}).observe(v);
  std::string text = render(r.collect());
  EXPECT_EQ(text,
            "# HELP app_wait_seconds Waits.\n"
            "# TYPE app_wait_seconds histogram\n"
            "app_wait_seconds_bucket{queue=\"q\\\"1\",le=\"0.25\"} 2\n"
            "app_wait_seconds_bucket{queue=\"q\\\"1\",le=\"0.5\"} 4\n"
            "app_wait_seconds_bucket{queue=\"q\\\"1\",le=\"1\"} 5\n"
            "app_wait_seconds_bucket{queue=\"q\\\"1\",le=\"+Inf\"} 6\n"
            "app_wait_seconds_sum{queue=\"q\\\"1\"} 4\n"
            "app_wait_seconds_count{queue=\"q\\\"1\"} 6\n");
  EXPECT_EQ(promtool_problems(text), "");
}

TEST(MetricsRegistry, EmptyFamiliesStillDeclared) {
  Registry r;
  r.counter("app_events_total", "Events.", {"kind"});
  EXPECT_EQ(render(r.collect()), "# HELP app_events_total Events.\n# TYPE app_events_total counter\n");
}

TEST(MetricsRegistry, RefusesBadNames) {
  Registry r;
  EXPECT_THROW(r.counter("app_requests", "no _total suffix"), std::invalid_argument);
  EXPECT_THROW(r.gauge("9lives", "starts with a digit"), std::invalid_argument);
  EXPECT_THROW(r.gauge("app-dash", "dash"), std::invalid_argument);
  EXPECT_THROW(r.gauge("app_x", "bad label", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("app_y", "reserved label", {"__name"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("app_z_seconds", "unsorted", {1, 0.5}), std::invalid_argument);
  r.gauge("app_once", "once");
  EXPECT_THROW(r.gauge("app_once", "twice"), std::invalid_argument);
  auto& f = r.counter("app_two_total", "two labels", {"a", "b"});
  EXPECT_THROW(f.with({"only one"}), std::invalid_argument);
}

TEST(MetricsRegistry, CollectorsMergeWithRegisteredFamilies) {
  Registry r;
  r.counter("app_errors_total", "Errors by module.", {"module"}).with({"http"}).inc();
  uint64_t id = r.add_collector([](Collection& c) {
    c.counter("app_errors_total", "Errors by module.", {{"module", "media"}}, 4);
    c.gauge("app_rooms", "Rooms.", {}, 2);
    c.histogram("app_latency_seconds", "Latency.", {}, {0.001, 0.01}, {1, 3, 4}, 0.02);
  });
  std::string text = render(r.collect());
  EXPECT_NE(text.find("app_errors_total{module=\"http\"} 1\napp_errors_total{module=\"media\"} 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("app_latency_seconds_bucket{le=\"0.01\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_latency_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# TYPE app_errors_total counter"), text.rfind("# TYPE app_errors_total counter"));
  EXPECT_EQ(promtool_problems(text), "");
  r.remove_collector(id);
  EXPECT_EQ(render(r.collect()).find("app_rooms"), std::string::npos);
}

TEST(MetricsRegistry, ValuesFormatted) {
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(18446744073709551615.0), "18446744073709551616");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(MetricsRegistry, CountsFromManyThreadsAtOnce) {
  Registry r;
  Counter& c = r.counter("app_hits_total", "Hits.").with({});
  Histogram& h = r.histogram("app_size_bytes", "Sizes.", exponential_buckets(1, 2, 4)).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        c.inc();
        h.observe(3);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 400000);
  EXPECT_EQ(h.count(), 400000u);
  EXPECT_EQ(h.sum(), 1200000);
  EXPECT_EQ(h.cumulative(), (std::vector<uint64_t>{0, 0, 400000, 400000, 400000}));
}

TEST(MetricsRegistry, ProcessFiguresFromProc) {
  ProcessFigures p;
  ASSERT_TRUE(read_process_figures(p));
  EXPECT_GT(p.resident_bytes, 1 << 20);
  EXPECT_GE(p.threads, 1);
  EXPECT_GT(p.start_time_seconds, 1.6e9);
  // A descriptor opened here shows up in the count.
  double before = p.open_fds;
  int fd = dup(0);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(read_process_figures(p));
  EXPECT_EQ(p.open_fds, before + 1);
  close(fd);
  Registry r;
  add_process_collector(r);
  std::string text = render(r.collect());
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_EQ(promtool_problems(text), "");
}
