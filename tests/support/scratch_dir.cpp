#include "scratch_dir.h"

#include <glib.h>

#include <cstdlib>
#include <vector>

namespace convene::testing {
namespace {

std::vector<std::string>& scratch_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}

void remove_scratch_dirs() {
  for (const auto& d : scratch_dirs()) remove_test_dir(d);
}

}  // namespace

std::string scratch_dir(const char* prefix) {
  std::string templ = std::string(prefix) + "-XXXXXX";
  g_autofree char* d = g_dir_make_tmp(templ.c_str(), nullptr);
  if (!d) return "";
  if (scratch_dirs().empty()) atexit(remove_scratch_dirs);
  scratch_dirs().push_back(d);
  return d;
}

void remove_test_dir(const std::string& dir) {
  if (dir.empty() || g_getenv("CONVENE_KEEP_TEST_DATA")) return;
  const char* argv[] = {"rm", "-rf", "--", dir.c_str(), nullptr};
  g_spawn_sync(nullptr, const_cast<char**>(argv), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, nullptr,
               nullptr, nullptr);
}

}  // namespace convene::testing
