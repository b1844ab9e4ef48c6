// convene: the command-line entry point (serve, migrate, check-config, --version, --help).
#include <gst/gst.h>
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <iostream>

#include "app/app.h"
#include "app/check_config.h"
#include "convene-build-config.h"
#include "store/migrator.h"
#include "util/log.h"

extern char** environ;

namespace {

constexpr const char* kUsage =
    "Usage: convene <command> [options]\n"
    "\n"
    "Commands:\n"
    "  serve     Run the server (HTTP, WebSocket, media)\n"
    "  migrate   Apply database migrations and exit\n"
    "  check-config  Print the effective configuration (file, environment, flags;\n"
    "            secrets masked) and check it: exit 0 when fine, 1 on errors\n"
    "\n"
    "Options (serve, migrate and check-config):\n"
    "  --config FILE      GLib key file (see config/convene.ini)\n"
    "  --data-dir DIR     Data directory (default ./var)\n"
    "  --database URL     sqlite:PATH or postgresql://...\n"
    "Options (serve):\n"
    "  --host H           Address to listen on (default 127.0.0.1)\n"
    "  --port N           Port (default 8080; 0 picks a free one)\n"
    "  --tls-cert FILE    Serve HTTPS/WSS with this PEM certificate\n"
    "  --tls-key FILE     ... and this PEM key\n"
    "\n"
    "  convene --version  Print the version\n"
    "  convene --help     Print this help\n"
    "\n"
    "Every config key can also be set as CONVENE_<SECTION>_<KEY>; flags win over both.\n";

struct Flags {
  gchar* config = nullptr;
  gchar* data_dir = nullptr;
  gchar* database = nullptr;
  gchar* host = nullptr;
  gint port = -1;
  gchar* tls_cert = nullptr;
  gchar* tls_key = nullptr;
  ~Flags() {
    g_free(config);
    g_free(data_dir);
    g_free(database);
    g_free(host);
    g_free(tls_cert);
    g_free(tls_key);
  }
};

bool parse_flags(int argc, char** argv, const char* command, bool serve, Flags& f) {
  GOptionEntry common[] = {
      {"config", 0, 0, G_OPTION_ARG_FILENAME, &f.config, "Configuration file", "FILE"},
      {"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &f.data_dir, "Data directory", "DIR"},
      {"database", 0, 0, G_OPTION_ARG_STRING, &f.database, "Database URL", "URL"},
      {nullptr}};
  GOptionEntry serving[] = {
      {"host", 0, 0, G_OPTION_ARG_STRING, &f.host, "Listen address", "H"},
      {"port", 0, 0, G_OPTION_ARG_INT, &f.port, "Listen port", "N"},
      {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &f.tls_cert, "TLS certificate (PEM)", "FILE"},
      {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &f.tls_key, "TLS key (PEM)", "FILE"},
      {nullptr}};
  g_autoptr(GOptionContext) ctx = g_option_context_new(command);
  g_option_context_add_main_entries(ctx, common, nullptr);
  if (serve) g_option_context_add_main_entries(ctx, serving, nullptr);
  g_autoptr(GError) err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    std::cerr << "convene: " << err->message << "\n\n" << kUsage;
    return false;
  }
  if (argc > 1) {
    std::cerr << "convene: unexpected argument '" << argv[1] << "'\n\n" << kUsage;
    return false;
  }
  return true;
}

convene::config::Config build_config(const Flags& f) {
  auto cfg = convene::config::Config::load(f.config ? f.config : "", environ);
  if (f.data_dir) cfg.set("server", "data_dir", f.data_dir);
  if (f.database) cfg.set("database", "url", f.database);
  if (f.host) cfg.set("server", "host", f.host);
  if (f.port >= 0) cfg.set("server", "port", std::to_string(f.port));
  if (f.tls_cert) cfg.set("server", "tls_cert", f.tls_cert);
  if (f.tls_key) cfg.set("server", "tls_key", f.tls_key);
  if (cfg.get_string("server", "tls_cert").empty() != cfg.get_string("server", "tls_key").empty())
    throw convene::config::Error("--tls-cert and --tls-key go together");
  return cfg;
}

int cmd_serve(const Flags& f) {
  convene::app::App app(build_config(f));
  app.start();
  std::cout << "listening on " << app.http().base_url() << std::endl;
  return app.run();
}

int cmd_check_config(const Flags& f) {
  convene::config::Config cfg;
  try {
    cfg = build_config(f);
  } catch (const convene::config::Error& e) {
    std::cerr << "error: " << e.what() << "\nconfiguration has 1 error(s)" << std::endl;
    return 1;
  }
  return convene::app::print_config_report(cfg, std::cout, std::cerr);
}

int cmd_migrate(const Flags& f) {
  auto cfg = build_config(f);
  g_mkdir_with_parents(cfg.get_string("server", "data_dir").c_str(), 0700);
  convene::store::StoreOptions so;
  so.url = convene::app::database_url(cfg);
  so.pool_size = 1;
  so.connect_timeout_sec = static_cast<int>(cfg.get_int("database", "connect_timeout_sec"));
  convene::store::Store store(so);
  auto conn = store.connect();
  auto applied = convene::store::migrate(*conn);
  std::cout << "applied " << applied.size() << " migration(s)";
  for (int v : applied) std::cout << " " << v;
  std::cout << std::endl;
  store.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    std::cout << "convene " << CONVENE_VERSION << std::endl;
    return 0;
  }
  std::string command = argv[1];
  if (command != "serve" && command != "migrate" && command != "check-config") {
    std::cerr << "convene: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  }

  // No GST_DEBUG given: show Convene's own INFO lines (the request log) only.
  bool user_debug = g_getenv("GST_DEBUG") != nullptr;
  gst_init(nullptr, nullptr);
  if (!user_debug) gst_debug_set_threshold_from_string("convene*:4", FALSE);
  convene::log::init();
  if (sodium_init() < 0) {
    std::cerr << "convene: libsodium failed to initialise" << std::endl;
    return 1;
  }

  Flags flags;
  if (!parse_flags(argc - 1, argv + 1, command.c_str(), command == "serve", flags)) return 2;
  try {
    if (command == "check-config") return cmd_check_config(flags);
    return command == "serve" ? cmd_serve(flags) : cmd_migrate(flags);
  } catch (const std::exception& e) {
    std::cerr << "convene: " << e.what() << std::endl;
    return 1;
  }
}
