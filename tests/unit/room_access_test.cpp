// Admission, kicks and held mutes in the store, and the one check content
// endpoints use, on both backends.
#include <gtest/gtest.h>

#include "http/error.h"
#include "rooms/room_access.h"
#include "rooms/room_repository.h"
#include "store/migrator.h"
#include "test_database.h"

using namespace convene;
using convene::testing::BackendTest;

namespace {

class RoomAccess : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::migrate(*conn_);
    for (const char* u : {"owner", "ann", "bob", "cohost", "stranger"})
      conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ($1, $2, $1, 1)",
                  {u, std::string(u) + "@example.test"});
    rooms::RoomRecord r;
    r.name = "Room";
    r.type = "GROUP";
    r.host_id = "owner";
    r.created_at = 1;
    room_ = rooms::room_store::create(*conn_, r).id;
  }

  // The code require_admitted refuses with ("" when it lets the user in).
  std::string refusal(const std::string& user) {
    try {
      rooms::require_admitted(rooms::room_store::member_access(*conn_, room_, user));
      return "";
    } catch (const http::Error& e) {
      return std::to_string(e.status) + " " + e.code;
    }
  }

  std::string room_;
};

}  // namespace

TEST_P(RoomAccess, OnlyAdmittedMembersAndHostsSeeContent) {
  rooms::room_store::add_member(*conn_, room_, "ann", "PARTICIPANT", "waiting");
  rooms::room_store::add_member(*conn_, room_, "bob", "PARTICIPANT");
  rooms::room_store::add_member(*conn_, room_, "cohost", "CO_HOST", "waiting");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "ann"), "waiting");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "bob"), "admitted");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "owner"), "admitted");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "stranger"), std::nullopt);

  EXPECT_EQ(refusal("owner"), "");
  EXPECT_EQ(refusal("bob"), "");
  EXPECT_EQ(refusal("cohost"), "");  // hosts and co-hosts run the lobby: never held in it
  EXPECT_EQ(refusal("ann"), "403 not_admitted");
  EXPECT_EQ(refusal("stranger"), "403 forbidden");
  try {
    rooms::require_admitted(rooms::room_store::member_access(*conn_, "no-such-room", "ann"));
    ADD_FAILURE() << "an unknown room must be refused";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status, 404);
  }

  rooms::room_store::set_status(*conn_, room_, "ann", "admitted");
  EXPECT_EQ(refusal("ann"), "");
  rooms::room_store::set_status(*conn_, room_, "ann", "kicked");
  rooms::room_store::set_status(*conn_, room_, "cohost", "kicked");
  EXPECT_EQ(refusal("ann"), "403 kicked");
  EXPECT_EQ(refusal("cohost"), "403 kicked");
}

TEST_P(RoomAccess, LeavingDoesNotLiftAKick) {
  rooms::room_store::add_member(*conn_, room_, "ann", "PARTICIPANT");
  rooms::room_store::add_member(*conn_, room_, "bob", "PARTICIPANT");
  rooms::room_store::set_status(*conn_, room_, "ann", "kicked");
  rooms::room_store::remove_member(*conn_, room_, "ann");
  rooms::room_store::remove_member(*conn_, room_, "bob");
  rooms::room_store::remove_member(*conn_, room_, "owner");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "ann"), "kicked");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "bob"), std::nullopt);
  EXPECT_EQ(rooms::room_store::role_of(*conn_, room_, "owner"), "HOST");
  // Joining again (an existing membership) keeps the kick.
  rooms::room_store::add_member(*conn_, room_, "ann", "PARTICIPANT", "admitted");
  EXPECT_EQ(rooms::room_store::status_of(*conn_, room_, "ann"), "kicked");
}

TEST_P(RoomAccess, HeldMutesPerUserAndSource) {
  rooms::room_store::add_member(*conn_, room_, "ann", "PARTICIPANT");
  rooms::room_store::set_hard_mute(*conn_, room_, "ann", "microphone", "owner", true);
  rooms::room_store::set_hard_mute(*conn_, room_, "ann", "camera", "owner", true);
  rooms::room_store::set_hard_mute(*conn_, room_, "ann", "camera", "owner", true);  // again: one row
  EXPECT_EQ(rooms::room_store::hard_mutes(*conn_, room_, "ann"), (std::vector<std::string>{"camera", "microphone"}));
  EXPECT_TRUE(rooms::room_store::hard_mutes(*conn_, room_, "bob").empty());
  rooms::room_store::set_hard_mute(*conn_, room_, "ann", "camera", "owner", false);
  EXPECT_EQ(rooms::room_store::hard_mutes(*conn_, room_, "ann"), (std::vector<std::string>{"microphone"}));
}

TEST_P(RoomAccess, ATransferMakesTheNewOwnerAnAdmittedHost) {
  rooms::room_store::add_member(*conn_, room_, "ann", "PARTICIPANT", "waiting");
  rooms::room_store::set_host(*conn_, room_, "ann");
  auto a = rooms::room_store::member_access(*conn_, room_, "ann");
  EXPECT_TRUE(a.owner);
  EXPECT_EQ(a.role, "HOST");
  EXPECT_EQ(a.status, "admitted");
  EXPECT_EQ(rooms::room_store::role_of(*conn_, room_, "owner"), "CO_HOST");
}

INSTANTIATE_TEST_SUITE_P(Backends, RoomAccess, ::testing::Values("sqlite", "postgresql"));
