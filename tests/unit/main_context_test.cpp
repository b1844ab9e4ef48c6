// post_to_context: work posted from any thread runs on the context's thread,
// and an exception thrown by it stops at the barrier instead of unwinding
// through GLib's C frames into whoever iterates the loop.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "util/main_context.h"

namespace convene {
namespace {

// Iterates `context` until nothing is pending; false if an exception came out of it.
bool drain(GMainContext* context) {
  try {
    while (g_main_context_iteration(context, FALSE)) {
    }
    return true;
  } catch (...) {
    return false;
  }
}

TEST(MainContext, PostedWorkRunsLaterOnTheContextsThread) {
  GMainContext* context = g_main_context_new();
  std::thread::id ran_on;
  std::thread poster([&] { post_to_context(context, [&] { ran_on = std::this_thread::get_id(); }); });
  poster.join();
  EXPECT_EQ(ran_on, std::thread::id()) << "never inline";
  EXPECT_TRUE(drain(context));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  g_main_context_unref(context);
}

TEST(MainContext, AnExceptionInPostedWorkIsDroppedAndTheLoopGoesOn) {
  GMainContext* context = g_main_context_new();
  int ran = 0;
  post_to_context(context, [] { throw std::runtime_error("a bug in a callback"); });
  post_to_context(context, [] { throw 42; });
  post_to_context(context, [&] { ++ran; });
  EXPECT_TRUE(drain(context)) << "no exception comes out of g_main_context_iteration";
  EXPECT_EQ(ran, 1) << "work posted after the failing one still runs";
  g_main_context_unref(context);
}

}  // namespace
}  // namespace convene
