// What the composition root (app/app.h) asks of a feature module: an orderly
// end. It lives in util/ so that feature modules depend on nothing above
// them: they are handed what they need through their constructors.
//
// Threads: main loop.
#pragma once

#include <functional>

namespace convene::util {

class Module {
 public:
  virtual ~Module() = default;
  // Called once on SIGTERM/SIGINT, before the store closes. Call `done` when
  // finished (at once if there is nothing to wait for).
  virtual void shutdown(std::function<void()> done) { done(); }
};

}  // namespace convene::util
