// Applies the numbered migrations compiled in from sql/common/NNN_name.sql
// (replaced per backend by sql/<backend>/NNN_name.sql where the dialect differs),
// each once, each in its own transaction, recorded in schema_migrations.
#pragma once

#include <string>
#include <vector>

#include "store/connection.h"

namespace convene::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations for a backend, in version order.
std::vector<Migration> bundled_migrations(Backend backend);

// Applies what is missing; returns the versions it applied. Throws store::Error.
std::vector<int> migrate(Connection& conn);

}  // namespace convene::store
