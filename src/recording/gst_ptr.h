// Owning pointers for the GStreamer objects of src/recording.
//
// Threads: whoever owns the pointer (the main loop here).
#pragma once

#include <gst/gst.h>

#include <memory>

#include "util/gst_object_ptr.h"

namespace convene::recording {

// A pipeline (or an element taken out of one) goes to NULL before its last
// reference is dropped, so no streaming thread outlives it.
struct StopAndUnref {
  void operator()(GstElement* e) const {
    if (!e) return;
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
};
using ElementPtr = std::unique_ptr<GstElement, StopAndUnref>;

using PadPtr = GstObjectPtr<GstPad>;

}  // namespace convene::recording
