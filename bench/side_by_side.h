// `sfu-bench --against janus`: the same load on Convene and on Janus 1.1.2's
// videoroom, in alternating paired runs, with the medians and the ratio
// Convene ÷ Janus. Runs inside the namespace bench/sfu-bench makes (a veth
// pair whose two ends stay inside it), which it finds in BENCH_SERVER_ADDRESS,
// BENCH_CLIENT_ADDRESS and BENCH_SERVER_INTERFACE.
// While working on one side: BENCH_ONLY=janus|convene runs that server only;
// BENCH_JANUS_DEBUG_LEVEL (0-7), BENCH_JANUS_NICE_DEBUG=1 and
// BENCH_KEEP_JANUS_DIR=1 (its config and janus.log stay in /tmp) help with Janus.
#pragma once

#include <string>
#include <vector>

namespace convene::bench {

// args: --against janus [--pairs N] [--rooms 1,2] [--seconds S] [WIDTH HEIGHT]
int run_side_by_side(const std::vector<std::string>& args);

}  // namespace convene::bench
