// A synchronous database connection. Only store worker threads (and tests)
// call it; the main loop reaches the database through Store::run.
//
// SQL is written once for both backends with PostgreSQL's $1..$n
// placeholders; the SQLite backend maps them to ?1..?n.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "store/value.h"

namespace convene::store {

enum class Backend { Sqlite, Postgres };

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;
  // Runs one parameterised statement. Throws store::Error.
  virtual Result exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  // True while the connection can answer a trivial query.
  bool ping() {
    try {
      exec("SELECT 1");
      return true;
    } catch (const Error&) {
      return false;
    }
  }
  // True once the connection is known to be lost (no round trip).
  virtual bool broken() const = 0;

  // Runs `work` in a transaction: committed if it returns, rolled back if it throws.
  template <class F>
  auto transaction(F&& work) -> decltype(work()) {
    exec("BEGIN");
    try {
      if constexpr (std::is_void_v<decltype(work())>) {
        work();
        exec("COMMIT");
      } else {
        auto out = work();
        exec("COMMIT");
        return out;
      }
    } catch (...) {
      try {
        exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }
};

}  // namespace convene::store
