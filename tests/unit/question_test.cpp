// Q&A ordering and single votes, on both backends.
#include <gtest/gtest.h>

#include "meeting/question_repository.h"
#include "store/migrator.h"
#include "test_database.h"

using namespace convene;
using convene::testing::BackendTest;

namespace {

class Questions : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::migrate(*conn_);
    for (const char* u : {"u1", "u2", "u3"})
      conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ($1, $2, $1, 1)",
                  {u, std::string(u) + "@example.test"});
    for (const char* r : {"room", "other"})
      conn_->exec(
          "INSERT INTO rooms (id, name, type, invite_code, host_id, max_participants, created_at)"
          " VALUES ($1, $1, 'GROUP', $1, 'u1', 50, 1)",
          {r});
  }
};

}  // namespace

TEST_P(Questions, OrderedPinnedThenVotesThenTime) {
  auto a = meeting::questions::ask(*conn_, "room", "u1", "u1", "first?", 100);
  auto b = meeting::questions::ask(*conn_, "room", "u2", "u2", "second?", 200);
  auto c = meeting::questions::ask(*conn_, "room", "u3", "u3", "third?", 300);
  meeting::questions::toggle_vote(*conn_, "room", c.id, "u1");
  meeting::questions::toggle_vote(*conn_, "room", c.id, "u2");
  meeting::questions::toggle_vote(*conn_, "room", b.id, "u1");
  auto l = meeting::questions::list(*conn_, "room");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].id, c.id);
  EXPECT_EQ(l[0].votes, 2);
  EXPECT_EQ(l[1].id, b.id);
  EXPECT_EQ(l[2].id, a.id);

  ASSERT_TRUE(meeting::questions::set_flag(*conn_, "room", a.id, "pinned", true));
  l = meeting::questions::list(*conn_, "room", "u1");
  EXPECT_EQ(l[0].id, a.id);
  EXPECT_TRUE(l[0].pinned);
  EXPECT_TRUE(l[1].voted_by_me);  // u1 voted for c
}

TEST_P(Questions, VotingAgainTogglesOff) {
  auto q = meeting::questions::ask(*conn_, "room", "u1", "u1", "q?", 1);
  EXPECT_EQ(meeting::questions::toggle_vote(*conn_, "room", q.id, "u2")->votes, 1);
  EXPECT_EQ(meeting::questions::toggle_vote(*conn_, "room", q.id, "u2")->votes, 0);
  EXPECT_EQ(meeting::questions::toggle_vote(*conn_, "room", q.id, "u2")->votes, 1);
  EXPECT_EQ(conn_->exec("SELECT COUNT(*) AS n FROM question_votes").row(0).integer("n"), 1);
}

TEST_P(Questions, AnotherRoomsQuestionIsOutOfReach) {
  auto q = meeting::questions::ask(*conn_, "other", "u1", "u1", "q?", 1);
  EXPECT_FALSE(meeting::questions::toggle_vote(*conn_, "room", q.id, "u2"));
  EXPECT_FALSE(meeting::questions::set_flag(*conn_, "room", q.id, "answered", true));
  EXPECT_FALSE(meeting::questions::remove(*conn_, "room", q.id));
  EXPECT_TRUE(meeting::questions::remove(*conn_, "other", q.id));
}

INSTANTIATE_TEST_SUITE_P(Backends, Questions, ::testing::Values("sqlite", "postgresql"));
