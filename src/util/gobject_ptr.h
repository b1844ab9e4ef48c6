// Owning smart pointers for GLib/GStreamer references held as C++ members.
// Locals use g_autoptr; members and containers use these.
#pragma once

#include <glib-object.h>
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
