// HashPool: the bound on places, work off the calling thread, results back on
// the caller's main context, and nothing run after the pool is gone.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <condition_variable>
#include <thread>

#include "auth/hash_pool.h"

using convene::auth::HashPool;

namespace {

// Iterates the default context until `done` or 10 s.
template <class F>
bool pump_until(F done) {
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!done() && g_get_monotonic_time() < deadline)
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
  return done();
}

// A gate the pool's work waits at until the test opens it.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(m);
      open = true;
    }
    cv.notify_all();
  }
};

}  // namespace

TEST(HashPool, PlacesAreBoundedAndComeBack) {
  HashPool pool(1, 2);
  auto a = pool.reserve(), b = pool.reserve(), c = pool.reserve();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(pool.reserve());
  EXPECT_EQ(pool.in_flight(), 3);
  b.reset();
  EXPECT_EQ(pool.in_flight(), 2);
  EXPECT_TRUE(pool.reserve());  // taken and dropped at once
  EXPECT_EQ(pool.in_flight(), 2);
}

TEST(HashPool, WorkRunsElsewhereAndDoneOnTheCallersContext) {
  HashPool pool(2, 0);
  std::thread::id main = std::this_thread::get_id(), worker, finisher;
  bool done = false;
  pool.run(pool.reserve(), [&] { worker = std::this_thread::get_id(); }, [&] {
    finisher = std::this_thread::get_id();
    done = true;
  });
  ASSERT_TRUE(pump_until([&] { return done; }));
  EXPECT_NE(worker, main);
  EXPECT_EQ(finisher, main);
  // The place is given back once the answer is delivered.
  EXPECT_TRUE(pump_until([&] { return pool.in_flight() == 0; }));
}

TEST(HashPool, FullWhileBusyThenFreeAgain) {
  HashPool pool(1, 1);
  Gate gate;
  int finished = 0;
  for (int i = 0; i < 2; ++i) {
    auto place = pool.reserve();
    ASSERT_TRUE(place);
    pool.run(place, [&] { gate.wait(); }, [&] { ++finished; });
  }
  EXPECT_FALSE(pool.reserve());  // one running, one queued: full
  gate.release();
  ASSERT_TRUE(pump_until([&] { return finished == 2; }));
  EXPECT_TRUE(pump_until([&] { return pool.in_flight() == 0; }));
  EXPECT_TRUE(pool.reserve());
}

TEST(HashPool, NothingRunsBackAfterThePoolIsGone) {
  std::atomic<int> ran{0};
  bool called_back = false;
  {
    HashPool pool(1, 4);
    for (int i = 0; i < 3; ++i) pool.run(pool.reserve(), [&] { ++ran; }, [&] { called_back = true; });
  }  // destroyed without iterating the main context
  // Answers of jobs that ran are still posted; delivering them does nothing.
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
  EXPECT_FALSE(called_back);
  EXPECT_LE(ran.load(), 3);
}

TEST(HashPool, RefusesNonsenseSizes) {
  EXPECT_THROW(HashPool(0, 4), std::runtime_error);
  EXPECT_THROW(HashPool(1, -1), std::runtime_error);
}
