// What a process holds, read from /proc: resident memory, threads, open
// descriptors, CPU time. Tests assert bounds on these (leaks), benchmarks print them.
#pragma once

namespace convene::testing {

struct ProcessFigures {
  long rss_kb = -1;       // VmRSS
  long peak_rss_kb = -1;  // VmHWM
  long threads = -1;
  long fds = -1;
  double cpu_s = 0;     // user + system
  double user_s = 0;    // in the process's own code and its libraries
  double system_s = 0;  // in the kernel on its behalf (system calls, page faults)
};

// -1 (and 0 s) for what cannot be read, e.g. a process that is gone.
ProcessFigures process_figures(int pid);

}  // namespace convene::testing
