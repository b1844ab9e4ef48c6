// A room's whiteboard: the strokes late joiners need, kept compactly (points
// as packed floats, not JSON trees), bounded by count and bytes with the
// oldest dropped first; and each user's drawing budget, in points a second.
// What it held goes back to the system when it is cleared or destroyed.
//
// Threads: main loop (owned by LiveRoom).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/token_bucket.h"

namespace convene::rooms {

struct Stroke {
  enum class Tool : uint8_t { Pen, Eraser };

  // Points in a stroke; coordinates up to this in magnitude.
  static constexpr size_t kMaxPoints = 10000;
  static constexpr double kMaxCoordinate = 1e6;

  Tool tool = Tool::Pen;
  double width = 2.0;
  std::string color;
  std::vector<float> xy;  // x0, y0, x1, y1, ...

  // Kept to 1/8 of a unit, which a float holds exactly up to kMaxCoordinate
  // and JSON writes back short (whole numbers as integers).
  void add_point(double x, double y);
  size_t point_count() const { return xy.size() / 2; }
  // What the whiteboard charges for it (about 8 bytes a point).
  size_t bytes() const;
  // {tool, color, width, points:[[x,y],...]}
  json::Object to_json() const;
};

struct WhiteboardLimits {
  size_t max_strokes = 5000;
  size_t max_bytes = 4 * 1024 * 1024;
  double points_per_sec = 5000;
  double points_burst = 20000;  // raised to a maximum-size stroke if lower
  size_t history_chunk_bytes = 128 * 1024;  // whiteboard-history messages
};

class Whiteboard {
 public:
  explicit Whiteboard(WhiteboardLimits limits);
  ~Whiteboard();
  Whiteboard(const Whiteboard&) = delete;
  Whiteboard& operator=(const Whiteboard&) = delete;

  // Charges `points` to the user's budget: false (and nothing charged) when
  // the user is drawing faster than the limits allow.
  bool admit(const std::string& user_id, size_t points, int64_t now_us);
  // Keeps the stroke; drops the oldest past the limits.
  void add(Stroke stroke);
  void clear();

  // Oldest first.
  const std::deque<Stroke>& strokes() const { return strokes_; }
  size_t bytes() const { return bytes_; }
  const WhiteboardLimits& limits() const { return limits_; }

 private:
  WhiteboardLimits limits_;
  std::deque<Stroke> strokes_;
  size_t bytes_ = 0;
  std::map<std::string, TokenBucket> budgets_;  // by user id
};

}  // namespace convene::rooms
