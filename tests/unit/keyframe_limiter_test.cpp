// One keyframe limiter per published track, shared by its subscribers.
#include <gtest/gtest.h>

#include <string>

#include "media/keyframe_limiter.h"

using namespace convene::media;

TEST(KeyframeLimiter, OneRequestPerIntervalReachesThePublisher) {
  struct Row {
    int64_t at_ms;
    bool sent;
  };
  // Interval 300 ms; many subscribers asking at once, then one by one.
  const Row rows[] = {
      {1000, true},                                  // the first goes out at once
      {1000, false}, {1001, false}, {1150, false},   // others in the same moment are combined with it
      {1299, false},                                 // still inside the interval
      {1300, true},                                  // the interval has passed
      {1301, false}, {1599, false},                  //
      {5000, true},                                  // long after: at once
      {4999, false},                                 // a clock that went back counts as inside
  };
  KeyframeLimiter limiter(300);
  int i = 0;
  for (const Row& r : rows) EXPECT_EQ(limiter.request(r.at_ms), r.sent) << "row " << i++ << " at " << r.at_ms;
  EXPECT_EQ(limiter.sent(), 3u);
  EXPECT_EQ(limiter.combined(), 7u);
}

TEST(KeyframeLimiter, FiftySubscribersAskingEveryHundredMsCostTheRateOfOne) {
  KeyframeLimiter shared(300);
  int sent = 0;
  for (int64_t t = 0; t < 3000; t += 100)
    for (int subscriber = 0; subscriber < 50; ++subscriber) sent += shared.request(t + subscriber % 7);
  EXPECT_EQ(sent, 10) << "one per 300 ms over 3 s, whatever the number of subscribers";
}

TEST(KeyframeLimiter, ZeroIntervalPassesEverything) {
  KeyframeLimiter none(0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(none.request(100));
}

TEST(KeyframeLimiter, ACombinedRequestIsOwedOneMoreAfterTheInterval) {
  KeyframeLimiter limiter(300);
  struct Row {
    const char* what;
    int64_t at_ms;
    bool sent, due_after;
  };
  const Row rows[] = {
      {"request", 0, true, false},      // answered at once: nothing owed
      {"due?", 400, false, false},      // no combined request: no retry
      {"request", 500, true, false},
      {"request", 650, false, false},   // combined (its keyframe may have passed already)...
      {"due?", 700, false, false},      // ...owed, but not inside the interval
      {"due?", 800, false, true},       // the interval is over: one more is due
      {"request", 800, true, false},    // the retry goes out and settles what was owed
      {"due?", 1200, false, false},
  };
  int i = 0;
  for (const Row& r : rows) {
    if (std::string(r.what) == "request") {
      EXPECT_EQ(limiter.request(r.at_ms), r.sent) << "row " << i;
    }
    EXPECT_EQ(limiter.retry_due(r.at_ms), r.due_after) << "row " << i;
    ++i;
  }
}
