// Where rooms go in a cluster: the choice as a table, and the claim in the
// store (two nodes racing for one room end with one owner; a dead owner's
// rooms are taken over and its recordings marked FAILED).
#include <gtest/gtest.h>

#include <thread>

#include "cluster/cluster_repository.h"
#include "cluster/placement_policy.h"
#include "rooms/room_repository.h"
#include "store/migrator.h"
#include "test_database.h"

using namespace convene;
using convene::cluster::NodeLoad;
using convene::testing::BackendTest;

namespace {

constexpr int64_t kNow = 1'000'000, kDead = 10'000;

struct ChoiceCase {
  const char* what;
  std::vector<NodeLoad> nodes;
  std::optional<std::string> expected;
};

TEST(PlacementPolicy, ChoosesTheLeastLoadedLiveNode) {
  const std::vector<ChoiceCase> cases = {
      {"no nodes", {}, std::nullopt},
      {"one live node", {{"a", kNow, false, 5, 50}}, "a"},
      {"fewest rooms wins", {{"a", kNow, false, 2, 0}, {"b", kNow, false, 1, 90}}, "b"},
      {"then fewest participants", {{"a", kNow, false, 1, 9}, {"b", kNow, false, 1, 3}}, "b"},
      {"then the smaller id", {{"b", kNow, false, 1, 3}, {"a", kNow, false, 1, 3}}, "a"},
      {"a dead node is skipped", {{"a", kNow - kDead, false, 0, 0}, {"b", kNow, false, 7, 7}}, "b"},
      {"just alive", {{"a", kNow - kDead + 1, false, 0, 0}, {"b", kNow, false, 7, 7}}, "a"},
      {"a draining node is skipped", {{"a", kNow, true, 0, 0}, {"b", kNow, false, 7, 7}}, "b"},
      {"all draining or dead", {{"a", kNow, true, 0, 0}, {"b", 0, false, 0, 0}}, std::nullopt},
  };
  for (auto& c : cases) EXPECT_EQ(cluster::choose_node(c.nodes, kNow, kDead), c.expected) << c.what;
}

class ClusterStore : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::migrate(*conn_);
    conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ('u', 'u@example.test', 'u', 1)");
  }
  std::string room() {
    rooms::RoomRecord r;
    r.name = "Room";
    r.type = "GROUP";
    r.host_id = "u";
    r.created_at = 1;
    return rooms::room_store::create(*conn_, r).id;
  }
  void node(const std::string& id, int64_t heartbeat_at, bool draining = false) {
    cluster::cluster_store::heartbeat(*conn_, {id, "http://" + id, 1, heartbeat_at, draining, 0, 0});
  }
};

TEST_P(ClusterStore, ClaimsSpreadAndStay) {
  node("a", kNow);
  node("b", kNow);
  std::string r1 = room(), r2 = room(), r3 = room();
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r1, kNow, kDead)->node_id, "a");
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r2, kNow, kDead)->node_id, "b");
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r3, kNow, kDead)->node_id, "a");
  // Asked again, a placed room stays where it is.
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r2, kNow, kDead)->node_id, "b");
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r2, kNow, kDead)->advertise_url, "http://b");
  // Only the owner releases; then b has no room and takes the next one.
  EXPECT_FALSE(cluster::cluster_store::release(*conn_, r2, "a"));
  EXPECT_TRUE(cluster::cluster_store::release(*conn_, r2, "b"));
  EXPECT_FALSE(cluster::cluster_store::release(*conn_, r2, "b"));
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, room(), kNow, kDead)->node_id, "b");
}

