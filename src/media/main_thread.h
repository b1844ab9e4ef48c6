// Handing work from GStreamer's threads (streaming threads, webrtcbin's own
// thread, libnice) to the GLib main loop, where rooms and peers live.
//
// Threads: post_to_main() may be called from any thread; the function runs
// later on the default main context's thread, never inline (see
// util/main_context.h). Timers are started and cancelled on the main loop.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>

#include "util/gobject_ptr.h"

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

  // The one timer idiom of the media plane: `fn(target)` runs on the main
  // loop `interval_ms` from now (once, or every interval with `repeat`),
  // never after the target is gone. The source is kept in `slot`, a member
  // of the target: resetting it cancels the timer, and a one-shot timer
  // empties it just before `fn` runs, so `slot` says whether one is pending
  // (and `fn` may start the next one, or destroy the target).
  void start_timer(GSourcePtr& slot, guint interval_ms, std::function<void(T&)> fn, bool repeat = false) const {
    struct Tick {
      std::weak_ptr<T*> weak;
      GSourcePtr* slot;
      std::function<void(T&)> fn;
      bool repeat;
    };
    // A repeating whole-second timer may be coalesced with others (it can run
    // up to a second early); a one-shot timer is a deadline ("not before"),
    // so it keeps millisecond precision.
    GSource* timer = repeat && interval_ms % 1000 == 0 ? g_timeout_source_new_seconds(interval_ms / 1000)
                                                       : g_timeout_source_new(interval_ms);
    g_source_set_callback(
        timer,
        [](gpointer data) -> gboolean {
          auto* tick = static_cast<Tick*>(data);
          auto alive = tick->weak.lock();
          if (!alive) return G_SOURCE_REMOVE;
          if (tick->repeat) {
            tick->fn(**alive);
            return G_SOURCE_CONTINUE;
          }
          // The source ends by returning REMOVE: the slot lets go of it first.
          g_source_unref(tick->slot->release());
          auto fn = std::move(tick->fn);  // `tick` goes with the source
          fn(**alive);
          return G_SOURCE_REMOVE;
        },
        new Tick{strong_, &slot, std::move(fn), repeat}, [](gpointer data) { delete static_cast<Tick*>(data); });
    g_source_attach(timer, g_main_context_default());
    slot.reset(timer);
  }

 private:
  std::shared_ptr<T*> strong_;
};

}  // namespace convene::media
