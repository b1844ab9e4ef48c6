// A Convene cluster's calls carry media (issue #16): three nodes on one
// PostgreSQL, two webrtcbin participants that open their WebSockets on
// different nodes, are redirected to the room's node and decode each other's
// video through its SFU; then that node is SIGKILLed and both come back
// through a surviving node, decoding again. Inside the media tests' network
// namespace (only lo), PostgreSQL is reached through its Unix socket, which
// scripts/lib/postgres.sh puts next to the data directory.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"
#include "whip_client.h"

namespace convene::testing {
namespace {

std::string owner_of(const std::string& db, const std::string& room) {
  PGconn* c = PQconnectdb(db.c_str());
  PGresult* r = PQexecParams(c, "SELECT node_id FROM cluster_placements WHERE room_id = $1", 1, nullptr,
                             std::vector<const char*>{room.c_str()}.data(), nullptr, nullptr, 0);
  std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return v;
}

std::vector<std::unique_ptr<ServerProcess>> start_nodes(const std::string& db, int n) {
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < n; ++i) {
    ServerOptions o;
    o.database = db;
    o.env = {{"CONVENE_CLUSTER_ENABLED", "true"},
             {"CONVENE_CLUSTER_NODE_ID", "n" + std::to_string(i)},
             {"CONVENE_CLUSTER_HEARTBEAT_SEC", "1"},
             {"CONVENE_CLUSTER_DEAD_AFTER_SEC", "3"},
             {"CONVENE_AUTH_SECRET", "cluster-media-secret-0123456789abcdef0123456789"},
             {"CONVENE_MEDIA_ICE_ADDRESSES", "127.0.0.1"},
             {"CONVENE_MEDIA_ANSWER_TIMEOUT_SEC", "3"}};
    nodes.push_back(std::make_unique<ServerProcess>(o));
  }
  return nodes;
}

bool have_postgres() { return !postgres_socket_url("postgres").empty(); }

TEST(ClusterSfu, CallAcrossNodesSurvivesItsNodeBeingKilled) {
  if (!have_postgres()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP() << "cluster mode needs PostgreSQL (scripts/test provides one)";
  }
  std::string db = create_postgres_socket_database("convene_c_");
  auto nodes = start_nodes(db, 3);
  TestPerson a(nodes[0]->base_url(), "alice"), b(nodes[1]->base_url(), "bob");
  auto r = a.http.post("/rooms", R"({"name":"Cluster call"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string room = r.str("id");
  b.become_member(room);
  ASSERT_TRUE(a.join_following_redirects(room));
  ASSERT_TRUE(b.join_following_redirects(room));
  std::string owner = owner_of(db, room);
  ASSERT_FALSE(owner.empty());

  auto decode_each_other = [&](int timeout_ms) {
    auto ca = std::make_unique<SfuClient>(a, SfuClientOptions{"red"});
    auto cb = std::make_unique<SfuClient>(b, SfuClientOptions{"green"});
    ca->publish();
    cb->publish();
    bool ok = pump_until({ca.get(), cb.get()}, timeout_ms, [&] {
      return ca->frames_from(b.peer_id) >= 20 && cb->frames_from(a.peer_id) >= 20;
    });
    std::printf("a<-b %d b<-a %d frames\n", ca->frames_from(b.peer_id), cb->frames_from(a.peer_id));
    return ok;
  };
  ASSERT_TRUE(decode_each_other(30000)) << "both decode the other's video through the room's node";

  // The room's node dies; both come back through a node that lives.
  int dead = std::stoi(owner.substr(1));
  int64_t killed_at = g_get_monotonic_time();
  nodes[dead]->kill_hard();
  const std::string& survivor = nodes[(dead + 1) % 3]->base_url();
  bool back = false;
  while (!back && g_get_monotonic_time() - killed_at < 15'000'000) {
    a.ws = WsClient::connect(survivor, a.http.token());
    back = a.ws && a.join_following_redirects(room, 3000);
    if (!back) g_usleep(300000);
  }
  // Bounded by the loop: dead_after_sec (3) plus reconnecting, well under 15 s.
  ASSERT_TRUE(back) << "alice is back in the call within 15 s";
  b.ws = WsClient::connect(nodes[(dead + 2) % 3]->base_url(), b.http.token());
  ASSERT_TRUE(b.join_following_redirects(room));
  EXPECT_NE(owner_of(db, room), owner);
  ASSERT_TRUE(decode_each_other(20000)) << "media flows again on the new node";
  double seconds = (g_get_monotonic_time() - killed_at) / 1e6;
  std::printf("SIGKILL to media flowing again for both: %.1f s\n", seconds);
}

// WHIP through a node that does not carry the room: the request is forwarded
// to the room's node, where the publisher enters the call (its answer's
// candidates are that node's), and the session's Location, deleted through
// the first node again, ends it there.
TEST(ClusterSfu, WhipThroughAnotherNodePublishesOnTheRoomsNode) {
  if (!have_postgres()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP() << "cluster mode needs PostgreSQL (scripts/test provides one)";
  }
  std::string db = create_postgres_socket_database("convene_w_");
  auto nodes = start_nodes(db, 2);
  TestPerson host(nodes[0]->base_url(), "host");
  auto r = host.http.post("/rooms", R"({"name":"Broadcast"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string room = r.str("id");
  ASSERT_TRUE(host.join_following_redirects(room));
  std::string owner = owner_of(db, room);
  ASSERT_FALSE(owner.empty());
  const ServerProcess& other = *nodes[1 - std::stoi(owner.substr(1))];
  auto key = host.http.post("/rooms/" + room + "/ingest-keys", R"({"name":"OBS Studio"})");
  ASSERT_EQ(key.status, 201) << key.body;

  SfuClient viewer(host, SfuClientOptions{"red"});
  WhipClient obs;
  Response answer = obs.publish(other.base_url(), "/whip/" + room, key.str("key"));
  ASSERT_EQ(answer.status, 201) << answer.body;
  EXPECT_EQ(answer.headers["content-type"].rfind("application/sdp", 0), 0u);
  EXPECT_EQ(obs.location().rfind("/whip/" + room + "/", 0), 0u) << obs.location();
  std::string whip_peer;
  auto joined = [&] {
    for (auto& m : viewer.others()) {
      if (str_field(m.get(), "type") != "peer-joined") continue;
      JsonObject* peer = json_object_get_object_member(obj(m.get()), "peer");
      if (peer && std::string(json_object_get_string_member_with_default(peer, "username", "")) == "OBS Studio")
        whip_peer = json_object_get_string_member_with_default(peer, "peerId", "");
    }
    return !whip_peer.empty();
  };
  ASSERT_TRUE(pump_until({&viewer}, 10000, joined)) << "the publisher joins the call on the room's node";
  EXPECT_TRUE(pump_until({&viewer}, 30000, [&] { return viewer.frames_from(whip_peer) >= 20; }))
      << "the host decodes the WHIP publisher: " << viewer.describe();
  EXPECT_EQ(owner_of(db, room), owner) << "the room stayed on its node";

  // DELETE of the Location, through the node that answered the POST.
  EXPECT_EQ(obs.stop(other.base_url()).status, 200);
  EXPECT_TRUE(pump_until({&viewer}, 10000, [&] {
    for (auto& m : viewer.others())
      if (str_field(m.get(), "type") == "peer-left" && str_field(m.get(), "peerId") == whip_peer) return true;
    return false;
  })) << "the publisher left the call";
}

}  // namespace
}  // namespace convene::testing
