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

// What one tap needs: where to push, and how to stamp.
struct Feed {
  GstObjectPtr<GstAppSrc> dst;
  GstObjectPtr<GstElement> timebase;  // restamp with its running time, or null
  GstClockTime offset = 0;                   // else: subtract this from the timestamps
  std::unique_ptr<GstCaps, CapsUnref> caps;  // the last caps handed to dst
  // Counted on the streaming thread, read on the main loop (a recording
  // whose branch got nothing says so when it finishes).
  std::atomic<guint64> pushed{0};
  std::atomic<guint64> before_offset{0};  // dropped: from before the consumer started
};

// The pipeline's running time now (GST_CLOCK_TIME_NONE before it has a clock).
GstClockTime running_time(GstElement* pipeline);
// queue (leaky) ! appsink into `bin`, feeding `feed` (which it takes); returns both (our references).
std::pair<ElementPtr, ElementPtr> add_tap(GstBin* bin, Feed* feed);
// Stops elements and takes them out of `bin` (null: just stops them).
void take_out(GstBin* bin, std::initializer_list<ElementPtr*> elements);

}  // namespace convene::recording
