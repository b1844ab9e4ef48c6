#pragma once

#include <libpq-fe.h>

#include <string>

#include "store/connection.h"

namespace convene::store {

// PostgreSQL through libpq, parameters sent as text and typed by the server.
// A dropped connection is re-established on the next statement.
class PostgresConnection final : public Connection {
 public:
  PostgresConnection(const std::string& url, int connect_timeout_sec);
  ~PostgresConnection() override;

  Backend backend() const override { return Backend::Postgres; }
  Result exec(std::string_view sql, const Params& params = {}) override;
  void exec_script(std::string_view sql) override;
  bool broken() const override { return !conn_ || PQstatus(conn_) != CONNECTION_OK; }

 private:
  void ensure_connected();

  std::string conninfo_;
  PGconn* conn_ = nullptr;
};

}  // namespace convene::store
