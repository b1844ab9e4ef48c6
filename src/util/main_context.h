// Running a function on a GLib main context's thread from any thread.
#pragma once

#include <glib.h>

#include <functional>

namespace convene {

// Runs `fn` later on the thread iterating `context`, never inline: always
// through a source attached to it. (g_main_context_invoke() would run it at
// once on the calling thread whenever the context is not owned right then.)
void post_to_context(GMainContext* context, std::function<void()> fn);

}  // namespace convene
