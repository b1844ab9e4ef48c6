// The cluster's LISTEN/NOTIFY bus (src/cluster/notify_bus): connecting never
// holds the main loop up, even when the database accepts the connection and
// then says nothing; with the real PostgreSQL, events arrive, and arrive again
// after the bus's connection was killed (pg_terminate_backend).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "cluster/notify_bus.h"
#include "server_process.h"

using namespace convene;
using convene::cluster::NotifyBus;

namespace {

// Turns the default main context for `ms`, or until `pred` holds.
bool pump(int ms, const std::function<bool()>& pred = [] { return false; }) {
  int64_t deadline = g_get_monotonic_time() + ms * 1000LL;
  while (g_get_monotonic_time() < deadline) {
    if (pred()) return true;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(2000);
  }
  return pred();
}

// A TCP port that takes connections (the kernel completes the handshake) and
// never answers: a database server that hangs.
struct SilentServer {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 16);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd); }
};

TEST(NotifyBus, ConnectingToASilentDatabaseNeverHoldsTheMainLoop) {
  SilentServer silent;
  ASSERT_GT(silent.port, 0);
  int events = 0;
  NotifyBus bus("postgresql://convene@127.0.0.1:" + std::to_string(silent.port) + "/convene", "n0",
                [&](const std::string&, JsonObject*) { ++events; });
  int64_t t0 = g_get_monotonic_time();
  bus.start();
  double start_ms = (g_get_monotonic_time() - t0) / 1e3;
  // A 50 ms timer keeps ticking while the bus waits for the server, gives up
  // and tries again (kConnectTimeoutSec + kRetrySec fit in the 8 s below).
  int64_t last = g_get_monotonic_time(), longest = 0;
  guint ticker = g_timeout_add(50, [](gpointer p) -> gboolean {
    *static_cast<int64_t*>(p) = g_get_monotonic_time();
    return G_SOURCE_CONTINUE;
  }, &last);
  int64_t end = g_get_monotonic_time() + 8'000'000;
  while (g_get_monotonic_time() < end) {
    g_main_context_iteration(nullptr, TRUE);
    longest = std::max(longest, g_get_monotonic_time() - last);
  }
  g_source_remove(ticker);
  // Bounds far above scheduling noise, far below libpq's blocking connect (>= 2 s a try).
  EXPECT_LT(start_ms, 1000.0) << "start() returns at once";
  EXPECT_LT(longest / 1000, 1000) << "the main loop never stood still for a connect";
  EXPECT_FALSE(bus.listening());
  EXPECT_EQ(events, 0);
}

// Runs one statement on the test database.
void run_sql(const std::string& url, const std::string& query) {
  PGconn* c = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, query.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
}

TEST(NotifyBus, EventsArriveAgainAfterTheConnectionWasKilled) {
  if (convene::testing::postgres_test_url().empty()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "no PostgreSQL";
    GTEST_SKIP() << "needs PostgreSQL (scripts/test provides one)";
  }
  std::string url = convene::testing::create_postgres_database();
  std::vector<std::string> seen;
  NotifyBus bus(url, "me", [&](const std::string& type, JsonObject*) { seen.push_back(type); });
  bus.start();
  ASSERT_TRUE(pump(10000, [&] { return bus.listening(); }));
  auto send = [&](const std::string& type, const std::string& origin) {
    run_sql(url, "SELECT pg_notify('" + std::string(NotifyBus::kChannel) + "', '{\"type\":\"" + type +
                     "\",\"origin\":\"" + origin + "\"}')");
  };
  send("own", "me");  // a node's own events come back and are dropped
  send("first", "other");
  ASSERT_TRUE(pump(5000, [&] { return !seen.empty(); }));
  EXPECT_EQ(seen, std::vector<std::string>{"first"});

  // The bus's connection is killed (a PostgreSQL restart, a failover, an admin).
  run_sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
               "'convene-cluster-bus' AND datname = current_database()");
  ASSERT_TRUE(pump(5000, [&] { return !bus.listening(); })) << "the bus notices";
  // Events sent while it reconnects may be lost (documented); one sent after arrives.
  bool again = pump(15000, [&] {
    if (!bus.listening()) return false;
    send("again", "other");
    return pump(500, [&] { return seen.size() > 1; });
  });
  ASSERT_TRUE(again) << "the bus listens again and receives events";
  EXPECT_EQ(seen.back(), "again");
}

}  // namespace
