// The whiteboard's storage and drawing budget (rooms/whiteboard) and the
// token bucket under it, as tables.
#include <gtest/gtest.h>

#include "rooms/whiteboard.h"
#include "util/token_bucket.h"

using convene::TokenBucket;
using convene::rooms::Stroke;
using convene::rooms::Whiteboard;
using convene::rooms::WhiteboardLimits;

namespace {

Stroke stroke_of(size_t points, float first_x = 0) {
  Stroke s;
  s.color = "#000000";
  for (size_t i = 0; i < points; ++i) s.add_point(i == 0 ? first_x : static_cast<double>(i), 1.0);
  return s;
}

}  // namespace

TEST(TokenBucket, TakesWhatIsLeftAndRefillsAtTheRate) {
  struct Step {
    int64_t now_us;
    double cost;
    bool allowed;
  };
  // 1,000 a second, 2,000 saved up at most.
  const Step steps[] = {
      {0, 1500, true},          // from the full burst: 500 left
      {0, 600, false},          // refused, nothing taken
      {0, 500, true},           // 0 left
      {500000, 500, true},      // half a second later: 500 came back
      {10000000, 2000, true},   // ten seconds: capped at the burst
      {10000000, 1, false},
      {9000000, 1, false},      // a clock going back adds nothing
      {10001000, 1, true},
  };
  TokenBucket b(1000, 2000);
  for (const Step& s : steps) EXPECT_EQ(b.take(s.cost, s.now_us), s.allowed) << "at " << s.now_us << " cost " << s.cost;
}

TEST(WhiteboardStore, PointsArePackedAndComeBackAsDrawn) {
  Stroke s;
  s.tool = Stroke::Tool::Eraser;
  s.color = "#ff0000";
  s.width = 3;
  s.add_point(1, 2);
  s.add_point(3, 4.5);
  s.add_point(-0.3, 1279.99);  // kept to 1/8 of a unit
  EXPECT_EQ(s.point_count(), 3u);
  EXPECT_EQ(s.bytes(), sizeof(Stroke) + 7 + 6 * sizeof(float));
  auto text = convene::json::stringify(s.to_json().node().get());
  EXPECT_NE(text.find(R"("points":[[1,2],[3,4.5],[-0.25,1280]])"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("tool":"eraser")"), std::string::npos) << text;
}

TEST(WhiteboardStore, TheOldestGoPastTheByteAndStrokeBounds) {
  const size_t one = stroke_of(1000).bytes();
  struct Case {
    size_t max_strokes, max_bytes, added, kept;
  };
  const Case cases[] = {
      {100, one * 10, 25, 10},      // by bytes
      {5, one * 10, 25, 5},         // by count
      {100, one * 10 + 1, 3, 3},    // under both
      {100, one / 2, 1, 0},         // a stroke larger than the whole board is not kept
  };
  for (const Case& c : cases) {
    Whiteboard board(WhiteboardLimits{c.max_strokes, c.max_bytes, 5000, 20000});
    for (size_t i = 0; i < c.added; ++i) board.add(stroke_of(1000, static_cast<float>(i)));
    ASSERT_EQ(board.strokes().size(), c.kept) << c.max_strokes << "/" << c.max_bytes;
    EXPECT_EQ(board.bytes(), c.kept * one);
    if (c.kept) {
      EXPECT_EQ(board.strokes().front().xy[0], static_cast<float>(c.added - c.kept)) << "the newest are kept";
    }
  }
  Whiteboard board(WhiteboardLimits{});
  board.add(stroke_of(10));
  board.clear();
  EXPECT_TRUE(board.strokes().empty());
  EXPECT_EQ(board.bytes(), 0u);
}

TEST(WhiteboardStore, EachUserHasADrawingBudget) {
  Whiteboard board(WhiteboardLimits{5000, 4 << 20, 5000, 20000});
  EXPECT_TRUE(board.admit("ann", 10000, 0));
  EXPECT_TRUE(board.admit("ann", 10000, 0));
  EXPECT_FALSE(board.admit("ann", 10000, 0));
  EXPECT_TRUE(board.admit("bob", 10000, 0)) << "another user's budget is their own";
  EXPECT_FALSE(board.admit("ann", 10000, 1000000));
  EXPECT_TRUE(board.admit("ann", 10000, 2000000));
  // A burst configured below one maximum stroke is raised to it.
  Whiteboard tight(WhiteboardLimits{5000, 4 << 20, 10, 10});
  EXPECT_TRUE(tight.admit("ann", Stroke::kMaxPoints, 0));
}
