// A port on 127.0.0.1 that nobody uses now: for a server's listener a test
// starts (the test's network namespace is its own, so it stays free).
//
// Threads: any.
#pragma once

namespace convene::testing {

int free_udp_port();
int free_tcp_port();

}  // namespace convene::testing
