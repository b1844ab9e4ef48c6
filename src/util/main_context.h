// Running a function on a GLib main context's thread from any thread.
//
// Threads: post_to_context() may be called from any thread; `fn` runs on the
// thread iterating `context`.
#pragma once

#include <glib.h>
#include <gst/gst.h>

#include <functional>

namespace convene {

// Runs `fn` later on the thread iterating `context`, never inline: always
// through a source attached to it. (g_main_context_invoke() would run it at
// once on the calling thread whenever the context is not owned right then.)
// An exception escaping `fn` stops there: it is logged in `category` (the
// poster's module; convene-app when null) and the work dropped, since it
// must not unwind through GLib's C frames.
void post_to_context(GMainContext* context, std::function<void()> fn, GstDebugCategory* category = nullptr);

}  // namespace convene
