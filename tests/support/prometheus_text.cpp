#include "prometheus_text.h"

#include <gio/gio.h>

#include <sstream>

namespace convene::testing {

std::map<std::string, double> prometheus_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = g_ascii_strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

double prometheus_value(const std::string& text, const std::string& series) {
  auto samples = prometheus_samples(text);
  auto it = samples.find(series);
  return it == samples.end() ? -1 : it->second;
}

std::string promtool_problems(const std::string& text) {
  g_autofree char* promtool = g_find_program_in_path("promtool");
  if (!promtool) return "promtool is not installed (Debian package prometheus)";
  g_autoptr(GError) err = nullptr;
  g_autoptr(GSubprocess) p = g_subprocess_new(
      GSubprocessFlags(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE),
      &err, promtool, "check", "metrics", nullptr);
  if (!p) return err->message;
  g_autofree char* out = nullptr;
  if (!g_subprocess_communicate_utf8(p, text.c_str(), nullptr, &out, nullptr, &err)) return err->message;
  std::string said = out ? out : "";
  if (g_subprocess_get_exit_status(p) != 0 || !said.empty()) return "promtool: " + said;
  return "";
}

}  // namespace convene::testing
