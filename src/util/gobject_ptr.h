// Owning smart pointers for GLib/GStreamer references held as C++ members.
// Locals use g_autoptr; members and containers use these.
#pragma once

#include <glib-object.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <memory>

namespace convene {

struct GObjectUnref {
  void operator()(gpointer object) const {
    if (object) g_object_unref(object);
  }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Takes over a reference the caller already owns (a "transfer full" return).
template <class T>
GObjectPtr<T> adopt(T* object) {
  return GObjectPtr<T>(object);
}
// Adds a reference of our own to a borrowed ("transfer none") object.
template <class T>
GObjectPtr<T> retain(T* object) {
  return GObjectPtr<T>(object ? static_cast<T*>(g_object_ref(object)) : nullptr);
}

// GstObjects (elements, pads, bins) are released with gst_object_unref, which
// GStreamer's leak tracer and refcount debugging follow; other GObjects use
// GObjectPtr.
struct GstObjectUnref {
  void operator()(gpointer object) const {
    if (object) gst_object_unref(object);
  }
};
template <class T>
using GstObjectPtr = std::unique_ptr<T, GstObjectUnref>;

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

struct GstStructureFree {
  void operator()(GstStructure* s) const {
    if (s) gst_structure_free(s);
  }
};
using GstStructurePtr = std::unique_ptr<GstStructure, GstStructureFree>;

struct JsonNodeUnref {
  void operator()(JsonNode* node) const {
    if (node) json_node_unref(node);
  }
};
using JsonNodePtr = std::unique_ptr<JsonNode, JsonNodeUnref>;

struct GFreeDeleter {
  void operator()(gpointer p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFreeDeleter>;

struct GBytesUnref {
  void operator()(GBytes* b) const {
    if (b) g_bytes_unref(b);
  }
};
using GBytesPtr = std::unique_ptr<GBytes, GBytesUnref>;

struct GSourceDestroy {
  // Removes the source from its context and drops our reference.
  void operator()(GSource* s) const {
    if (s) {
      g_source_destroy(s);
      g_source_unref(s);
    }
  }
};
using GSourcePtr = std::unique_ptr<GSource, GSourceDestroy>;

}  // namespace convene
