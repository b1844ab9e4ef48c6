// A Convene cluster (issue #16): real nodes on loopback sharing one throwaway
// PostgreSQL. Rooms are placed on one node each; a client that opens its
// WebSocket on another node is redirected there; a killed node's rooms are
// placed again; a drained node hands its calls over and exits 0; a meeting
// ended through REST on one node ends on the node carrying it.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <map>
#include <memory>
#include <set>

#include "http_client.h"
#include "prometheus_text.h"
#include "server_process.h"
#include "ws_client.h"

using namespace convene;
using namespace convene::testing;

namespace {

const char* kSecret = "cluster-test-secret-0123456789abcdef0123456789";

std::map<std::string, std::string> node_env(const std::string& node_id) {
  return {{"CONVENE_CLUSTER_ENABLED", "true"},
          {"CONVENE_CLUSTER_NODE_ID", node_id},
          {"CONVENE_CLUSTER_HEARTBEAT_SEC", "1"},
          {"CONVENE_CLUSTER_DEAD_AFTER_SEC", "3"},
          {"CONVENE_CLUSTER_DRAIN_TIMEOUT_SEC", "10"},
          {"CONVENE_CLUSTER_ADMINS", "boss@example.test"},
          {"CONVENE_SIGNALING_MAX_CONNECTIONS_PER_USER", "20"},
          {"CONVENE_AUTH_SECRET", kSecret}};
}

// One person: REST on one node, a WebSocket that follows redirects.
struct Member {
  HttpClient http;
  std::string user_id;
  std::unique_ptr<WsClient> ws;
  std::string node_url;  // the WebSocket's node (http://...)
  int redirects = 0;
  bool keep_open = false;  // connect() keeps the previous WebSocket (and its call) open
  std::vector<std::unique_ptr<WsClient>> parked;

  Member(const std::string& base_url, const std::string& name) : http(base_url) {
    user_id = http.register_user(name);
    connect(base_url);
  }
  void connect(const std::string& base_url) {
    if (keep_open && ws) parked.push_back(std::move(ws));
    node_url = base_url;
    ws = WsClient::connect(base_url, http.token());
    if (!ws) throw std::runtime_error("WebSocket refused on " + base_url);
  }
  // join-room through whichever node the WebSocket is on; redirects followed.
  // Returns room-joined (null on anything else).
  JsonNodePtr enter(const std::string& room_id, int timeout_ms = 8000) {
    for (int hop = 0; hop < 4; ++hop) {
      ws->send(std::move(json::Object().set("type", "join-room").set("roomId", room_id).set("requestId", "j")));
      for (;;) {
        auto m = ws->next(timeout_ms);
        if (!m) return nullptr;
        std::string type = str_field(m.get(), "type");
        if (type == "room-joined") return m;
        if (type == "error") {
          ADD_FAILURE() << "join refused: " << json::stringify(m.get());
          return nullptr;
        }
        if (type == "redirect") {
          ++redirects;
          if (!follow(m.get())) return nullptr;
          break;
        }
      }
    }
    return nullptr;
  }
  // Reconnects where a redirect points; false when nothing answers there.
  bool follow(JsonNode* redirect) {
    std::string url = str_field(redirect, "url");
    std::string token = str_field(redirect, "wsToken");
    EXPECT_EQ(url.substr(url.size() - 3), "/ws");
    std::string base = "http" + url.substr(2, url.size() - 5);
    node_url = base;
    ws = WsClient::connect(base, token.empty() ? http.token() : token);
    return ws != nullptr;
  }
  void chat(const std::string& text) {
    ws->send(std::move(json::Object().set("type", "chat-message").set("content", text)));
  }
  // Waits for a chat message with this text (others' and one's own echo pass by).
  bool sees_chat(const std::string& text) {
    for (;;) {
      auto m = ws->wait_for("chat-message", 8000);
      if (!m) return false;
      if (str_field(m.get(), "content") == text) return true;
    }
  }
};

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (postgres_test_url().empty()) {
      if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
      GTEST_SKIP() << "cluster mode needs PostgreSQL (scripts/test provides one)";
    }
    db_ = create_postgres_database();
  }
  ServerProcess& add_node(const std::string& id, const std::map<std::string, std::string>& extra = {}) {
    ServerOptions o;
    o.database = db_;
    o.env = node_env(id);
    for (auto& [k, v] : extra) o.env[k] = v;
    nodes_.push_back(std::make_unique<ServerProcess>(o));
    return *nodes_.back();
  }
  void start(int n) {
    for (int i = 0; i < n; ++i) add_node("n" + std::to_string(i));
  }
  // Runs SQL on the cluster's database; the first column of the first row.
  std::string sql(const std::string& query) {
    PGconn* c = PQconnectdb(db_.c_str());
    PGresult* r = PQexec(c, query.c_str());
    std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(c);
    return v;
  }
  std::string owner_of(const std::string& room_id) {
    return sql("SELECT node_id FROM cluster_placements WHERE room_id = '" + room_id + "'");
  }
  // Waits (main context pumped) until `pred` holds or timeout_ms passes.
  bool eventually(const std::function<bool()>& pred, int timeout_ms) {
    int64_t deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
    while (g_get_monotonic_time() < deadline) {
      if (pred()) return true;
      g_usleep(100000);
      while (g_main_context_iteration(nullptr, FALSE)) {
      }
    }
    return pred();
  }
  std::string db_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST(ClusterConfig, SqliteRefusesClusterMode) {
  ServerOptions o;
  o.env = node_env("lonely");
  try {
    ServerProcess server(o);
    FAIL() << "a cluster node started on SQLite";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("[cluster] enabled needs PostgreSQL"), std::string::npos) << what;
  }
}

