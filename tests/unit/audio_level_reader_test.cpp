// AudioLevelReader: loudness from RFC 6464 audio-level header values, as the
// publication's probe feeds it (one packet per 20 ms at most, a reading per 100 ms).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "media/audio_level_reader.h"

namespace convene::media {
namespace {

// Feeds one level per packet every `step_us`; returns the readings given.
std::vector<double> feed(AudioLevelReader& r, const std::vector<int>& levels, int64_t step_us, int64_t start_us = 0) {
  std::vector<double> out;
  int64_t t = start_us;
  for (int level : levels) {
    if (auto db = r.add(level, t)) out.push_back(*db);
    t += step_us;
  }
  return out;
}

TEST(AudioLevelReader, OneReadingPer100MsOfSteadyLevelInDbov) {
  AudioLevelReader r;
  // 20 ms packets for 1 s at level 30 (-30 dBov).
  auto readings = feed(r, std::vector<int>(51, 30), 20000);
  ASSERT_EQ(readings.size(), 10u);
  for (double db : readings) EXPECT_NEAR(db, -30.0, 1e-9);
}

TEST(AudioLevelReader, SilenceIsMinus127AndOutOfRangeCountsAsSilence) {
  AudioLevelReader r;
  auto readings = feed(r, std::vector<int>(6, 127), 20000);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_DOUBLE_EQ(readings[0], -127.0);
  AudioLevelReader loud;
  readings = feed(loud, {0, 0, 0, 0, 0, 0}, 20000);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_DOUBLE_EQ(readings[0], 0.0);
  AudioLevelReader odd;
  readings = feed(odd, {200, 200, 200, 200, 200, 200}, 20000);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_DOUBLE_EQ(readings[0], -127.0);
}

TEST(AudioLevelReader, AveragesPowerNotDecibels) {
  AudioLevelReader r;
  // Half the packets at -10 dBov, half silent: the mean power is half of
  // -10 dBov's, 3 dB below it (a mean of decibels would say -68.5).
  auto readings = feed(r, {10, 127, 10, 127, 10, 127}, 20000);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_NEAR(readings[0], -10.0 - 10.0 * std::log10(6.0 / 3.0), 0.01);
  EXPECT_GT(readings[0], -14.0);
}

TEST(AudioLevelReader, ReadsAtMostOnePacketPer20Ms) {
  AudioLevelReader r;
  EXPECT_TRUE(r.wants(0));
  // 10 ms packets: every other one is skipped, so the loud ones (odd) never count.
  std::vector<int> levels;
  for (int i = 0; i < 22; ++i) levels.push_back(i % 2 ? 0 : 90);
  auto readings = feed(r, levels, 10000);
  ASSERT_EQ(readings.size(), 2u);
  for (double db : readings) EXPECT_NEAR(db, -90.0, 1e-9);
  EXPECT_FALSE(r.wants(210000 + 5000)) << "within 20 ms of the last packet read";
  EXPECT_TRUE(r.wants(200000 + 20000));
}

TEST(AudioLevelReader, AGapEndsTheIntervalAtTheNextPacket) {
  AudioLevelReader r;
  EXPECT_FALSE(r.add(40, 0));
  // Nothing for a second (a muted microphone sends nothing): the next packet
  // closes the interval, with what it has.
  auto db = r.add(40, 1000000);
  ASSERT_TRUE(db);
  EXPECT_NEAR(*db, -40.0, 1e-9);
}

}  // namespace
}  // namespace convene::media
