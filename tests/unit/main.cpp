// Shared main for unit tests: GStreamer and libsodium set up once.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include "util/log.h"

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  convene::log::init();
  if (sodium_init() < 0) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