TEST(ClusterConfig, SingleNodeHealthHasNoNodeIdAndNoClusterRoute) {
  ServerProcess server;
  HttpClient http(server.base_url());
  auto h = http.get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.str("nodeId"), "");
  http.register_user("solo");
  EXPECT_EQ(http.get("/cluster").body.find("\"nodes\""), std::string::npos);
}

TEST_F(Cluster, ThreeNodesOneCallChatAndSpreadRooms) {
  start(3);
  HttpClient boss(nodes_[0]->base_url());
  boss.register_user("boss");
  ASSERT_TRUE(eventually([&] { return sql("SELECT COUNT(*) FROM cluster_nodes") == "3"; }, 10000));
  EXPECT_EQ(HttpClient(nodes_[2]->base_url()).get("/health").str("nodeId"), "n2");

  // Two people on two different nodes meet in one room.
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[1]->base_url(), "bob");
  auto r = alice.http.post("/rooms", R"({"name":"Across"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string room = r.str("id");
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
  ASSERT_TRUE(alice.enter(room));
  auto joined = bob.enter(room);
  ASSERT_TRUE(joined);
  EXPECT_EQ(alice.node_url, bob.node_url) << "both in the call on the room's node";
  EXPECT_EQ(alice.redirects + bob.redirects >= 1, true) << "one of them was on another node";
  std::string owner = owner_of(room);
  ASSERT_FALSE(owner.empty());
  EXPECT_EQ(nodes_[std::stoi(owner.substr(1))]->base_url(), alice.node_url);
  alice.chat("hello from alice");
  EXPECT_TRUE(bob.sees_chat("hello from alice"));
  bob.chat("hi alice");
  EXPECT_TRUE(alice.sees_chat("hi alice"));

  // Twelve rooms, created and joined through node 0 only, spread over all three.
  Member carol(nodes_[0]->base_url(), "carol");
  carol.keep_open = true;  // each call stays placed while the next room is placed
  std::map<std::string, int> per_node;
  double direct_ms = 0, redirected_ms = 0;
  int direct = 0, redirected = 0;
  for (int i = 0; i < 12; ++i) {
    auto c = carol.http.post("/rooms", R"({"name":"Spread"})");
    ASSERT_EQ(c.status, 201);
    carol.connect(nodes_[0]->base_url());
    int before = carol.redirects;
    int64_t t0 = g_get_monotonic_time();
    ASSERT_TRUE(carol.enter(c.str("id"))) << "room " << i;
    double ms = (g_get_monotonic_time() - t0) / 1e3;
    if (carol.redirects > before) redirected_ms += ms, ++redirected;
    else direct_ms += ms, ++direct;
    per_node[owner_of(c.str("id"))]++;
  }
  // Printed, never asserted (machines are noisy).
  std::printf("join-room to room-joined: direct %.1f ms (%d), through a redirect %.1f ms (%d)\n",
              direct ? direct_ms / direct : 0.0, direct, redirected ? redirected_ms / redirected : 0.0, redirected);
  EXPECT_EQ(per_node.size(), 3u);
  for (auto& [node, n] : per_node) EXPECT_GE(n, 3) << node;

  // GET /cluster: admins only; shows every node and what it carries.
  EXPECT_EQ(alice.http.get("/cluster").status, 403);
  auto view = boss.get("/cluster");
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(view.str("self"), "n0");
  auto view_json = view.json();
  JsonArray* listed = json_object_get_array_member(obj(view_json.get()), "nodes");
  ASSERT_EQ(json_array_get_length(listed), 3u);
  EXPECT_NE(view.body.find(room), std::string::npos);
}

