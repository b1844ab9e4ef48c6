// Where each tile of the composite goes: a pure function, so the layout is
// tested without GStreamer.
#pragma once

#include <vector>

namespace convene::composite {

struct Tile {
  int x = 0, y = 0, width = 0, height = 0;
};

// `count` tiles on a width × height picture. featured < 0: a grid of
// ceil(sqrt(n)) columns and as many rows as needed (a short last row is
// centred). featured = i: tile i takes the left three quarters (all of it
// when alone) and the others stack in the right column, in order.
std::vector<Tile> layout(int width, int height, int count, int featured);

}  // namespace convene::composite
