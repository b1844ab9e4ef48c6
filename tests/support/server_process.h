// Starts the real `convene serve --port 0` for integration tests, with a
// fresh data directory, and stops it with SIGTERM (or SIGKILL) at the end.
#pragma once

#include <gio/gio.h>

#include <map>
#include <string>
#include <vector>

namespace convene::testing {

struct ServerOptions {
  // Extra environment (CONVENE_* overrides).
  std::map<std::string, std::string> env;
  std::vector<std::string> args;
  // Empty: sqlite in the temp data dir. Otherwise a postgresql:// URL.
  std::string database;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();

  const std::string& base_url() const { return base_url_; }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  // SIGTERM and wait; returns the exit status (or -1 on timeout, then SIGKILL).
  int terminate(int timeout_ms = 15000);
  void kill_hard();
  // Everything the server printed to stderr so far.
  std::string log() const;
  bool running() const;
  int pid() const;

 private:
  GSubprocess* proc_ = nullptr;
  std::string data_dir_;
  std::string log_path_;
  std::string base_url_;
  int port_ = 0;
};

// The PostgreSQL URL scripts/test provides, or empty.
std::string postgres_test_url();
// A fresh empty PostgreSQL database for one test (created on the test server).
std::string create_postgres_database();
// The test server's database `db` over its Unix socket ("" without one): what
// a server inside a loopback-only network namespace can reach.
std::string postgres_socket_url(const std::string& db);
// A fresh empty database named `prefix` + random, as a Unix-socket URL.
std::string create_postgres_socket_database(const std::string& prefix);

}  // namespace convene::testing