TEST_F(Cluster, LastLeaveReleasesThePlacement) {
  start(2);
  Member alice(nodes_[0]->base_url(), "alice");
  std::string room = alice.http.post("/rooms", R"({"name":"Brief"})").str("id");
  ASSERT_TRUE(alice.enter(room));
  ASSERT_FALSE(owner_of(room).empty());
  alice.ws->send(std::move(json::Object().set("type", "leave-room")));
  ASSERT_TRUE(alice.ws->wait_for("room-left"));
  // Released within a few heartbeats of the call emptying.
  EXPECT_TRUE(eventually([&] { return owner_of(room).empty(); }, 8000));
}

TEST_F(Cluster, RacingJoinsOnTwoNodesEndInOneCall) {
  start(2);
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[1]->base_url(), "bob");
  for (int round = 0; round < 3; ++round) {
    std::string room = alice.http.post("/rooms", R"({"name":"Race"})").str("id");
    ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
    alice.connect(nodes_[0]->base_url());
    bob.connect(nodes_[1]->base_url());
    // Both asks leave before either answer comes back.
    for (Member* m : {&alice, &bob})
      m->ws->send(std::move(json::Object().set("type", "join-room").set("roomId", room)));
    std::set<std::string> where;
    for (Member* m : {&alice, &bob}) {
      auto first = m->ws->next(8000);
      ASSERT_TRUE(first);
      std::string type = str_field(first.get(), "type");
      if (type == "redirect") {
        ASSERT_TRUE(m->follow(first.get()));
        ASSERT_TRUE(m->enter(room));
      } else {
        ASSERT_EQ(type, "room-joined") << json::stringify(first.get());
      }
      where.insert(m->node_url);
    }
    EXPECT_EQ(where.size(), 1u) << "round " << round;
    EXPECT_EQ(sql("SELECT COUNT(*) FROM cluster_placements WHERE room_id = '" + room + "'"), "1");
  }
}

