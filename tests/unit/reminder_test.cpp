// Reminders go out once per meeting and offset, on both backends, and reach
// users in-app and by a real SMTP conversation.
#include <gtest/gtest.h>

#include "fake_smtp.h"
#include "meeting/reminder_scheduler.h"
#include "store/migrator.h"
#include "test_database.h"
#include "util/time.h"

using namespace convene;
using convene::testing::BackendTest;

namespace {

class Reminders : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::migrate(*conn_);
    conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ('host','host@example.test','host',1)");
    conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ('ann','ann@example.test','ann',1)");
  }
  void add_room(const std::string& id, int64_t scheduled_at) {
    conn_->exec(
        "INSERT INTO rooms (id, name, type, invite_code, host_id, is_active, max_participants, created_at,"
        " scheduled_at) VALUES ($1, $2, 'GROUP', $3, 'host', 1, 50, 1, $4)",
        {id, "Planning " + id, "code-" + id, scheduled_at});
    conn_->exec("INSERT INTO room_invitations (room_id, email, invited_at) VALUES ($1, 'ann@example.test', 1)", {id});
    conn_->exec("INSERT INTO room_invitations (room_id, email, invited_at) VALUES ($1, 'guest@elsewhere.test', 1)",
                {id});
  }
};

struct RecordingNotifier : meeting::UserNotifier {
  std::vector<std::pair<std::string, std::string>> sent;  // user, message
  void notify_user(const std::string& user, json::Object&& m) override {
    sent.emplace_back(user, std::move(m).to_string());
  }
};

constexpr int64_t kMinute = 60000;

}  // namespace

TEST_P(Reminders, EachReminderIsClaimedOnce) {
  int64_t now = 1'800'000'000'000;
  add_room("r1", now + 10 * kMinute);
  auto due = meeting::claim_due_reminders(*conn_, now, {15, 5});
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].minutes_before, 15);
  EXPECT_EQ(due[0].emails.size(), 3u);     // host + two invitees
  EXPECT_EQ(due[0].user_ids.size(), 2u);   // host + the invitee with an account
  EXPECT_TRUE(meeting::claim_due_reminders(*conn_, now + kMinute, {15, 5}).empty());

  // Five minutes before: the second reminder, once.
  due = meeting::claim_due_reminders(*conn_, now + 6 * kMinute, {15, 5});
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].minutes_before, 5);
  EXPECT_TRUE(meeting::claim_due_reminders(*conn_, now + 7 * kMinute, {15, 5}).empty());

  // A "restarted server" (a new connection) does not send them again.
  auto other = store_->connect();
  EXPECT_TRUE(meeting::claim_due_reminders(*other, now + 7 * kMinute, {15, 5}).empty());
  EXPECT_EQ(conn_->exec("SELECT COUNT(*) AS n FROM reminders_sent").row(0).integer("n"), 2);
}

TEST_P(Reminders, MissedWindowIsNotSentLate) {
  int64_t now = 1'800'000'000'000;
  add_room("r2", now + 3 * kMinute);  // the server was down at 15 minutes before
  auto due = meeting::claim_due_reminders(*conn_, now, {15, 5});
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].minutes_before, 5);
  EXPECT_EQ(conn_->exec("SELECT COUNT(*) AS n FROM reminders_sent WHERE room_id = 'r2'").row(0).integer("n"), 2);
  // Far-away and past meetings get nothing.
  add_room("far", now + 60 * kMinute);
  add_room("past", now - kMinute);
  EXPECT_TRUE(meeting::claim_due_reminders(*conn_, now, {15, 5}).empty());
}

TEST_P(Reminders, SchedulerDeliversInAppAndByEmail) {
  convene::testing::FakeSmtpServer smtp;
  meeting::Mailer mailer({smtp.url(), "", "", "Convene <noreply@convene.test>", "never", 10});
  meeting::ReminderScheduler scheduler(*store_, mailer, {15, 5}, "http://127.0.0.1:8080");
  RecordingNotifier notifier;
  scheduler.set_notifier(&notifier);
  add_room("r3", timeutil::now_ms() + 10 * kMinute);

  size_t sent = 99;
  scheduler.tick([&](size_t n) { sent = n; });
  while (sent == 99) g_main_context_iteration(nullptr, TRUE);
  EXPECT_EQ(sent, 1u);
  ASSERT_EQ(notifier.sent.size(), 2u);
  EXPECT_NE(notifier.sent[0].second.find("\"type\":\"reminder\""), std::string::npos);
  EXPECT_NE(notifier.sent[0].second.find("\"minutesBefore\":15"), std::string::npos);
  auto mails = smtp.wait_for(1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to.size(), 3u);
  EXPECT_NE(mails[0].data.find("starts in 15 minutes"), std::string::npos);
  EXPECT_NE(mails[0].data.find("/join/code-r3"), std::string::npos);

  sent = 99;
  scheduler.tick([&](size_t n) { sent = n; });
  while (sent == 99) g_main_context_iteration(nullptr, TRUE);
  EXPECT_EQ(sent, 0u);
  EXPECT_EQ(notifier.sent.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Reminders, ::testing::Values("sqlite", "postgresql"));
