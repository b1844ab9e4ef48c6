// A fresh database of either backend for repository tests, so each test runs
// the same code against SQLite and PostgreSQL.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/connection.h"
#include "store/store.h"

namespace convene::testing {

// "sqlite" → a new file in a temp dir; "postgresql" → a new database on the
// test cluster (empty string when there is none).
std::string fresh_database_url(const std::string& backend);

// Base fixture: parameterised by backend name; gives a migrated connection.
// Skips the PostgreSQL variant when no cluster is configured, unless
// CONVENE_REQUIRE_PG is set (as scripts/test does), where it fails instead.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  std::string url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Connection> conn_;
};

}  // namespace convene::testing
