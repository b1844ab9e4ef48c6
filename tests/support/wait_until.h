// Waiting, from a test's thread, for something another thread does.
#pragma once

#include <glib.h>

namespace convene::test {

// Polls `pred` until it holds (true) or `timeout_us` has passed (false).
template <typename Pred>
bool wait_until(Pred pred, gint64 timeout_us = 10 * G_USEC_PER_SEC) {
  const gint64 deadline = g_get_monotonic_time() + timeout_us;
  while (!pred()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_usleep(2000);
  }
  return true;
}

}  // namespace convene::test
