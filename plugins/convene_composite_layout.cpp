#include "convene_composite_layout.h"

#include <algorithm>
#include <cmath>

namespace convene::composite {

std::vector<Tile> layout(int width, int height, int count, int featured) {
  std::vector<Tile> tiles(static_cast<size_t>(std::max(count, 0)));
  if (count <= 0) return tiles;
  if (featured < 0 || featured >= count) {
    int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
    int rows = (count + cols - 1) / cols;
    int w = width / cols, h = height / rows;
    for (int i = 0; i < count; ++i) {
      int row = i / cols, col = i % cols;
      int in_row = std::min(cols, count - row * cols);
      int offset = (width - in_row * w) / 2;  // centres a short last row
      tiles[i] = {offset + col * w, row * h, w, h};
    }
    return tiles;
  }
  if (count == 1) {
    tiles[0] = {0, 0, width, height};
    return tiles;
  }
  int side_w = width / 4;
  int main_w = width - side_w;
  tiles[featured] = {0, 0, main_w, height};
  int others = count - 1;
  // Side tiles keep 16:9 unless too many to fit the height.
  int side_h = std::min(height / others, side_w * 9 / 16);
  int top = (height - side_h * others) / 2;
  int k = 0;
  for (int i = 0; i < count; ++i) {
    if (i == featured) continue;
    tiles[i] = {main_w, top + k * side_h, side_w, side_h};
    ++k;
  }
  return tiles;
}

}  // namespace convene::composite
