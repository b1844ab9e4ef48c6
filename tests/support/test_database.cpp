#include "test_database.h"

#include "scratch_dir.h"
#include "server_process.h"
#include "store/migrator.h"

namespace convene::testing {

std::string fresh_database_url(const std::string& backend) {
  if (backend == "sqlite") {
    return "sqlite:" + scratch_dir("convene-store") + "/test.db";
  }
  return create_postgres_database();
}

void BackendTest::SetUp() {
  if (GetParam() == "postgresql" && postgres_test_url().empty()) {
    if (g_getenv("CONVENE_REQUIRE_PG")) FAIL() << "CONVENE_TEST_PG_URL is required but not set";
    GTEST_SKIP() << "no PostgreSQL for this run (scripts/test provides one)";
  }
  url_ = fresh_database_url(GetParam());
  store_ = std::make_unique<store::Store>(store::StoreOptions{url_, 2, 3});
  conn_ = store_->connect();
}

}  // namespace convene::testing
