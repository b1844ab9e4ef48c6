#include "rooms/whiteboard.h"

#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "util/log.h"

#define GST_CAT_DEFAULT convene_rooms_debug

namespace convene::rooms {
namespace {

// Below this, freeing a board is left to the allocator's own trimming.
constexpr size_t kTrimAtBytes = 1024 * 1024;

// glibc gives back only the top of its heap on free(); a board's arrays
// freed below blocks still in use would stay in RSS. Measured in
// tests/integration/whiteboard_test.cpp, where little else is allocated
// meanwhile, the arrays sit at the top and go back either way (RSS after a
// clear 66.1 MB with the trim, 67.1 MB without); in a busy server they need not.
void return_free_memory(size_t freed_bytes) {
  if (freed_bytes < kTrimAtBytes) return;
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void add_coordinate(json::Array& pair, float v) {
  if (v == std::trunc(v))
    pair.add(static_cast<int64_t>(v));
  else
    pair.add(static_cast<double>(v));
}

}  // namespace

void Stroke::add_point(double x, double y) {
  xy.push_back(static_cast<float>(std::round(x * 8) / 8));
  xy.push_back(static_cast<float>(std::round(y * 8) / 8));
}

size_t Stroke::bytes() const { return sizeof(Stroke) + color.size() + xy.size() * sizeof(float); }

json::Object Stroke::to_json() const {
  json::Array points;
  for (size_t i = 0; i + 1 < xy.size(); i += 2) {
    json::Array pair;
    add_coordinate(pair, xy[i]);
    add_coordinate(pair, xy[i + 1]);
    points.add(std::move(pair));
  }
  json::Object o;
  o.set("tool", tool == Tool::Eraser ? "eraser" : "pen").set("color", color).set("width", width).set("points", std::move(points));
  return o;
}

Whiteboard::Whiteboard(WhiteboardLimits limits) : limits_(limits) {
  limits_.points_burst = std::max(limits_.points_burst, static_cast<double>(Stroke::kMaxPoints));
}

Whiteboard::~Whiteboard() {
  size_t held = bytes_;
  std::deque<Stroke>().swap(strokes_);
  return_free_memory(held);
}

bool Whiteboard::admit(const std::string& user_id, size_t points, int64_t now_us) {
  // Forget users whose budget has refilled, so the map holds recent drawers only.
  if (budgets_.size() > 32)
    for (auto it = budgets_.begin(); it != budgets_.end();)
      it = it->first != user_id && it->second.full(now_us) ? budgets_.erase(it) : std::next(it);
  auto it = budgets_.try_emplace(user_id, limits_.points_per_sec, limits_.points_burst).first;
  return it->second.take(static_cast<double>(points), now_us);
}

void Whiteboard::add(Stroke stroke) {
  stroke.xy.shrink_to_fit();
  bytes_ += stroke.bytes();
  strokes_.push_back(std::move(stroke));
  while (!strokes_.empty() && (strokes_.size() > limits_.max_strokes || bytes_ > limits_.max_bytes)) {
    bytes_ -= strokes_.front().bytes();
    strokes_.pop_front();
  }
}

void Whiteboard::clear() {
  size_t held = bytes_;
  std::deque<Stroke>().swap(strokes_);
  bytes_ = 0;
  if (held) GST_DEBUG("whiteboard cleared (%zu bytes)", held);
  return_free_memory(held);
}

}  // namespace convene::rooms
