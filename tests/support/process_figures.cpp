#include "process_figures.h"

#include <glib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace convene::testing {

ProcessFigures process_figures(int pid) {
  ProcessFigures f;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_kb = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) f.peak_rss_kb = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) f.threads = std::stol(line.substr(8));
  }
  if (g_autoptr(GDir) fd_dir = g_dir_open((proc + "/fd").c_str(), 0, nullptr)) {
    f.fds = 0;
    while (g_dir_read_name(fd_dir)) ++f.fds;
  }
  std::ifstream stat(proc + "/stat");
  std::string line;
  if (std::getline(stat, line) && line.rfind(')') != std::string::npos) {
    // Fields after the command name, which may itself hold spaces and parentheses.
    std::istringstream in(line.substr(line.rfind(')') + 2));
    std::vector<std::string> fields;
    for (std::string x; in >> x;) fields.push_back(x);
    if (fields.size() > 12) {
      const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
      f.user_s = std::stod(fields[11]) / ticks_per_s;
      f.system_s = std::stod(fields[12]) / ticks_per_s;
      f.cpu_s = f.user_s + f.system_s;
    }
  }
  return f;
}

}  // namespace convene::testing
