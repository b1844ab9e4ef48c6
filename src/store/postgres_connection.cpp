#include "store/postgres_connection.h"

#include <cstring>
#include <memory>

#include "util/log.h"
#include "util/release_with.h"

#define GST_CAT_DEFAULT convene_store_debug

namespace convene::store {
namespace {

// Type OIDs from PostgreSQL's pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700,
              kFloat8Oid = 701, kNumericOid = 1700;

using PgResultPtr = std::unique_ptr<PGresult, ReleaseWith<PQclear>>;

void silence_notices(void*, const PGresult*) {}

}  // namespace

PostgresConnection::PostgresConnection(const std::string& url, int connect_timeout_sec) {
  // A URL takes extra settings as query parameters.
  conninfo_ = url + (url.find('?') == std::string::npos ? "?" : "&") +
              "connect_timeout=" + std::to_string(connect_timeout_sec) +
              "&application_name=convene";
  ensure_connected();
}

PostgresConnection::~PostgresConnection() {
  if (conn_) PQfinish(conn_);
}

void PostgresConnection::ensure_connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
  if (conn_) {
    GST_WARNING("PostgreSQL connection lost; reconnecting");
    PQreset(conn_);
  } else {
    conn_ = PQconnectdb(conninfo_.c_str());
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(ErrorKind::Unavailable, msg);
  }
  PQsetNoticeReceiver(conn_, silence_notices, nullptr);
}

Result PostgresConnection::exec(std::string_view sql, const Params& params) {
  ensure_connected();
  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].is_null()) continue;
    texts[i] = params[i].as_string();
    values[i] = texts[i].c_str();
  }
  std::string text(sql);
  PgResultPtr res(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = PQerrorMessage(conn_);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0) ||
        (state && strcmp(state, "57P01") == 0))
      throw Error(ErrorKind::Unavailable, "PostgreSQL unavailable: " + msg);
    if (state && strcmp(state, "23505") == 0) throw Error(ErrorKind::Conflict, msg);
    throw Error(ErrorKind::Query, msg);
  }

  Result result;
  int ncol = PQnfields(res.get());
  int nrow = PQntuples(res.get());
  for (int c = 0; c < ncol; ++c) result.columns.emplace_back(PQfname(res.get(), c));
  result.rows.reserve(nrow);
  for (int r = 0; r < nrow; ++r) {
    std::vector<Value> row;
    row.reserve(ncol);
    for (int c = 0; c < ncol; ++c) {
      if (PQgetisnull(res.get(), r, c)) {
        row.emplace_back();
        continue;
      }
      const char* v = PQgetvalue(res.get(), r, c);
      Oid type = PQftype(res.get(), c);
      if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
        row.emplace_back(static_cast<int64_t>(g_ascii_strtoll(v, nullptr, 10)));
      } else if (type == kFloat4Oid || type == kFloat8Oid) {
        row.emplace_back(g_ascii_strtod(v, nullptr));
      } else if (type == kNumericOid) {
        if (strchr(v, '.')) row.emplace_back(g_ascii_strtod(v, nullptr));
        else row.emplace_back(static_cast<int64_t>(g_ascii_strtoll(v, nullptr, 10)));
      } else if (type == kBoolOid) {
        row.emplace_back(static_cast<int64_t>(v[0] == 't' ? 1 : 0));
      } else {
        row.emplace_back(std::string(v, PQgetlength(res.get(), r, c)));
      }
    }
    result.rows.push_back(std::move(row));
  }
  const char* tuples = PQcmdTuples(res.get());
  result.affected = (tuples && *tuples) ? g_ascii_strtoll(tuples, nullptr, 10) : 0;
  return result;
}

void PostgresConnection::exec_script(std::string_view sql) {
  ensure_connected();
  std::string text(sql);
  PgResultPtr res(PQexec(conn_, text.c_str()));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw Error(PQstatus(conn_) == CONNECTION_OK ? ErrorKind::Query : ErrorKind::Unavailable,
                std::string("script: ") + PQerrorMessage(conn_));
}


}  // namespace convene::store
