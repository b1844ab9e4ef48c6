#include "util/main_context.h"

#include <exception>

#include "util/log.h"

namespace convene {

namespace {

struct Posted {
  std::function<void()> fn;
  GstDebugCategory* category;
};

}  // namespace

void post_to_context(GMainContext* context, std::function<void()> fn, GstDebugCategory* category) {
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* posted = static_cast<Posted*>(data);
        GstDebugCategory* cat = posted->category ? posted->category : convene_app_debug;
        try {
          posted->fn();
        } catch (const std::exception& e) {
          GST_CAT_ERROR(cat, "posted work failed and was dropped: %s", e.what());
        } catch (...) {
          GST_CAT_ERROR(cat, "posted work failed (not a std::exception) and was dropped");
        }
        return G_SOURCE_REMOVE;
      },
      new Posted{std::move(fn), category}, [](gpointer data) { delete static_cast<Posted*>(data); });
  g_source_attach(source, context);
  g_source_unref(source);
}

}  // namespace convene