TEST_F(Cluster, KilledNodesRoomIsPlacedAgainAndTheCallResumes) {
  start(3);
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[1]->base_url(), "bob");
  std::string room = alice.http.post("/rooms", R"({"name":"Survive"})").str("id");
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
  ASSERT_TRUE(alice.enter(room));
  ASSERT_TRUE(bob.enter(room));
  alice.chat("before the crash");
  ASSERT_TRUE(bob.sees_chat("before the crash"));
  sql("INSERT INTO recordings (id, room_id, filename, status, started_at) VALUES ('rec-x', '" + room +
      "', 'f.webm', 'RECORDING', 1)");
  std::string owner = owner_of(room);
  int dead = std::stoi(owner.substr(1));
  int64_t killed_at = g_get_monotonic_time();
  nodes_[dead]->kill_hard();
  ASSERT_GE(alice.ws->wait_closed(5000), -1);

  // Every client reconnects through a surviving node (any) and joins again.
  std::string survivor = nodes_[(dead + 1) % 3]->base_url();
  JsonNodePtr a, b;
  ASSERT_TRUE(eventually(
      [&] {
        alice.connect(survivor);
        a = alice.enter(room, 3000);
        return a != nullptr;
      },
      15000));
  bob.connect(nodes_[(dead + 2) % 3]->base_url());
  b = bob.enter(room);
  ASSERT_TRUE(b);
  double seconds = (g_get_monotonic_time() - killed_at) / 1e6;
  EXPECT_LE(seconds, 15.0);
  std::printf("SIGKILL to both back in the call: %.1f s\n", seconds);
  EXPECT_EQ(alice.node_url, bob.node_url);
  EXPECT_NE(owner_of(room), owner);
  // Chat history is in the store: intact.
  EXPECT_NE(json::stringify(b.get()).find("before the crash"), std::string::npos);
  alice.chat("after the crash");
  EXPECT_TRUE(bob.sees_chat("after the crash"));
  EXPECT_EQ(sql("SELECT status FROM recordings WHERE id = 'rec-x'"), "FAILED");
}

TEST_F(Cluster, DrainMovesTheCallAndExitsZero) {
  start(2);
  HttpClient boss(nodes_[0]->base_url());
  boss.register_user("boss");
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[1]->base_url(), "bob");
  std::string room = alice.http.post("/rooms", R"({"name":"Rolling"})").str("id");
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
  ASSERT_TRUE(alice.enter(room));
  ASSERT_TRUE(bob.enter(room));
  int from = std::stoi(owner_of(room).substr(1));
  int to = 1 - from;

  EXPECT_EQ(alice.http.post("/admin/drain").status, 403);
  HttpClient boss_there(nodes_[from]->base_url());
  boss_there.set_token(boss.token());
  auto r = boss_there.post("/admin/drain");
  ASSERT_EQ(r.status, 202) << r.body;

  // Both are told to move, not that the meeting ended.
  for (Member* m : {&alice, &bob}) {
    JsonNodePtr redirect;
    for (;;) {
      auto msg = m->ws->next(8000);
      ASSERT_TRUE(msg) << "no redirect";
      std::string type = str_field(msg.get(), "type");
      ASSERT_NE(type, "room-ended");
      if (type == "redirect") {
        redirect = std::move(msg);
        break;
      }
    }
    ASSERT_TRUE(m->follow(redirect.get()));
    ASSERT_TRUE(m->enter(room));
    EXPECT_EQ(m->node_url, nodes_[to]->base_url());
  }
  EXPECT_EQ(owner_of(room), "n" + std::to_string(to));
  // The drained node exits by itself, with 0.
  EXPECT_TRUE(eventually([&] { return !nodes_[from]->running(); }, 15000));
  EXPECT_EQ(nodes_[from]->terminate(1000), 0);
  alice.chat("still here");
  EXPECT_TRUE(bob.sees_chat("still here"));
  // A node that left cleanly is gone from the cluster.
  EXPECT_EQ(sql("SELECT COUNT(*) FROM cluster_nodes WHERE node_id = 'n" + std::to_string(from) + "'"), "0");
}

