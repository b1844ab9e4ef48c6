// Moving buffers from one pipeline to another without coupling them: a leaky
// queue ! appsink in the producing pipeline whose callback pushes into an
// appsrc of the consuming one, re-timestamping on the way. The producer never
// blocks and never sees the consumer's errors.
//
// Threads: the appsink callback (on_sample) runs on the producer's streaming
// thread and touches only its Feed (references it owns); everything else runs
// on the main loop.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <initializer_list>
#include <memory>
#include <utility>

#include "recording/gst_ptr.h"

namespace convene::recording {

// (gst_caps_unref is an inline function: a header's type cannot name it.)
struct CapsUnref {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};

// Where an output's timestamps start: the first buffer that either of its
// feeds (video, audio) passes on. Shared by the two so they stay in sync, and
// the output starts at 0 even when the composite's first frame comes late (on
// a loaded machine, 1.2 s after the attach once).
class OutputStart {
 public:
  // The start, set to `pts` if nothing was passed on before.
  GstClockTime settle(GstClockTime pts) {
    GstClockTime expected = GST_CLOCK_TIME_NONE;
    return at_.compare_exchange_strong(expected, pts) ? pts : expected;
  }

 private:
  std::atomic<GstClockTime> at_{GST_CLOCK_TIME_NONE};
};

// What one tap needs: where to push, and how to stamp.
struct Feed {
  GstObjectPtr<GstAppSrc> dst;
  GstObjectPtr<GstElement> timebase;  // restamp with its running time, or null; else:
  GstClockTime offset = 0;             // drop what is older than this (the attach),
  std::shared_ptr<OutputStart> start;  // and count from here (null: from offset)
  std::unique_ptr<GstCaps, CapsUnref> caps;  // the last caps handed to dst
  // Counted on the streaming thread, read on the main loop (a recording
  // whose branch got nothing says so when it finishes).
  std::atomic<guint64> pushed{0};
  std::atomic<guint64> before_start{0};  // dropped: from before the output's start
};

// The pipeline's running time now (GST_CLOCK_TIME_NONE before it has a clock).
GstClockTime running_time(GstElement* pipeline);
// queue (leaky) ! appsink into `bin`, feeding `feed` (which it takes); returns both (our references).
std::pair<ElementPtr, ElementPtr> add_tap(GstBin* bin, Feed* feed);
// Stops elements and takes them out of `bin` (null: just stops them).
void take_out(GstBin* bin, std::initializer_list<ElementPtr*> elements);

}  // namespace convene::recording
