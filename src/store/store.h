// The store: a few worker threads, each with its own Connection, running units
// of work off the main loop and posting each outcome back to the GLib main
// context that asked for it.
//
// Threads: run() is called on the main loop; `work` runs on a store worker
// thread and must only touch its Connection and what it captured by value;
// `done` runs back on the caller's main context.
#pragma once

#include <glib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "store/connection.h"

namespace convene::store {

struct Unit {};

// Either the value a unit of work returned or the store error it threw.
template <class T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}
  Outcome(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct StoreOptions {
  std::string url;  // sqlite:PATH | postgresql://...
  int pool_size = 4;
  int connect_timeout_sec = 5;
  // Called on the worker after each unit of work with its duration and
  // whether it ended in a store error (metrics); may be empty.
  std::function<void(double seconds, bool failed)> on_unit;
};

class Store {
 public:
  // Checks the URL and starts the workers; connections open lazily, so a
  // PostgreSQL server that is down now does not stop start-up.
  explicit Store(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Backend backend() const { return backend_; }
  const std::string& url() const { return options_.url; }

  // A new connection on the calling thread (migrations, tests, the CLI).
  std::unique_ptr<Connection> connect() const;

  // Runs `work(connection)` on a worker; `done(outcome)` on the caller's main context.
  template <class T>
  void run(std::function<T(Connection&)> work, std::function<void(Outcome<T>)> done) {
    GMainContext* ctx = g_main_context_ref_thread_default();
    enqueue([this, work = std::move(work), done = std::move(done), ctx](Connection* conn,
                                                                   const Error* open_error) mutable {
      std::optional<Outcome<T>> outcome;
      if (open_error) {
        outcome.emplace(*open_error);
      } else {
        int64_t started = g_get_monotonic_time();
        try {
          outcome.emplace(work(*conn));
        } catch (const Error& e) {
          outcome.emplace(e);
        } catch (const std::exception& e) {
          outcome.emplace(Error(ErrorKind::Query, e.what()));
        }
        if (options_.on_unit) options_.on_unit((g_get_monotonic_time() - started) / 1e6, !outcome->ok());
      }
      post(ctx, [done = std::move(done), o = std::move(*outcome)]() mutable { done(std::move(o)); });
      g_main_context_unref(ctx);
    });
  }

  // As run(), for work that returns nothing.
  void run_void(std::function<void(Connection&)> work, std::function<void(Outcome<Unit>)> done) {
    run<Unit>(
        [work = std::move(work)](Connection& c) {
          work(c);
          return Unit{};
        },
        std::move(done));
  }

  // Finishes the queued work, then stops the workers. Idempotent.
  void close();

  // Parses a database URL; throws store::Error(Query) for an unknown scheme.
  static Backend backend_of(const std::string& url, std::string* sqlite_path);

 private:
  using Job = std::function<void(Connection*, const Error*)>;
  void enqueue(Job job);
  void worker_main();
  static void post(GMainContext* ctx, std::function<void()> fn);

  StoreOptions options_;
  Backend backend_;
  std::string sqlite_path_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace convene::store
