// A small, bounded pool of threads for password hashing. Argon2id takes tens
// of milliseconds and 64 MiB a hash; run on the store's worker it held every
// other query up (one SQLite writer), so hashing gets threads of its own and
// the store workers only store.
//
// Bounded twice: `threads` hashes run at once (memory: threads × 64 MiB) and
// at most `queue` more wait; a request that finds no place is refused at once
// (503) rather than queued without limit.
//
// Threads: reserve() and run() on the main loop; `work` on a pool thread;
// `done` back on the main context that called run(). A Place may be released
// on any thread.
#pragma once

#include <glib.h>

#include <atomic>
#include <functional>
#include <memory>

namespace convene::auth {

class HashPool {
 public:
  HashPool(int threads, int queue);
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // One job's place in the pool, held from the start of a request (before the
  // store round trip that precedes the hash) until its hash is done.
  class Place {
   public:
    explicit Place(std::shared_ptr<std::atomic<int>> count) : count_(std::move(count)) {}
    ~Place() { --*count_; }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;

   private:
    std::shared_ptr<std::atomic<int>> count_;
  };
  using PlacePtr = std::shared_ptr<Place>;

  // A place, or null when `threads + queue` jobs already hold one.
  PlacePtr reserve();
  // Runs `work` on a pool thread, then `done` on the caller's main context.
  // `done` is dropped (not run) when the pool is gone by then.
  void run(PlacePtr place, std::function<void()> work, std::function<void()> done);

  int in_flight() const { return *count_; }

 private:
  struct Job;
  static void run_job(gpointer job, gpointer pool);

  GThreadPool* pool_ = nullptr;
  int limit_;
  std::shared_ptr<std::atomic<int>> count_ = std::make_shared<std::atomic<int>>(0);
  // Expires with the pool: completions posted after it are dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::auth