TEST_F(Cluster, SigtermDrainsToo) {
  start(2);
  Member alice(nodes_[0]->base_url(), "alice");
  std::string room = alice.http.post("/rooms", R"({"name":"Term"})").str("id");
  ASSERT_TRUE(alice.enter(room));
  int from = std::stoi(owner_of(room).substr(1));
  g_usleep(1500000);  // a heartbeat has recorded the placement as this node's own
  ASSERT_EQ(kill(nodes_[from]->pid(), SIGTERM), 0);
  auto m = alice.ws->wait_for("redirect", 8000);
  ASSERT_TRUE(m);
  ASSERT_TRUE(alice.follow(m.get()));
  ASSERT_TRUE(alice.enter(room));
  // The call left, so the node stops well before drain_timeout, with 0.
  EXPECT_TRUE(eventually([&] { return !nodes_[from]->running(); }, 8000));
  EXPECT_EQ(nodes_[from]->terminate(1000), 0);
  EXPECT_EQ(alice.node_url, nodes_[1 - from]->base_url());
}

TEST_F(Cluster, EndingAMeetingOnOneNodeEndsTheCallOnAnother) {
  start(2);
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[0]->base_url(), "bob");
  std::string room = alice.http.post("/rooms", R"({"name":"Ends"})").str("id");
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
  ASSERT_TRUE(alice.enter(room));
  ASSERT_TRUE(bob.enter(room));
  int owner = std::stoi(owner_of(room).substr(1));
  // The host ends it through REST on the node that does not carry the call.
  HttpClient elsewhere(nodes_[1 - owner]->base_url());
  elsewhere.set_token(alice.http.token());
  ASSERT_EQ(elsewhere.post("/rooms/" + room + "/end").status, 200);
  EXPECT_TRUE(bob.ws->wait_for("room-ended", 8000));
}

// Recording, egress and the room's media live in the memory of the room's
// node: through any other node, the REST for them is forwarded there and
// answered as the room's node answers it.
TEST_F(Cluster, RoomNodeRestWorksThroughAnyNode) {
  // Small pictures; a stop answers within 2 s even if nobody publishes.
  const std::map<std::string, std::string> small = {{"CONVENE_RECORDING_WIDTH", "320"},
                                                    {"CONVENE_RECORDING_HEIGHT", "180"},
                                                    {"CONVENE_RECORDING_FINALIZE_TIMEOUT_SEC", "2"}};
  add_node("n0", small);
  add_node("n1", small);
  Member alice(nodes_[0]->base_url(), "alice");
  std::string room = alice.http.post("/rooms", R"({"name":"On air"})").str("id");
  ASSERT_TRUE(alice.enter(room));
  int owner = std::stoi(owner_of(room).substr(1));
  ServerProcess& there = *nodes_[owner];
  HttpClient via(nodes_[1 - owner]->base_url()), direct(there.base_url());
  via.set_token(alice.http.token());
  direct.set_token(alice.http.token());
  const std::string base = "/rooms/" + room;

  auto r = via.post(base + "/recordings", R"({"layout":"grid"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string rid = r.str("id");
  EXPECT_EQ(sql("SELECT status FROM recordings WHERE id = '" + rid + "'"), "RECORDING");
  EXPECT_EQ(sql("SELECT path FROM recordings WHERE id = '" + rid + "'").rfind(there.data_dir() + "/", 0), 0u)
      << "the room's node writes the file";
  EXPECT_EQ(via.post(base + "/recordings", "{}").error_code(), "already_recording");

  auto hls = via.post(base + "/egress", R"({"kind":"hls"})");
  ASSERT_EQ(hls.status, 201) << hls.body;
  std::string eid = hls.str("id");
  EXPECT_EQ(direct.get(base + "/egress/" + eid).status, 200) << "the egress runs on the room's node";
  EXPECT_EQ(via.get(base + "/egress/" + eid).str("id"), eid);
  EXPECT_NE(via.get(base + "/egress").body.find(eid), std::string::npos);
  EXPECT_EQ(via.get(base + "/media").status, 200);

  auto stopped = via.post(base + "/recordings/" + rid + "/stop");
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_NE(stopped.str("status"), "RECORDING");
  EXPECT_NE(sql("SELECT status FROM recordings WHERE id = '" + rid + "'"), "RECORDING");
  EXPECT_EQ(via.request("DELETE", base + "/egress/" + eid).status, 204);
  EXPECT_EQ(direct.get(base + "/egress/" + eid).status, 404);

  // The room's HLS files are on its node's disk: a segment asked by range
  // through the other node comes back as the room's node cut it.
  std::string segment(1000, '\0');
  for (size_t i = 0; i < segment.size(); ++i) segment[i] = static_cast<char>('a' + i % 26);
  g_autofree char* dir = g_build_filename(there.data_dir().c_str(), "live", room.c_str(), nullptr);
  g_autofree char* path = g_build_filename(dir, "segment99999.ts", nullptr);
  ASSERT_EQ(g_mkdir_with_parents(dir, 0700), 0);
  ASSERT_TRUE(g_file_set_contents(path, segment.data(), static_cast<gssize>(segment.size()), nullptr));
  auto whole = via.get("/live/" + room + "/segment99999.ts");
  EXPECT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.body, segment);
  auto part = via.get("/live/" + room + "/segment99999.ts", {{"Range", "bytes=10-19"}});
  EXPECT_EQ(part.status, 206) << part.body;
  EXPECT_EQ(part.body, segment.substr(10, 10));
  EXPECT_EQ(part.headers["content-range"], "bytes 10-19/1000");
  EXPECT_EQ(part.headers["accept-ranges"], "bytes");
}

