#include "auth/hash_pool.h"

#include <stdexcept>
#include <string>

#include "util/log.h"
#include "util/main_context.h"

#define GST_CAT_DEFAULT convene_auth_debug

namespace convene::auth {

struct HashPool::Job {
  PlacePtr place;
  std::function<void()> work;
  std::function<void()> done;
  GMainContext* context;
  std::weak_ptr<bool> alive;
  ~Job() { g_main_context_unref(context); }
};

HashPool::HashPool(int threads, int queue) : limit_(threads + queue) {
  if (threads < 1 || queue < 0) throw std::runtime_error("hash pool: threads must be >= 1 and queue >= 0");
  GError* err = nullptr;
  // Exclusive: the threads are ours alone, started now, never shared with
  // GLib's other pools (whose work we must not delay, nor be delayed by).
  pool_ = g_thread_pool_new_full(run_job, this, [](gpointer job) { delete static_cast<Job*>(job); }, threads, TRUE,
                                 &err);
  if (!pool_) {
    std::string message = err ? err->message : "unknown error";
    g_clear_error(&err);
    throw std::runtime_error("cannot start the password hashing threads: " + message);
  }
}

HashPool::~HashPool() {
  *alive_ = false;
  alive_.reset();
  // Jobs still queued run their `work` but never their `done` (`alive_` is
  // gone). Not dropped with `immediate`: with it, LeakSanitizer found a queued
  // job never freed (GLib 2.74). Waiting costs at most the queue's hashes, once.
  g_thread_pool_free(pool_, FALSE, TRUE);
}

HashPool::PlacePtr HashPool::reserve() {
  int n = count_->load();
  do {
    if (n >= limit_) return nullptr;
  } while (!count_->compare_exchange_weak(n, n + 1));
  return std::make_shared<Place>(count_);
}

void HashPool::run(PlacePtr place, std::function<void()> work, std::function<void()> done) {
  auto* job = new Job{std::move(place), std::move(work), std::move(done), g_main_context_ref_thread_default(), alive_};
  g_thread_pool_push(pool_, job, nullptr);
}

void HashPool::run_job(gpointer data, gpointer) {
  auto* job = static_cast<Job*>(data);
  try {
    job->work();
  } catch (const std::exception& e) {
    // `work` reports its own failures through what `done` reads; this is a bug guard.
    GST_ERROR("password hashing job failed: %s", e.what());
  }
  // The place is held until the answer is on its way back.
  post_to_context(job->context, [done = std::move(job->done), alive = job->alive, place = std::move(job->place)] {
    if (alive.lock()) done();
  });
  delete job;
}

}  // namespace convene::auth
