// Owning smart pointers for GStreamer references held as C++ members: kept
// apart from gobject_ptr.h so that code without media does not include
// GStreamer. Locals use g_autoptr; members and containers use these.
#pragma once

#include <gst/gst.h>

#include <memory>

#include "util/release_with.h"

namespace convene {

// GstObjects (elements, pads, bins) are released with gst_object_unref, which
// GStreamer's leak tracer and refcount debugging follow; other GObjects use
// GObjectPtr.
template <class T>
using GstObjectPtr = std::unique_ptr<T, ReleaseWith<gst_object_unref>>;

// Takes over a GstObject reference the caller already owns (a "transfer full"
// return, such as gst_element_get_static_pad or a sunk new element).
template <class T>
GstObjectPtr<T> adopt_gst(T* object) {
  return GstObjectPtr<T>(object);
}
// Adds a reference of our own to a borrowed ("transfer none") GstObject.
template <class T>
GstObjectPtr<T> retain_gst(T* object) {
  return GstObjectPtr<T>(object ? static_cast<T*>(gst_object_ref(object)) : nullptr);
}

using GstStructurePtr = std::unique_ptr<GstStructure, ReleaseWith<gst_structure_free>>;

}  // namespace convene
