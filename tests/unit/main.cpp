// Shared main for unit tests: GStreamer and libsodium set up once.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include "util/log.h"

namespace {

// A GLib or GStreamer critical is a bug (a failed precondition: an unmapped
// buffer unmapped, empty text parsed, a reference dropped twice). It fails
// the test it happened in, on whichever thread, and is printed as before.
void fail_on_critical(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
  if (level & G_LOG_LEVEL_CRITICAL) ADD_FAILURE() << (domain ? domain : "") << "-CRITICAL: " << message;
  g_log_default_handler(domain, level, message, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  convene::log::init();
  if (sodium_init() < 0) return 1;
  g_log_set_default_handler(fail_on_critical, nullptr);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
