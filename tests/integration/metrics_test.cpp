// GET /metrics and JSON logs through the real binary: the token on the main
// port (absent: 404; missing or wrong: 401 JSON), the separate listener with
// no token, HTTP requests counted by route template and status, WebSocket
// messages by type and errors by code, promtool accepting every scrape; and
// `[log] format = json`: every stderr line a JSON object, a 5xx logged once
// as an error with its request id, a WebSocket error with its requestId.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <sstream>

#include "http_client.h"
#include "prometheus_text.h"
#include "server_process.h"
#include "test_person.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::JsonNodePtr;

namespace {

constexpr const char* kToken = "s3cret-metrics-token";

ServerOptions with_token() {
  ServerOptions o;
  o.env["CONVENE_METRICS_TOKEN"] = kToken;
  return o;
}

std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// The port the metrics listener logged ("metrics listener on http://127.0.0.1:P").
int listener_port(const ServerProcess& server) {
  for (int i = 0; i < 100; ++i) {
    std::string log = server.log();
    size_t at = log.find("metrics listener on http://127.0.0.1:");
    if (at != std::string::npos) return std::stoi(log.substr(at + strlen("metrics listener on http://127.0.0.1:")));
    g_usleep(50000);
  }
  return 0;
}

std::vector<JsonNodePtr> json_lines(const std::string& log, std::vector<std::string>* not_json) {
  std::vector<JsonNodePtr> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    JsonNodePtr node = convene::json::parse(line, nullptr);
    if (node && JSON_NODE_HOLDS_OBJECT(node.get()))
      out.push_back(std::move(node));
    else
      not_json->push_back(line);
  }
  return out;
}

std::string member(const JsonNodePtr& n, const char* name) {
  JsonObject* o = json_node_get_object(n.get());
  return json_object_has_member(o, name) ? json_object_get_string_member(o, name) : "";
}

}  // namespace

