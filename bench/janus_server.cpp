#include "janus_server.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include <csignal>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace convene::bench {

namespace {

constexpr const char* kLibDir = "/usr/lib/x86_64-linux-gnu/janus";

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A folder holding a link to exactly one module of Janus's own folder, so
// Janus loads that one and nothing else.
std::string only(const std::string& dir, const char* kind, const char* library) {
  std::string folder = dir + "/" + kind;
  g_mkdir_with_parents(folder.c_str(), 0700);
  if (library) {
    std::string target = std::string(kLibDir) + "/" + kind + "/" + library;
    if (!g_file_test(target.c_str(), G_FILE_TEST_EXISTS))
      throw std::runtime_error(target + " is missing: install Debian's janus package");
    if (symlink(target.c_str(), (folder + "/" + library).c_str()) != 0)
      throw std::runtime_error("cannot link " + target);
  }
  return folder;
}

}  // namespace

JanusServer::JanusServer(SoupSession* http, const std::string& ice_interface, const std::string& address,
                         int port) {
  g_autofree char* dir = g_dir_make_tmp("convene-janus-XXXXXX", nullptr);
  if (!dir) throw std::runtime_error("no temporary folder for Janus");
  dir_ = dir;
  write_config(ice_interface, address, port);
  api_url_ = "http://127.0.0.1:" + std::to_string(port) + "/janus";
  g_autoptr(GError) error = nullptr;
  std::string config = dir_ + "/janus.jcfg", log = dir_ + "/janus.log";
  proc_ = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "janus", "-C", config.c_str(), "-F",
                           dir_.c_str(), "-N", "-L", log.c_str(), nullptr);
  if (!proc_) throw std::runtime_error(std::string("cannot start janus: ") + error->message);
  pid_ = atoi(g_subprocess_get_identifier(proc_));
  // Up when {"janus":"server_info"} answers.
  std::string info = api_url_ + "/info";
  gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    g_autoptr(SoupMessage) msg = soup_message_new("GET", info.c_str());
    g_autoptr(GBytes) out = soup_session_send_and_read(http, msg, nullptr, nullptr);
    if (out && soup_message_get_status(msg) == 200) return;
    if (!g_subprocess_get_identifier(proc_)) break;  // exited (GLib reaped it)
    g_usleep(100 * 1000);
  }
  std::string failure = "Janus did not answer on " + info + "; its log:\n" + this->log();
  g_subprocess_force_exit(proc_);  // the destructor will not run
  g_subprocess_wait(proc_, nullptr, nullptr);
  g_clear_object(&proc_);
  throw std::runtime_error(failure);
}

JanusServer::~JanusServer() {
  if (proc_) {
    // GLib reaps the child on its worker thread: the identifier goes when it has.
    g_subprocess_send_signal(proc_, SIGTERM);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (g_subprocess_get_identifier(proc_) && g_get_monotonic_time() < deadline) g_usleep(10000);
    if (g_subprocess_get_identifier(proc_)) g_subprocess_force_exit(proc_);
    g_subprocess_wait(proc_, nullptr, nullptr);
    g_object_unref(proc_);
  }
  if (!g_getenv("BENCH_KEEP_JANUS_DIR")) {
    std::string rm = "rm -rf '" + dir_ + "'";
    if (system(rm.c_str()) != 0) g_printerr("could not remove %s\n", dir_.c_str());
  }
}

std::string JanusServer::log() const {
  std::ifstream in(dir_ + "/janus.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void JanusServer::write_config(const std::string& ice_interface, const std::string& address, int port) {
  std::string plugins = only(dir_, "plugins", "libjanus_videoroom.so");
  std::string transports = only(dir_, "transports", "libjanus_http.so");
  std::string events = only(dir_, "events", nullptr);
  std::string loggers = only(dir_, "loggers", nullptr);
  write_file(dir_ + "/janus.jcfg",
             "general: {\n"
             "  configs_folder = \"" + dir_ + "\"\n"
             "  plugins_folder = \"" + plugins + "\"\n"
             "  transports_folder = \"" + transports + "\"\n"
             "  events_folder = \"" + events + "\"\n"
             "  loggers_folder = \"" + loggers + "\"\n"
             "  interface = \"" + address + "\"\n"  // the address its SDP announces
             "  debug_level = " + std::string(g_getenv("BENCH_JANUS_DEBUG_LEVEL") ? g_getenv("BENCH_JANUS_DEBUG_LEVEL") : "4") + "\n"
             "  session_timeout = 60\n"
             "}\n"
             "media: {\n"
             "  ipv6 = false\n"
             "}\n"
             "nat: {\n"
             "  ice_enforce_list = \"" + ice_interface + "\"\n"
             "  ignore_mdns = true\n"
             "  nice_debug = " + std::string(g_getenv("BENCH_JANUS_NICE_DEBUG") ? "true" : "false") + "\n"
             "}\n"
             "plugins: {\n}\n"
             "transports: {\n}\n"
             "events: {\n  broadcast = false\n}\n"
             "loggers: {\n}\n");
  write_file(dir_ + "/janus.transport.http.jcfg",
             "general: {\n"
             "  json = \"plain\"\n"
             "  base_path = \"/janus\"\n"
             "  http = true\n"
             "  port = " + std::to_string(port) + "\n"
             "  ip = \"127.0.0.1\"\n"
             "  https = false\n"
             "}\n"
             "admin: {\n"
             "  admin_http = false\n"
             "  admin_https = false\n"
             "}\n");
  // No rooms configured: the bench creates them through the API.
  write_file(dir_ + "/janus.plugin.videoroom.jcfg", "general: {\n}\n");
}

}  // namespace convene::bench
