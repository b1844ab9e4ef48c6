// The SRT stream id of an ingest caller (src/ingest/srt_stream_id): the
// access-control convention #!::r=<room>,k=<key>, as tables.
#include "ingest/srt_stream_id.h"

#include <gtest/gtest.h>

using convene::ingest::parse_srt_stream_id;

TEST(SrtStreamId, RoomAndKeyInEitherOrder) {
  auto a = parse_srt_stream_id("#!::r=room1,k=secret");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->room_id, "room1");
  EXPECT_EQ(a->key, "secret");
  auto b = parse_srt_stream_id("#!::k=secret,r=room1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->room_id, "room1");
  EXPECT_EQ(b->key, "secret");
}

TEST(SrtStreamId, PublishModeAndUnknownKeysAreAccepted) {
  auto id = parse_srt_stream_id("#!::r=room1,k=secret,m=publish,t=stream,u=obs");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->room_id, "room1");
  EXPECT_EQ(id->key, "secret");
}

// ffmpeg 5.1 (Debian 12) sends the streamid of its srt:// URL undecoded.
TEST(SrtStreamId, PercentEncodedAsInAUrl) {
  auto id = parse_srt_stream_id("%23%21%3A%3Ar%3Droom1%2Ck%3Dsecret");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->room_id, "room1");
  EXPECT_EQ(id->key, "secret");
  EXPECT_FALSE(parse_srt_stream_id("%23%21%3A%3Ar%3Droom1")) << "still needs both";
  EXPECT_FALSE(parse_srt_stream_id("%2523%2521%253A%253Ar%253Droom1%252Ck%253Dsecret")) << "decoded once only";
}

TEST(SrtStreamId, WhatIsRefused) {
  const char* bad[] = {
      "",                              // nothing
      "room1",                         // no convention prefix
      "#!:r=room1,k=secret",           // wrong prefix
      "#!::r=room1",                   // no key
      "#!::k=secret",                  // no room
      "#!::r=,k=secret",               // empty room
      "#!::r=room1,k=",                // empty key
      "#!::r=room1,k=a,k=b",           // key twice
      "#!::r=a,r=b,k=secret",          // room twice
      "#!::r=room1,k=secret,m=request",  // playback: not served here
      "#!::r=room1,k=secret,junk",     // a pair without '='
      "#!::r=room1,=x,k=secret",       // a pair without a name
  };
  for (const char* s : bad) EXPECT_FALSE(parse_srt_stream_id(s)) << s;
}
