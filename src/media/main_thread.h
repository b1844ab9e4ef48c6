// Handing work from GStreamer's threads (streaming threads, webrtcbin's own
// thread, libnice) to the GLib main loop, where rooms and peers live.
//
// Threads: post_to_main() may be called from any thread; the function runs
// later on the default main context's thread, never inline (see
// util/main_context.h).
#pragma once

#include <functional>
#include <memory>

namespace convene::media {

void post_to_main(std::function<void()> fn);

// A handle a GStreamer callback can hold without owning its target: the
// target keeps the only strong reference; callbacks keep weak ones and, back
// on the main loop, find it gone or alive. Created and destroyed on the main
// loop only, so a successful lock() there cannot race with destruction.
template <class T>
class MainThreadHandle {
 public:
  explicit MainThreadHandle(T* target) : strong_(std::make_shared<T*>(target)) {}
  std::weak_ptr<T*> weak() const { return strong_; }

  // Posts `fn(target)` to the main loop; dropped if the target is gone by then.
  static void post(const std::weak_ptr<T*>& weak, std::function<void(T&)> fn) {
    post_to_main([weak, fn = std::move(fn)] {
      if (auto alive = weak.lock()) fn(**alive);
    });
  }

 private:
  std::shared_ptr<T*> strong_;
};

}  // namespace convene::media