// A node wrongly taken for dead (paused past dead_after_sec while another node
// took its call over) hands the call over at its next heartbeat: its clients
// are sent to the new owner, and the room is carried by that node only.
TEST_F(Cluster, APausedNodeHandsItsCallToTheNodeThatTookItOver) {
  for (const char* id : {"n0", "n1"})
    add_node(id, {{"CONVENE_METRICS_TOKEN", "scrape"},
                  {"CONVENE_RECORDING_WIDTH", "320"},
                  {"CONVENE_RECORDING_HEIGHT", "180"},
                  {"CONVENE_RECORDING_FINALIZE_TIMEOUT_SEC", "2"}});
  Member alice(nodes_[0]->base_url(), "alice"), bob(nodes_[1]->base_url(), "bob");
  std::string room = alice.http.post("/rooms", R"({"name":"Paused"})").str("id");
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);
  ASSERT_TRUE(alice.enter(room));
  int from = std::stoi(owner_of(room).substr(1));
  int to = 1 - from;
  auto rec = alice.http.post("/rooms/" + room + "/recordings");
  ASSERT_EQ(rec.status, 201) << rec.body;
  const std::string rec_status = "SELECT status FROM recordings WHERE id = '" + rec.str("id") + "'";
  g_usleep(1500000);  // a heartbeat has recorded the placement as this node's own
  ASSERT_EQ(kill(nodes_[from]->pid(), SIGSTOP), 0);
  const std::string stalled = "SELECT COUNT(*) FROM cluster_nodes WHERE node_id = 'n" + std::to_string(from) +
                              "' AND heartbeat_at < (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT - 3500";
  bool taken_for_dead = eventually([&] { return sql(stalled) == "1"; }, 10000);
  if (!taken_for_dead) kill(nodes_[from]->pid(), SIGCONT);
  ASSERT_TRUE(taken_for_dead);
  // Bob joins through the other node: the room is placed there now.
  bob.connect(nodes_[to]->base_url());
  bool joined = bob.enter(room) != nullptr;
  ASSERT_EQ(kill(nodes_[from]->pid(), SIGCONT), 0);
  ASSERT_TRUE(joined);
  EXPECT_EQ(bob.node_url, nodes_[to]->base_url());
  EXPECT_EQ(owner_of(room), "n" + std::to_string(to));

  // The paused node wakes up and sends Alice where the call is now.
  auto redirect = alice.ws->wait_for("redirect", 10000);
  ASSERT_TRUE(redirect) << "the paused node hands its copy of the call over";
  ASSERT_TRUE(alice.follow(redirect.get()));
  ASSERT_TRUE(alice.enter(room));
  EXPECT_EQ(alice.node_url, nodes_[to]->base_url());
  alice.chat("together again");
  EXPECT_TRUE(bob.sees_chat("together again"));
  // One node carries the room: the woken node did not take it back, and its
  // copy of the call emptied (its media left with Alice).
  g_usleep(2500000);
  EXPECT_EQ(owner_of(room), "n" + std::to_string(to));
  HttpClient woken(nodes_[from]->base_url());
  auto participants = [&] {
    return prometheus_value(woken.get("/metrics", {{"Authorization", "Bearer scrape"}}).body,
                            "convene_media_participants");
  };
  EXPECT_TRUE(eventually([&] { return participants() == 0; }, 8000)) << participants();
  // Its recording of the call stopped there; the file it wrote is complete.
  EXPECT_EQ(prometheus_value(woken.get("/metrics", {{"Authorization", "Bearer scrape"}}).body,
                             "convene_recordings_active"),
            0);
  EXPECT_TRUE(eventually([&] { return sql(rec_status) == "READY"; }, 8000)) << sql(rec_status);
}

