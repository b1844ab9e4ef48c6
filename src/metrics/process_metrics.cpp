#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace convene::metrics {
namespace {

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && (in >> value)) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

bool read_process_figures(ProcessFigures& out) {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // The command name (field 2) may hold spaces and parentheses: fields are
  // counted from the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() < 22) return false;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime (fields 14, 15)
  out.threads = std::stod(f[17]);                                     // field 20
  out.start_time_seconds = boot_time_seconds() + std::stod(f[19]) / ticks;  // field 22
  out.virtual_bytes = std::stod(f[20]);                               // field 23
  out.resident_bytes = std::stod(f[21]) * page;                       // field 24

  out.open_fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++out.open_fds;
    closedir(d);
    --out.open_fds;  // the directory stream's own descriptor
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) out.max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur;
  return true;
}

uint64_t add_process_collector(Registry& registry) {
  return registry.add_collector([](Collection& c) {
    ProcessFigures p;
    if (!read_process_figures(p)) return;
    c.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {}, p.cpu_seconds);
    c.gauge("process_resident_memory_bytes", "Resident memory size, in bytes.", {}, p.resident_bytes);
    c.gauge("process_virtual_memory_bytes", "Virtual memory size, in bytes.", {}, p.virtual_bytes);
    c.gauge("process_threads", "Threads in the process.", {}, p.threads);
    c.gauge("process_open_fds", "Open file descriptors.", {}, p.open_fds);
    c.gauge("process_max_fds", "The limit of open file descriptors.", {}, p.max_fds);
    c.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", {},
            p.start_time_seconds);
  });
}

}  // namespace convene::metrics
