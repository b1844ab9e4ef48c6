// Meeting endpoints against the real server: transcript access, AI summary
// with both providers, and e-mail invitations through a real SMTP conversation.
// Rooms are seeded straight into the server's SQLite file (WAL lets two
// processes share it), so these tests depend on nothing but the meeting module.
#include <gtest/gtest.h>
#include <libsoup/soup.h>
#include <sqlite3.h>


#include "fake_smtp.h"
#include "http_client.h"
#include "loopback_http_server.h"
#include "server_process.h"
#include "ws_client.h"

using namespace convene::testing;

namespace {

void sql(const ServerProcess& server, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << statement;
  sqlite3_free(err);
  sqlite3_close(db);
}

// host owns room "r1" (scheduled), member is in it, outsider is not.
struct Meeting {
  ServerProcess& server;
  HttpClient host, member, outsider;
  std::string host_id, member_id;
  explicit Meeting(ServerProcess& s)
      : server(s), host(s.base_url()), member(s.base_url()), outsider(s.base_url()) {
    host_id = host.register_user("hosty");
    member_id = member.register_user("member");
    outsider.register_user("outsider");
    sql(server, "INSERT INTO rooms (id, name, type, invite_code, host_id, max_participants, created_at, scheduled_at,"
                " duration_min, description) VALUES ('r1', 'Roadmap review', 'GROUP', 'code-r1', '" + host_id +
                    "', 50, 1, 1800000000000, 45, 'Quarterly roadmap')");
    sql(server, "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ('r1', '" + member_id +
                    "', 'PARTICIPANT', 1)");
    const char* lines[][2] = {{"hosty", "We review the mobile release plan today."},
                              {"member", "The mobile release is blocked by the login crash."},
                              {"member", "I will fix the login crash by Friday."},
                              {"hosty", "We decided to delay the mobile release by one week."}};
    int t = 0;
    for (auto& l : lines) {
      ++t;
      sql(server, std::string("INSERT INTO transcript_lines (id, room_id, speaker, text, created_at) VALUES ('t") +
                      std::to_string(t) + "', 'r1', '" + l[0] + "', '" + l[1] + "', " + std::to_string(t) + ")");
    }
  }
};

// An OpenAI-compatible endpoint (the test thread blocks in HTTP calls, so it has its own).
class FakeChatCompletions {
 public:
  explicit FakeChatCompletions(std::string content, int status = 200)
      : server_([content = std::move(content), status](SoupServerMessage* msg, const std::string& path, GHashTable*) {
          if (path != "/v1/chat/completions") return LoopbackHttpServer::reply_json(msg, 404, "{}");
          LoopbackHttpServer::reply_json(msg, status, chat_completion_body(content));
        }) {}
  std::string url() const { return server_.base_url() + "/v1"; }

 private:
  LoopbackHttpServer server_;
};

}  // namespace

TEST(Meeting, TranscriptIsForMembersOnly) {
  ServerProcess server;
  Meeting m(server);
  auto r = m.member.get("/rooms/r1/transcript");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("login crash"), std::string::npos);
  EXPECT_EQ(m.outsider.get("/rooms/r1/transcript").status, 403);
  EXPECT_EQ(m.member.get("/rooms/nope/transcript").status, 404);
  EXPECT_EQ(HttpClient(server.base_url()).get("/rooms/r1/transcript").status, 401);
}

TEST(Meeting, LocalSummaryFromTheTranscript) {
  ServerProcess server;
  Meeting m(server);
  auto r = m.member.post("/ai/summary", R"({"roomId":"r1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"decisions\":[\"hosty: We decided to delay the mobile release by one week.\"]"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("member: I will fix the login crash by Friday."), std::string::npos) << r.body;
  auto s = m.member.post("/ai/suggest", R"({"roomId":"r1"})");
  ASSERT_EQ(s.status, 200);
  EXPECT_NE(s.body.find("\"suggestions\":["), std::string::npos);
  EXPECT_EQ(m.outsider.post("/ai/summary", R"({"roomId":"r1"})").status, 403);
  EXPECT_EQ(m.member.post("/ai/summary", R"({})").status, 400);
}

TEST(Meeting, OpenAiCompatibleSummaryAndItsFailure) {
  FakeChatCompletions fake(R"({"keyPoints":["Release slips"],"actionItems":["Fix login"],"decisions":["Delay"]})");
  FakeChatCompletions broken("", 500);
  {
    ServerProcess server({.env = {{"CONVENE_AI_PROVIDER", "openai-compatible"}, {"CONVENE_AI_URL", fake.url()},
                                  {"CONVENE_AI_MODEL", "test-model"}}});
    Meeting m(server);
    auto r = m.member.post("/ai/summary", R"({"roomId":"r1"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"keyPoints":["Release slips"],"actionItems":["Fix login"],"decisions":["Delay"]})");
  }
  {
    ServerProcess server({.env = {{"CONVENE_AI_PROVIDER", "openai-compatible"}, {"CONVENE_AI_URL", broken.url()}}});
    Meeting m(server);
    auto r = m.member.post("/ai/summary", R"({"roomId":"r1"})");
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.error_code(), "ai_provider_failed");
    EXPECT_NE(r.body.find("HTTP 500"), std::string::npos) << r.body;
  }
}

