// The same repository tests against both backends: SQLite in a temp file and
// the PostgreSQL that scripts/test starts (CONVENE_TEST_PG_URL).
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include "test_database.h"
#include "store/migrator.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

using namespace convene::store;

namespace {

// The store tests migrate explicitly (that is what some of them test).
using StoreTest = convene::testing::BackendTest;

}  // namespace

TEST_P(StoreTest, MigrationsApplyOnceAndAreRecorded) {
  auto first = migrate(*conn_);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front(), 1);
  auto again = migrate(*conn_);
  EXPECT_TRUE(again.empty());
  auto r = conn_->exec("SELECT COUNT(*) AS n FROM schema_migrations");
  EXPECT_EQ(r.row(0).integer("n"), static_cast<int64_t>(first.size()));
  EXPECT_EQ(bundled_migrations(conn_->backend()).size(), first.size());
}

TEST_P(StoreTest, ParameterisedRoundTripWithNulls) {
  migrate(*conn_);
  conn_->exec("INSERT INTO users (id, email, username, password_hash, created_at) VALUES ($1,$2,$3,$4,$5)",
              {"u1", "a@b.c", "o'brien; DROP TABLE users; --", nullptr, int64_t{1700000000123}});
  auto r = conn_->exec("SELECT * FROM users WHERE username = $1", {"o'brien; DROP TABLE users; --"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.row(0).text("email"), "a@b.c");
  EXPECT_FALSE(r.row(0).opt_text("password_hash").has_value());
  EXPECT_EQ(r.row(0).integer("created_at"), 1700000000123);
}

TEST_P(StoreTest, UniqueViolationIsAConflict) {
  migrate(*conn_);
  Params p = {"u1", "a@b.c", "ada", nullptr, int64_t{1}};
  conn_->exec("INSERT INTO users (id, email, username, password_hash, created_at) VALUES ($1,$2,$3,$4,$5)", p);
  try {
    conn_->exec("INSERT INTO users (id, email, username, password_hash, created_at) VALUES ($1,$2,$3,$4,$5)",
                {"u2", "a@b.c", "bob", nullptr, int64_t{1}});
    FAIL() << "duplicate email accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, ErrorKind::Conflict) << e.what();
  }
}

TEST_P(StoreTest, TransactionRollsBackOnThrow) {
  migrate(*conn_);
  EXPECT_THROW(conn_->transaction([&] {
    conn_->exec("INSERT INTO users (id, email, username, created_at) VALUES ('x','x@y.z','x',1)");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_TRUE(conn_->exec("SELECT 1 FROM users WHERE id = 'x'").empty());
}

TEST_P(StoreTest, RunPostsOutcomeToTheMainContext) {
  migrate(*conn_);
  GThread* main_thread = g_thread_self();
  bool done = false;
  GThread* worker_thread = nullptr;
  store_->run<int64_t>(
      [&worker_thread](Connection& c) {
        worker_thread = g_thread_self();
        return c.exec("SELECT COUNT(*) AS n FROM schema_migrations").row(0).integer("n");
      },
      [&](Outcome<int64_t> o) {
        EXPECT_EQ(g_thread_self(), main_thread);
        ASSERT_TRUE(o.ok());
        EXPECT_GE(o.value(), 1);
        done = true;
      });
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  EXPECT_TRUE(done);
  EXPECT_NE(worker_thread, main_thread);
}

TEST_P(StoreTest, QueryErrorsComeBackAsOutcomes) {
  bool done = false;
  store_->run<int64_t>([](Connection& c) { return c.exec("SELECT * FROM no_such_table").row(0).integer("x"); },
                       [&](Outcome<int64_t> o) {
                         EXPECT_FALSE(o.ok());
                         EXPECT_EQ(o.error().kind, ErrorKind::Query);
                         done = true;
                       });
  while (!done) g_main_context_iteration(nullptr, TRUE);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"));

TEST(SqlitePlaceholders, DollarBecomesQuestionMarkOutsideStrings) {
  EXPECT_EQ(SqliteConnection::translate_placeholders("SELECT $1, '$2', $10"), "SELECT ?1, '$2', ?10");
}

TEST(PostgresUnavailable, UnreachableServerIsUnavailableNotACrash) {
  Store s(StoreOptions{"postgresql://nobody@127.0.0.1:1/none", 1, 2});
  bool done = false;
  s.run<int64_t>([](Connection& c) { return c.exec("SELECT 1 AS n").row(0).integer("n"); },
                 [&](Outcome<int64_t> o) {
                   ASSERT_FALSE(o.ok());
                   EXPECT_EQ(o.error().kind, ErrorKind::Unavailable);
                   done = true;
                 });
  while (!done) g_main_context_iteration(nullptr, TRUE);
}
