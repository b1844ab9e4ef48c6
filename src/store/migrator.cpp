#include "store/migrator.h"

#include <gio/gio.h>

#include <map>
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

namespace {

// The .sql files of one resource directory, by version.
std::map<int, Migration> migrations_in(const std::string& dir) {
  GResource* res = convene_sql_get_resource();
  std::map<int, Migration> out;
  g_auto(GStrv) names = g_resource_enumerate_children(res, dir.c_str(), G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
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
    out[version] = {version, file.substr(0, file.size() - 4), std::string(data, size)};
  }
  return out;
}

}  // namespace

std::vector<Migration> bundled_migrations(Backend backend) {
  std::map<int, Migration> all = migrations_in("/convene/sql/common/");
  // A backend's own file replaces the common one of the same version.
  for (auto& [version, m] : migrations_in(std::string("/convene/sql/") +
                                          (backend == Backend::Sqlite ? "sqlite/" : "postgresql/")))
    all[version] = std::move(m);
  std::vector<Migration> out;
  for (auto& [version, m] : all) out.push_back(std::move(m));
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
    // The lock dies with the session anyway; unlocking is a courtesy.
    if (pg && !conn.broken()) {
      try {
        conn.exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLockKey + ")");
      } catch (const Error&) {
      }
    }
    throw;
  }
  if (pg) conn.exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLockKey + ")");
  return applied;
}

}  // namespace convene::store
