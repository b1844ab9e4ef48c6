#include "store/migrator.h"

#include <gio/gio.h>

#include <algorithm>
#include <set>

#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_store_debug

extern "C" GResource* convene_sql_get_resource(void);

namespace convene::store {
namespace {

// Any constant works; it only has to be the same for every Convene process.
constexpr const char* kMigrationLockKey = "4242017";

}  // namespace

std::vector<Migration> bundled_migrations(Backend backend) {
  std::string dir = std::string("/convene/sql/") +
                    (backend == Backend::Sqlite ? "sqlite" : "postgresql") + "/";
  GResource* res = convene_sql_get_resource();
  g_autoptr(GError) err = nullptr;
  g_auto(GStrv) names = g_resource_enumerate_children(res, dir.c_str(), G_RESOURCE_LOOKUP_FLAGS_NONE, &err);
  std::vector<Migration> out;
  if (!names) return out;
  for (char** n = names; *n; ++n) {
    std::string file = *n;
    if (!g_str_has_suffix(file.c_str(), ".sql")) continue;
    int version = static_cast<int>(g_ascii_strtoll(file.c_str(), nullptr, 10));
    if (version <= 0) continue;
    g_autoptr(GBytes) bytes =
        g_resource_lookup_data(res, (dir + file).c_str(), G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    out.push_back({version, file.substr(0, file.size() - 4), std::string(data, size)});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

std::vector<int> migrate(Connection& conn) {
  bool pg = conn.backend() == Backend::Postgres;
  // Two servers starting at once against one PostgreSQL must not both migrate.
  if (pg) conn.exec(std::string("SELECT pg_advisory_lock(") + kMigrationLockKey + ")");
  std::vector<int> applied;
  try {
    conn.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    std::set<int> done;
    Result have = conn.exec("SELECT version FROM schema_migrations");
    for (size_t i = 0; i < have.size(); ++i) done.insert(static_cast<int>(have.row(i).integer("version")));

    for (const Migration& m : bundled_migrations(conn.backend())) {
      if (done.count(m.version)) continue;
      GST_INFO("applying migration %03d %s", m.version, m.name.c_str());
      conn.transaction([&] {
        conn.exec_script(m.sql);
        conn.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                  {m.version, m.name, timeutil::now_ms()});
      });
      applied.push_back(m.version);
    }
  } catch (...) {
    if (pg) conn.exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLockKey + ")");
    throw;
  }
  if (pg) conn.exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLockKey + ")");
  return applied;
}

}  // namespace convene::store