// A reminder found by one node's scheduler reaches the user connected to
// another node (whose own scheduler does not look for an hour).
TEST_F(Cluster, ReminderReachesAUserOnAnotherNode) {
  add_node("n0", {{"CONVENE_MEETING_REMINDER_CHECK_SEC", "3600"}});
  add_node("n1", {{"CONVENE_MEETING_REMINDER_CHECK_SEC", "1"}});
  HttpClient host(nodes_[0]->base_url());
  host.register_user("planner");
  auto ws = WsClient::connect(nodes_[0]->base_url(), host.token());
  ASSERT_TRUE(ws);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes(now, 10);
  g_autofree char* when = g_date_time_format_iso8601(soon);
  auto room = host.post("/rooms", std::string(R"({"name":"Planning","scheduledAt":")") + when + R"(","durationMin":30})");
  ASSERT_EQ(room.status, 201) << room.body;
  auto reminder = ws->wait_for("reminder", 8000);
  ASSERT_TRUE(reminder);
  EXPECT_EQ(int_field(reminder.get(), "minutesBefore"), 15);
  EXPECT_FALSE(ws->wait_for("reminder", 2000)) << "delivered once";
}

// A node starting must not close attendance of calls running on other nodes
// (a single node closes what its own crash left open: the idle-room janitor
// would end those meetings), nor "recover" their running recordings.
TEST_F(Cluster, AStartingNodeLeavesOtherNodesAttendanceOpen) {
  start(1);
  Member alice(nodes_[0]->base_url(), "alice");
  std::string room = alice.http.post("/rooms", R"({"name":"Open"})").str("id");
  ASSERT_TRUE(alice.enter(room));
  std::string open_rows = "SELECT COUNT(*) FROM room_participants WHERE left_at IS NULL AND room_id = '" + room + "'";
  ASSERT_TRUE(eventually([&] { return sql(open_rows) == "1"; }, 5000));
  // n0 records this call, in its own directory.
  sql("INSERT INTO recordings (id, room_id, filename, path, status, started_at) VALUES ('rec-n0', '" + room + "', 'r.webm', '" +
      nodes_[0]->data_dir() + "/recordings/rec-n0.webm', 'RECORDING', 1)");
  add_node("n1");
  HttpClient(nodes_[1]->base_url()).get("/health");  // its start-up work has been queued by now
  g_usleep(1000000);
  EXPECT_EQ(sql(open_rows), "1");
  EXPECT_EQ(sql("SELECT status FROM recordings WHERE id = 'rec-n0'"), "RECORDING")
      << "a starting node does not recover another node's running recording";
}

}  // namespace
