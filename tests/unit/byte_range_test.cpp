// What a Range header asks of a file (http/byte_range.h): table tests of
// byte_range_of over libsoup's parser, including the ends libsoup 3.2.3
// leaves unclamped.
#include <gtest/gtest.h>

#include <libsoup/soup.h>

#include "http/byte_range.h"

using convene::http::ByteRange;
using convene::http::byte_range_of;

namespace {

ByteRange range_for(const char* header, int64_t size) {
  SoupMessageHeaders* headers = soup_message_headers_new(SOUP_MESSAGE_HEADERS_REQUEST);
  if (header) soup_message_headers_append(headers, "Range", header);
  ByteRange r = byte_range_of(headers, size);
  soup_message_headers_unref(headers);
  return r;
}

void expect_part(const char* header, int64_t size, int64_t first, int64_t last) {
  ByteRange r = range_for(header, size);
  EXPECT_EQ(r.kind, ByteRange::Kind::Part) << header;
  EXPECT_EQ(r.first, first) << header;
  EXPECT_EQ(r.last, last) << header;
}

}  // namespace

TEST(ByteRange, OneRangeClampedToTheBody) {
  expect_part("bytes=0-10", 100, 0, 10);
  expect_part("bytes=100-199", 1000, 100, 199);
  expect_part("bytes=0-99999999", 100, 0, 99);  // libsoup 3.2.3 keeps 99999999
  expect_part("bytes=90-", 100, 90, 99);
  expect_part("bytes=-10", 100, 90, 99);
  expect_part("bytes=-1000", 100, 0, 99);  // a suffix longer than the body: all of it
  expect_part("bytes=0-10,5-20", 100, 0, 20);  // overlapping: one range
  expect_part("bytes=200-300,0-1", 100, 0, 1);  // the one that can be served
}

TEST(ByteRange, NothingToSliceAnswersWhole) {
  for (const char* header : {static_cast<const char*>(nullptr), "items=0-1", "bytes=5-2", "bytes=abc", "bytes=",
                             "bytes=0-1,3-4"})
    EXPECT_EQ(range_for(header, 100).kind, ByteRange::Kind::Whole) << (header ? header : "(none)");
}

TEST(ByteRange, StartsPastTheEndAreUnsatisfiable) {
  for (const char* header : {"bytes=99999999-", "bytes=100-", "bytes=100-200", "bytes=-0", "bytes=200-300,150-"})
    EXPECT_EQ(range_for(header, 100).kind, ByteRange::Kind::Unsatisfiable) << header;
  EXPECT_EQ(range_for("bytes=0-", 0).kind, ByteRange::Kind::Unsatisfiable);
}