TEST(Metrics, ClosedOnTheMainPortWithoutAToken) {
  ServerProcess server;
  HttpClient http(server.base_url());
  auto r = http.get("/metrics");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.error_code(), "not_found");
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST(Metrics, TokenRequiredAndChecked) {
  ServerProcess server(with_token());
  HttpClient http(server.base_url());
  auto none = http.get("/metrics");
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(none.error_code(), "unauthorized");
  auto wrong = http.get("/metrics", bearer("s3cret-metrics-tokeN"));
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.error_code(), "unauthorized");
  auto shorter = http.get("/metrics", bearer("s3cret"));
  EXPECT_EQ(shorter.status, 401);
  auto ok = http.get("/metrics", bearer(kToken));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(promtool_problems(ok.body), "");
  EXPECT_GT(prometheus_value(ok.body, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(prometheus_value(ok.body, "process_open_fds"), 3);
  EXPECT_GE(prometheus_value(ok.body, "process_threads"), 2);
  EXPECT_EQ(prometheus_value(ok.body, "convene_media_participants"), 0);
  // The refused scrapes were counted, under the route template.
  EXPECT_EQ(prometheus_value(ok.body, "convene_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}"),
            3);
}

TEST(Metrics, SeparateListenerNeedsNoToken) {
  ServerOptions o;
  o.env["CONVENE_METRICS_LISTEN"] = "127.0.0.1:0";
  ServerProcess server(o);
  int port = listener_port(server);
  ASSERT_GT(port, 0) << server.log();
  HttpClient metrics("http://127.0.0.1:" + std::to_string(port));
  auto r = metrics.get("/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(promtool_problems(r.body), "");
  // Nothing else is served there, and the main port stays closed (no token).
  EXPECT_EQ(metrics.get("/health").status, 404);
  EXPECT_EQ(HttpClient(server.base_url()).get("/metrics").status, 404);
}

TEST(Metrics, CountsRequestsByRouteAndWebSocketMessagesByType) {
  ServerProcess server(with_token());
  TestPerson ann(server, "ann");
  std::string room = meet(ann, {});
  // Ids never become labels: two rooms' pages count under one route.
  EXPECT_EQ(ann.http.get("/rooms/" + room).status, 200);
  EXPECT_EQ(ann.http.get("/rooms/no-such-room").status, 404);
  ann.ws->send(std::move(convene::json::Object().set("type", "no-such-type").set("requestId", "r-1")));
  EXPECT_EQ(ann.next_error_code(), "unknown_type");
  ann.ws->send(std::move(convene::json::Object().set("type", "chat-message").set("content", "hello")));
  ASSERT_TRUE(ann.ws->wait_for("chat-message"));

  HttpClient http(server.base_url());
  auto r = http.get("/metrics", bearer(kToken));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(promtool_problems(r.body), "");
  EXPECT_EQ(prometheus_value(r.body, "convene_http_requests_total{method=\"GET\",route=\"/rooms/:id\",status=\"200\"}"), 1)
      << r.body;
  EXPECT_EQ(prometheus_value(r.body, "convene_http_requests_total{method=\"GET\",route=\"/rooms/:id\",status=\"404\"}"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_http_requests_total{method=\"POST\",route=\"/rooms\",status=\"201\"}"), 1);
  EXPECT_GE(prometheus_value(r.body, "convene_http_request_duration_seconds_count{method=\"GET\",route=\"/rooms/:id\"}"),
            2);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_sessions"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_sessions_opened_total"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_messages_received_total{type=\"join-room\"}"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_messages_received_total{type=\"chat-message\"}"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_messages_received_total{type=\"unknown\"}"), 1);
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_errors_sent_total{code=\"unknown_type\"}"), 1);
  EXPECT_GT(prometheus_value(r.body, "convene_store_unit_duration_seconds_count{backend=\"sqlite\"}"), 0);
  EXPECT_EQ(r.body.find(room), std::string::npos) << "a room id in the labels";

  ann.ws->close();
  for (int i = 0; i < 50; ++i) {
    r = http.get("/metrics", bearer(kToken));
    if (prometheus_value(r.body, "convene_websocket_sessions") == 0) break;
    g_usleep(100000);
  }
  EXPECT_EQ(prometheus_value(r.body, "convene_websocket_sessions"), 0);
}

TEST(JsonLogs, EveryLineIsJsonAndErrorsCarryTheirIds) {
  ServerOptions o;
  o.env["CONVENE_LOG_FORMAT"] = "json";
  ServerProcess server(o);
  TestPerson bob(server, "bob");
  // A WebSocket error, with the request's id.
  bob.ws->send(std::move(convene::json::Object().set("type", "no-such-type").set("requestId", "req-ws-7")));
  EXPECT_EQ(bob.next_error_code(), "unknown_type");
  // A 5xx: the rooms table goes away under the server, so listing rooms fails.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, "PRAGMA foreign_keys = OFF; DROP TABLE rooms;", nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  auto r = bob.http.get("/rooms", {{"X-Request-Id", "req-http-42"}});
  ASSERT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.headers["x-request-id"], "req-http-42");
  // A request id nobody chose is made up, and answered.
  auto health = bob.http.get("/health");
  EXPECT_EQ(health.headers["x-request-id"].size(), 16u);
  EXPECT_EQ(server.terminate(), 0);

  std::vector<std::string> not_json;
  auto lines = json_lines(server.log(), &not_json);
  EXPECT_TRUE(not_json.empty()) << "not JSON: " << not_json.front();
  ASSERT_FALSE(lines.empty());
  int http_errors = 0, ws_errors = 0;
  for (const auto& l : lines) {
    EXPECT_FALSE(member(l, "ts").empty());
    EXPECT_FALSE(member(l, "level").empty());
    EXPECT_FALSE(member(l, "message").empty());
    if (member(l, "request_id") == "req-http-42" && member(l, "level") == "error") {
      ++http_errors;
      EXPECT_EQ(member(l, "module"), "http");
      EXPECT_NE(member(l, "message").find("GET /rooms 500"), std::string::npos) << member(l, "message");
      EXPECT_NE(member(l, "message").find("no such table"), std::string::npos) << member(l, "message");
    }
    if (member(l, "request_id") == "req-ws-7" && member(l, "message").find("sent error unknown_type") != std::string::npos) {
      ++ws_errors;
      EXPECT_EQ(member(l, "module"), "signaling");
      EXPECT_FALSE(member(l, "session_id").empty());
    }
  }
  EXPECT_EQ(http_errors, 1) << server.log();
  EXPECT_EQ(ws_errors, 1) << server.log();
}

// docker/grafana/convene-dashboard.json graphs only names a scrape has, and
// docker/prometheus/prometheus.yml passes `promtool check config`.
TEST(Metrics, DashboardAndPrometheusConfigMatchTheServer) {
  std::string source = g_getenv("CONVENE_SOURCE_DIR");
  g_autofree char* dashboard = nullptr;
  ASSERT_TRUE(g_file_get_contents((source + "/docker/grafana/convene-dashboard.json").c_str(), &dashboard, nullptr,
                                  nullptr));
  JsonNodePtr root = convene::json::parse(dashboard, nullptr);
  ASSERT_TRUE(root && JSON_NODE_HOLDS_OBJECT(root.get()));

  ServerProcess server(with_token());
  auto r = HttpClient(server.base_url()).get("/metrics", bearer(kToken));
  ASSERT_EQ(r.status, 200);
  std::set<std::string> families;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("# TYPE ", 0) == 0) families.insert(line.substr(7, line.find(' ', 7) - 7));

  // Every metric name in every panel's expressions.
  g_autoptr(GRegex) names = g_regex_new("\\b(convene|process)_[a-z_]+", G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, nullptr);
  int checked = 0;
  JsonArray* panels = json_object_get_array_member(json_node_get_object(root.get()), "panels");
  for (guint i = 0; i < json_array_get_length(panels); ++i) {
    JsonObject* panel = json_array_get_object_element(panels, i);
    if (!json_object_has_member(panel, "targets")) continue;
    JsonArray* targets = json_object_get_array_member(panel, "targets");
    for (guint t = 0; t < json_array_get_length(targets); ++t) {
      const char* expr = json_object_get_string_member(json_array_get_object_element(targets, t), "expr");
      g_autoptr(GMatchInfo) match = nullptr;
      g_regex_match(names, expr, G_REGEX_MATCH_DEFAULT, &match);
      for (; g_match_info_matches(match); g_match_info_next(match, nullptr)) {
        g_autofree char* name = g_match_info_fetch(match, 0);
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"})
          if (g_str_has_suffix(name, suffix) && !families.count(family))
            family = family.substr(0, family.size() - strlen(suffix));
        EXPECT_TRUE(families.count(family)) << json_object_get_string_member(panel, "title") << ": " << name;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);

  // promtool checks that the token file exists: point it at one.
  g_autofree char* config = nullptr;
  ASSERT_TRUE(g_file_get_contents((source + "/docker/prometheus/prometheus.yml").c_str(), &config, nullptr, nullptr));
  std::string text = config;
  std::string token_path = server.data_dir() + "/token";
  g_file_set_contents(token_path.c_str(), kToken, -1, nullptr);
  const std::string in_container = "credentials_file: /run/secrets/metrics_token";
  size_t at = text.find(in_container);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, in_container.size(), "credentials_file: " + token_path);
  std::string config_path = server.data_dir() + "/prometheus.yml";
  g_file_set_contents(config_path.c_str(), text.c_str(), -1, nullptr);
  g_autofree char* promtool = g_find_program_in_path("promtool");
  ASSERT_TRUE(promtool) << "promtool is not installed (Debian package prometheus)";
  g_autoptr(GSubprocess) p = g_subprocess_new(
      GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE), nullptr, promtool, "check",
      "config", config_path.c_str(), nullptr);
  g_autofree char* out = nullptr;
  g_subprocess_communicate_utf8(p, nullptr, nullptr, &out, nullptr, nullptr);
  EXPECT_EQ(g_subprocess_get_exit_status(p), 0) << out;
}
