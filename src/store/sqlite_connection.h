#pragma once

#include <sqlite3.h>

#include <string>

#include "store/connection.h"

namespace convene::store {

// SQLite in WAL mode with foreign keys on. One connection per worker.
class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path);
  ~SqliteConnection() override;

  Backend backend() const override { return Backend::Sqlite; }
  Result exec(std::string_view sql, const Params& params = {}) override;
  void exec_script(std::string_view sql) override;
  bool broken() const override { return db_ == nullptr; }

  // "$1" -> "?1": both name the first parameter.
  static std::string translate_placeholders(std::string_view sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace convene::store