TEST(Meeting, InvitationsGoOutByEmailWithCalendar) {
  FakeSmtpServer smtp;
  ServerProcess server({.env = {{"CONVENE_SMTP_URL", smtp.url()}, {"CONVENE_SMTP_STARTTLS", "never"}}});
  Meeting m(server);
  auto r = m.host.post("/rooms/r1/invite", R"({"emails":["Ann@Example.test","bob@example.test"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto mails = smtp.wait_for(1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to.size(), 2u);
  EXPECT_EQ(mails[0].rcpt_to[0], "<ann@example.test>");
  EXPECT_NE(mails[0].data.find("/join/code-r1"), std::string::npos);
  EXPECT_NE(mails[0].data.find("invite.ics"), std::string::npos);

  EXPECT_EQ(m.member.post("/rooms/r1/invite", R"({"emails":["c@example.test"]})").status, 403);
  r = m.host.post("/rooms/r1/invite", R"({"emails":["not-an-address"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("not-an-address"), std::string::npos);
}

TEST(Meeting, WithoutSmtpInvitationsSaySoClearly) {
  ServerProcess server;
  Meeting m(server);
  auto r = m.host.post("/rooms/r1/invite", R"({"emails":["ann@example.test"]})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error_code(), "email_not_configured");
}

TEST(Meeting, IdleInstantMeetingIsEndedScheduledOneKept) {
  ServerProcess server({.env = {{"CONVENE_MEETING_IDLE_END_MIN", "1"}, {"CONVENE_MEETING_IDLE_CHECK_SEC", "1"}}});
  Meeting m(server);
  // An instant room last active long ago, and a scheduled one equally old.
  sql(server, "INSERT INTO rooms (id, name, type, invite_code, host_id, max_participants, created_at)"
              " VALUES ('idle', 'Quick sync', 'GROUP', 'code-idle', '" + m.host_id + "', 50, 1)");
  bool ended = false;
  for (int i = 0; i < 50 && !ended; ++i) {
    g_usleep(100000);
    sqlite3* db = nullptr;
    sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT is_active, ended_at FROM rooms WHERE id = 'idle'", -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) ended = sqlite3_column_int(st, 0) == 0 && sqlite3_column_type(st, 1) != SQLITE_NULL;
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  EXPECT_TRUE(ended);
  // The scheduled meeting r1 (created at the same old time) is still active.
  sqlite3* db = nullptr;
  sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT is_active FROM rooms WHERE id = 'r1'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// A scheduled meeting: the 15-minute reminder reaches the host's open
// connection and both mailboxes through a real SMTP conversation, once.
TEST(Meeting, ReminderInAppAndByEmailOnce) {
  FakeSmtpServer smtp;
  ServerProcess server({.env = {{"CONVENE_SMTP_URL", smtp.url()},
                                {"CONVENE_SMTP_STARTTLS", "never"},
                                {"CONVENE_MEETING_REMINDER_CHECK_SEC", "1"}}});
  HttpClient host(server.base_url());
  host.register_user("remindme");
  auto ws = WsClient::connect(server.base_url(), host.token());
  ASSERT_TRUE(ws);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes(now, 10);
  g_autofree char* when = g_date_time_format_iso8601(soon);
  auto room = host.post("/rooms", std::string(R"({"name":"Planning","scheduledAt":")") + when + R"(","durationMin":30})");
  ASSERT_EQ(room.status, 201) << room.body;
  ASSERT_EQ(host.post("/rooms/" + room.str("id") + "/invite", R"({"emails":["guest@example.test"]})").status, 200);
  auto reminder = ws->wait_for("reminder", 8000);
  ASSERT_TRUE(reminder);
  EXPECT_EQ(int_field(reminder.get(), "minutesBefore"), 15);
  // The invitation, then one reminder to host and guest.
  auto mails = smtp.wait_for(2);
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_NE(mails[1].data.find("Reminder: Planning starts in 15 minutes"), std::string::npos) << mails[1].data;
  EXPECT_EQ(mails[1].rcpt_to.size(), 2u);
  // Checked every second: still only once.
  EXPECT_FALSE(ws->wait_for("reminder", 2500));
  EXPECT_EQ(smtp.messages().size(), 2u);
}

// AI requests are limited per user (20/min by default), not only per address.
TEST(Meeting, AiRequestsAreLimitedPerUser) {
  ServerProcess server({.env = {{"CONVENE_RATELIMIT_ENABLED", "true"}, {"CONVENE_RATELIMIT_AI_PER_MIN", "100"},
                                {"CONVENE_RATELIMIT_AI_PER_USER_PER_MIN", "3"},
                                {"CONVENE_RATELIMIT_GLOBAL_PER_MIN", "1000"}}});
  Meeting m(server);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(m.member.post("/ai/suggest", R"({"roomId":"r1"})").status, 200) << i;
  auto r = m.member.post("/ai/summary", R"({"roomId":"r1"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "rate_limited");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // Another user from the same address still gets answers.
  EXPECT_EQ(m.host.post("/ai/suggest", R"({"roomId":"r1"})").status, 200);
}
