#include "store/store.h"

#include <glib/gstdio.h>

#include "store/postgres_connection.h"
#include "store/sqlite_connection.h"
#include "util/log.h"
#include "util/main_context.h"

#define GST_CAT_DEFAULT convene_store_debug

namespace convene::store {

Backend Store::backend_of(const std::string& url, std::string* sqlite_path) {
  if (g_str_has_prefix(url.c_str(), "postgresql://") || g_str_has_prefix(url.c_str(), "postgres://"))
    return Backend::Postgres;
  if (g_str_has_prefix(url.c_str(), "sqlite:")) {
    std::string path = url.substr(strlen("sqlite:"));
    if (g_str_has_prefix(path.c_str(), "//")) path = path.substr(2);
    if (path.empty()) throw Error(ErrorKind::Query, "sqlite: URL needs a file path");
    if (sqlite_path) *sqlite_path = path;
    return Backend::Sqlite;
  }
  throw Error(ErrorKind::Query, "database URL must start with sqlite: or postgresql:// (got '" + url + "')");
}

Store::Store(StoreOptions options) : options_(std::move(options)) {
  backend_ = backend_of(options_.url, &sqlite_path_);
  if (backend_ == Backend::Sqlite) {
    g_autofree char* dir = g_path_get_dirname(sqlite_path_.c_str());
    g_mkdir_with_parents(dir, 0700);
  }
  // SQLite serialises writers anyway; one connection avoids lock upgrades failing.
  int threads = backend_ == Backend::Sqlite ? 1 : std::max(1, options_.pool_size);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_main(); });
}

Store::~Store() { close(); }

std::unique_ptr<Connection> Store::connect() const {
  if (backend_ == Backend::Sqlite) return std::make_unique<SqliteConnection>(sqlite_path_);
  return std::make_unique<PostgresConnection>(options_.url, options_.connect_timeout_sec);
}

void Store::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      Error closed(ErrorKind::Unavailable, "the store is closed");
      job(nullptr, &closed);
      return;
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Store::worker_main() {
  std::unique_ptr<Connection> conn;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!conn) {
      try {
        conn = connect();
      } catch (const Error& e) {
        GST_WARNING("store connection failed: %s", e.what());
        job(nullptr, &e);
        continue;
      }
    }
    job(conn.get(), nullptr);
    // After a lost server, start over with a fresh connection next time.
    if (conn && conn->broken()) conn.reset();
  }
}

void Store::post(GMainContext* ctx, std::function<void()> fn) { post_to_context(ctx, std::move(fn)); }

void Store::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

}  // namespace convene::store