TEST_P(ClusterStore, DeadOwnerIsReplacedAndItsRecordingsFail) {
  node("a", kNow);
  std::string r = room();
  ASSERT_EQ(cluster::cluster_store::claim(*conn_, r, kNow, kDead)->node_id, "a");
  conn_->exec("INSERT INTO recordings (id, room_id, filename, status, started_at) VALUES ('rec', $1, 'f', 'RECORDING', 1)",
              {r});
  node("b", kNow + kDead);
  // a has been silent for dead_after: the room goes to b on the next claim,
  // and the recording a was making there failed with it.
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, r, kNow + kDead, kDead)->node_id, "b");
  EXPECT_EQ(conn_->exec("SELECT status FROM recordings WHERE id = 'rec'").row(0).text("status"), "FAILED");
  // The sweep releases what dead nodes still hold, and fails their recordings.
  std::string r2 = room();
  conn_->exec("INSERT INTO cluster_placements (room_id, node_id, placed_at) VALUES ($1, 'a', 1)", {r2});
  conn_->exec("INSERT INTO recordings (id, room_id, filename, status, started_at) VALUES ('rec2', $1, 'f', 'RECORDING', 1)",
              {r2});
  conn_->exec("INSERT INTO room_participants (id, room_id, user_id, role, joined_at) VALUES ('p2', $1, 'u', 'HOST', 1)",
              {r2});
  auto released = cluster::cluster_store::release_dead(*conn_, kNow + kDead, kDead);
  EXPECT_EQ(released, std::vector<std::string>{r2});
  EXPECT_EQ(conn_->exec("SELECT status FROM recordings WHERE id = 'rec2'").row(0).text("status"), "FAILED");
  EXPECT_EQ(conn_->exec("SELECT COUNT(*) AS n FROM cluster_placements WHERE node_id = 'a'").row(0).integer("n"), 0);
  // The dead node's calls ended with it: their attendance is closed.
  EXPECT_EQ(conn_->exec("SELECT left_at FROM room_participants WHERE id = 'p2'").row(0).integer("left_at"), kNow + kDead);
}

TEST_P(ClusterStore, ARestartedNodeForgetsWhatItHeld) {
  node("a", kNow);
  node("b", kNow);
  std::string mine = room(), theirs = room();
  conn_->exec("INSERT INTO cluster_placements (room_id, node_id, placed_at) VALUES ($1, 'a', 1), ($2, 'b', 1)",
              {mine, theirs});
  conn_->exec("INSERT INTO room_participants (id, room_id, user_id, role, joined_at) VALUES ('p1', $1, 'u', 'HOST', 1),"
              " ('p2', $2, 'u', 'HOST', 1)",
              {mine, theirs});
  EXPECT_EQ(cluster::cluster_store::forget_previous_run(*conn_, "a", kNow), 1);
  EXPECT_EQ(conn_->exec("SELECT left_at FROM room_participants WHERE id = 'p1'").row(0).integer("left_at"), kNow);
  EXPECT_TRUE(conn_->exec("SELECT left_at FROM room_participants WHERE id = 'p2'").row(0)["left_at"].is_null())
      << "another node's call is not touched";
  EXPECT_EQ(cluster::cluster_store::claim(*conn_, theirs, kNow, kDead)->node_id, "b");
}

TEST_P(ClusterStore, NoLiveNodeNoPlacement) {
  node("a", kNow, /*draining=*/true);
  EXPECT_FALSE(cluster::cluster_store::claim(*conn_, room(), kNow, kDead).has_value());
}

// Two nodes, each on its own connection, claim the same new rooms at once:
// every room ends with exactly one owner, and both see the same one.
TEST_P(ClusterStore, RacingClaimsAgreeOnOneOwner) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "SQLite has one writer: no race to test";
  node("a", kNow);
  node("b", kNow);
  std::vector<std::string> rooms;
  for (int i = 0; i < 20; ++i) rooms.push_back(room());
  std::vector<std::string> seen_a(rooms.size()), seen_b(rooms.size());
  auto racer = [&](std::vector<std::string>* seen) {
    auto c = store_->connect();
    for (size_t i = 0; i < rooms.size(); ++i) {
      for (int attempt = 0; attempt < 5 && (*seen)[i].empty(); ++attempt) {
        try {
          (*seen)[i] = cluster::cluster_store::claim(*c, rooms[i], kNow, kDead)->node_id;
        } catch (const store::Error&) {
          // A unique-violation between the two inserts is a retry, never two owners.
        }
      }
    }
  };
  std::thread ta(racer, &seen_a), tb(racer, &seen_b);
  ta.join();
  tb.join();
  for (size_t i = 0; i < rooms.size(); ++i) {
    EXPECT_FALSE(seen_a[i].empty());
    EXPECT_EQ(seen_a[i], seen_b[i]) << "room " << i;
  }
  EXPECT_EQ(conn_->exec("SELECT COUNT(*) AS n FROM cluster_placements").row(0).integer("n"), 20);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterStore, ::testing::Values("sqlite", "postgresql"));

}  // namespace
