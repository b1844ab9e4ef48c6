// Owning pointers for the GStreamer objects of src/recording.
//
// Threads: whoever owns the pointer (the main loop here).
#pragma once

#include <gst/gst.h>

#include <memory>

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

struct GstObjectUnref {
  void operator()(gpointer o) const {
    if (o) gst_object_unref(o);
  }
};
using PadPtr = std::unique_ptr<GstPad, GstObjectUnref>;

}  // namespace convene::recording
