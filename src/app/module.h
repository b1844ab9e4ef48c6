// What the composition root (app/app.h) asks of a feature module: an orderly
// end. Feature modules include this, never app.h: they are handed what they
// need through their constructors.
//
// Threads: main loop.
#pragma once

#include <functional>

namespace convene::app {

class Module {
 public:
  virtual ~Module() = default;
  // Called once on SIGTERM/SIGINT, before the store closes. Call `done` when
  // finished (at once if there is nothing to wait for).
  virtual void shutdown(std::function<void()> done) { done(); }
};

}  // namespace convene::app
