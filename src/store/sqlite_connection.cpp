#include "store/sqlite_connection.h"

#include <memory>

#include "util/log.h"
#include "util/release_with.h"

#define GST_CAT_DEFAULT convene_store_debug

namespace convene::store {
namespace {

using StmtPtr = std::unique_ptr<sqlite3_stmt, ReleaseWith<sqlite3_finalize>>;

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY)
    throw Error(ErrorKind::Conflict, msg);
  if (rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_READONLY)
    throw Error(ErrorKind::Unavailable, msg);
  throw Error(ErrorKind::Query, msg);
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open SQLite database " + path + ": " + sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorKind::Unavailable, msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec_script("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
  GST_INFO("opened SQLite database %s", path.c_str());
}

SqliteConnection::~SqliteConnection() {
  if (db_) sqlite3_close_v2(db_);
}

std::string SqliteConnection::translate_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_string = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_string = !in_string;
    if (!in_string && c == '$' && i + 1 < sql.size() && g_ascii_isdigit(sql[i + 1])) {
      out += '?';
      continue;
    }
    out += c;
  }
  return out;
}

Result SqliteConnection::exec(std::string_view sql, const Params& params) {
  std::string text = translate_placeholders(sql);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "prepare");
  StmtPtr stmt(raw);

  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    const auto& v = params[i].variant();
    if (std::holds_alternative<std::monostate>(v)) rc = sqlite3_bind_null(raw, idx);
    else if (auto* n = std::get_if<int64_t>(&v)) rc = sqlite3_bind_int64(raw, idx, *n);
    else if (auto* d = std::get_if<double>(&v)) rc = sqlite3_bind_double(raw, idx, *d);
    else {
      const auto& s = std::get<std::string>(v);
      rc = sqlite3_bind_text(raw, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  }

  Result result;
  int ncol = sqlite3_column_count(raw);
  for (int c = 0; c < ncol; ++c) result.columns.emplace_back(sqlite3_column_name(raw, c));
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    std::vector<Value> row;
    row.reserve(ncol);
    for (int c = 0; c < ncol; ++c) {
      switch (sqlite3_column_type(raw, c)) {
        case SQLITE_NULL: row.emplace_back(); break;
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(raw, c))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(raw, c)); break;
        default: {
          const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
          row.emplace_back(std::string(t ? t : "", sqlite3_column_bytes(raw, c)));
        }
      }
    }
    result.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) throw_sqlite(db_, rc, "step");
  result.affected = sqlite3_changes64(db_);
  return result;
}

void SqliteConnection::exec_script(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(rc == SQLITE_CONSTRAINT ? ErrorKind::Conflict : ErrorKind::Query, "script: " + msg);
  }
}


}  // namespace convene::store
