// Owning smart pointers for GLib/GStreamer references held as C++ members.
// Locals use g_autoptr; members and containers use these.
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include <memory>

#include "util/release_with.h"

namespace convene {

template <class T>
using GObjectPtr = std::unique_ptr<T, ReleaseWith<g_object_unref>>;

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

using JsonNodePtr = std::unique_ptr<JsonNode, ReleaseWith<json_node_unref>>;
using GCharPtr = std::unique_ptr<char, ReleaseWith<g_free>>;
using GBytesPtr = std::unique_ptr<GBytes, ReleaseWith<g_bytes_unref>>;

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
