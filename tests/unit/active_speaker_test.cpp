// ActiveSpeakerDetector: who becomes the active speaker from level readings.
#include <gtest/gtest.h>

#include "media/active_speaker.h"

namespace convene::media {
namespace {

TEST(ActiveSpeaker, FirstVoiceAboveTheThresholdSpeaksAtOnce) {
  ActiveSpeakerDetector d(-50, 300);
  EXPECT_FALSE(d.update("a", -70, 100));  // silence is nobody
  EXPECT_FALSE(d.update("b", -80, 100));
  auto r = d.update("c", -20, 200);  // a first reading counts as it is
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "c");
}

TEST(ActiveSpeaker, ALouderVoiceTakesOverOnlyAfterTheHold) {
  ActiveSpeakerDetector d(-50, 300);
  d.update("a", -30, 0);
  // b is louder from t=100; the smoothed level needs a few readings, then the 300 ms hold.
  int64_t at = -1;
  for (int64_t t = 100; t <= 1000 && at < 0; t += 100) {
    auto by_a = d.update("a", -30, t);
    auto by_b = d.update("b", -10, t);
    if (by_a || by_b) {
      EXPECT_EQ(by_a.value_or(by_b.value_or("")), "b");
      at = t;
    }
  }
  EXPECT_EQ(d.current(), "b");
  EXPECT_GE(at, 400) << "not before b stayed loudest for the hold time";
}

TEST(ActiveSpeaker, ABlipDoesNotFlipTheSpeaker) {
  ActiveSpeakerDetector d(-50, 300);
  d.update("a", -30, 0);
  d.update("b", -10, 100);  // one loud reading from b
  for (int64_t t = 200; t <= 1000; t += 100) {
    EXPECT_FALSE(d.update("a", -30, t));
    EXPECT_FALSE(d.update("b", -90, t));
  }
  EXPECT_EQ(d.current(), "a");
}

TEST(ActiveSpeaker, SilenceKeepsTheLastSpeakerAndRemovalForgetsIt) {
  ActiveSpeakerDetector d(-50, 300);
  d.update("a", -20, 0);
  EXPECT_FALSE(d.update("a", -90, 2000));
  EXPECT_EQ(d.current(), "a");
  d.remove("a");
  EXPECT_EQ(d.current(), "");
  auto r = d.update("b", -20, 2100);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "b");
}

}  // namespace
}  // namespace convene::media
