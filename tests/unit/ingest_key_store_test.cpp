// Ingest keys in the store on both backends: only the hash is kept, a key
// finds its row in its own room only, revoking deletes it.
#include <gtest/gtest.h>

#include "ingest/ingest_key_repository.h"
#include "rooms/room_repository.h"
#include "store/migrator.h"
#include "test_database.h"

using namespace convene;
using convene::testing::BackendTest;

namespace {

class IngestKeys : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::migrate(*conn_);
    conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ('owner', 'o@example.test', 'owner', 1)");
    for (std::string* id : {&room_, &other_room_}) {
      rooms::RoomRecord r;
      r.name = "Room";
      r.type = "GROUP";
      r.host_id = "owner";
      r.created_at = 1;
      *id = rooms::room_store::create(*conn_, r).id;
    }
  }
  std::string room_, other_room_;
};

}  // namespace

TEST_P(IngestKeys, StoredHashedFoundInItsRoomOnlyAndRevoked) {
  auto obs = ingest::ingest_key_store::create(*conn_, room_, "OBS", "owner", 10);
  auto cam = ingest::ingest_key_store::create(*conn_, room_, "Camera 2", "owner", 20);
  EXPECT_EQ(obs.secret.size(), 64u);  // 256 bits, hex
  EXPECT_NE(obs.secret, cam.secret);

  // The secret is nowhere in the table; its SHA-256 is.
  store::Result rows = conn_->exec("SELECT key_hash FROM ingest_keys WHERE id = $1", {obs.key.id});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.row(0).text("key_hash"), ingest::ingest_key_store::hash(obs.secret));
  EXPECT_EQ(conn_->exec("SELECT id FROM ingest_keys WHERE key_hash = $1 OR name = $1", {obs.secret}).size(), 0u);

  auto found = ingest::ingest_key_store::find_by_secret(*conn_, room_, obs.secret);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, obs.key.id);
  EXPECT_EQ(found->name, "OBS");
  EXPECT_FALSE(ingest::ingest_key_store::find_by_secret(*conn_, other_room_, obs.secret));
  EXPECT_FALSE(ingest::ingest_key_store::find_by_secret(*conn_, room_, "not-a-key"));
  EXPECT_FALSE(ingest::ingest_key_store::find_by_secret(*conn_, room_, ""));

  auto listed = ingest::ingest_key_store::for_room(*conn_, room_);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "OBS");
  EXPECT_EQ(listed[1].name, "Camera 2");
  EXPECT_TRUE(ingest::ingest_key_store::for_room(*conn_, other_room_).empty());

  EXPECT_FALSE(ingest::ingest_key_store::remove(*conn_, other_room_, obs.key.id));  // not that room's key
  EXPECT_TRUE(ingest::ingest_key_store::remove(*conn_, room_, obs.key.id));
  EXPECT_FALSE(ingest::ingest_key_store::remove(*conn_, room_, obs.key.id));
  EXPECT_FALSE(ingest::ingest_key_store::find_by_secret(*conn_, room_, obs.secret));
  EXPECT_TRUE(ingest::ingest_key_store::find_by_secret(*conn_, room_, cam.secret));
}

INSTANTIATE_TEST_SUITE_P(Backends, IngestKeys, ::testing::Values("sqlite", "postgresql"));
