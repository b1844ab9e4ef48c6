// The one deleter shape of the project's owning pointers: hand what it
// holds to a C library's release function.
#pragma once

namespace convene {

// For std::unique_ptr<T, ReleaseWith<g_object_unref>> and the like.
template <auto release>
struct ReleaseWith {
  template <class T>
  void operator()(T* object) const {
    if (object) release(object);
  }
};

}  // namespace convene
