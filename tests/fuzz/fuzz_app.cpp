#include "fuzz_app.h"

#include <gst/gst.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "util/log.h"

namespace convene::fuzz {
namespace {

std::string data_dir;

void remove_data_dir() {
  std::error_code ignored;
  if (!data_dir.empty()) std::filesystem::remove_all(data_dir, ignored);
}

}  // namespace

void init_process() {
  static bool done = false;
  if (done) return;
  done = true;
  gst_init(nullptr, nullptr);
  log::init();
  if (sodium_init() < 0) abort();
}

app::App& app(const std::function<void(config::Config&)>& tune) {
  // Reachable until exit, so LeakSanitizer does not count it.
  static app::App* instance = nullptr;
  if (instance) return *instance;
  init_process();
  g_autoptr(GError) err = nullptr;
  g_autofree char* dir = g_dir_make_tmp("convene-fuzz-XXXXXX", &err);
  if (!dir) abort();
  data_dir = dir;
  atexit(remove_data_dir);
  config::Config cfg;
  cfg.set("server", "port", "0");
  cfg.set("server", "data_dir", data_dir);
  cfg.set("auth", "captcha", "false");
  cfg.set("ratelimit", "enabled", "false");
  if (tune) tune(cfg);
  instance = new app::App(std::move(cfg));
  instance->start();
  return *instance;
}

bool pump_until(const std::function<bool()>& done, int timeout_ms) {
  const gint64 deadline = g_get_monotonic_time() + gint64{timeout_ms} * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(20);
  }
  return true;
}

void drain_store() {
  auto finished = std::make_shared<bool>(false);
  app().store().run_void([](store::Connection&) {}, [finished](store::Outcome<store::Unit>) { *finished = true; });
  if (!pump_until([&] { return *finished; }, 30'000)) abort();  // a store that stalls is a finding too
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
}

}  // namespace convene::fuzz
