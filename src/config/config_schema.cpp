// Every configuration key, its type, default and meaning. config/convene.ini
// documents the same keys; tests/unit/config_test.cpp checks the two agree.
#include "config/config.h"

namespace convene::config {

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = {
      // [server]
      {"server", "host", Type::String, "127.0.0.1", "Address to listen on (0.0.0.0 for all IPv4)."},
      {"server", "port", Type::Int, "8080", "TCP port for HTTP and WebSocket; 0 picks a free one."},
      {"server", "data_dir", Type::String, "./var",
       "Where the SQLite database, the generated secret and recordings live."},
      {"server", "static_dir", Type::String, "",
       "Directory of the built browser client; empty uses the one built from web/."},
      {"server", "max_body_bytes", Type::Int, "4194304",
       "Largest request body accepted; larger ones get 413 before being read."},
      {"server", "shutdown_timeout_sec", Type::Int, "10",
       "How long SIGTERM waits for media and recordings to finish."},
      {"server", "public_url", Type::String, "",
       "How users reach this server (for links in e-mails); empty derives it from host and port."},
      {"server", "tls_cert", Type::String, "", "PEM certificate file: serve HTTPS and WSS directly."},
      {"server", "tls_key", Type::String, "", "PEM private key file for tls_cert."},
      // [database]
      {"database", "url", Type::String, "",
       "sqlite:PATH or postgresql://...; empty means sqlite:<data_dir>/convene.db."},
      {"database", "pool_size", Type::Int, "4",
       "Connections (and worker threads) for PostgreSQL; SQLite always uses one writer."},
      {"database", "connect_timeout_sec", Type::Int, "5",
       "How long a PostgreSQL connection attempt may take."},
      // [auth]
      {"auth", "secret", Type::String, "",
       "Token-signing secret; empty reads (or creates once) <data_dir>/secret.key."},
      {"auth", "access_ttl_sec", Type::Int, "900", "Lifetime of an access token."},
  };
  return keys;
}

}  // namespace convene::config
