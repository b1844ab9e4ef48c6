#include "media/session_sources.h"

#include "media/pad_util.h"

namespace convene::media {

void for_each_source(GObject* session, const std::function<void(const GstStructure*)>& visit) {
  g_autoptr(GstStructure) stats = nullptr;
  g_object_get(session, "stats", &stats, nullptr);
  if (!stats) return;
  const GValue* sources = gst_structure_get_value(stats, "source-stats");
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS  // rtpsession hands out a GValueArray
  auto* array = sources && G_VALUE_HOLDS(sources, g_value_array_get_type())
                    ? static_cast<GValueArray*>(g_value_get_boxed(sources))
                    : nullptr;
  for (guint i = 0; array && i < array->n_values; ++i)
    if (GST_VALUE_HOLDS_STRUCTURE(&array->values[i])) visit(gst_value_get_structure(&array->values[i]));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

GObject* bundled_session(GstElement* webrtcbin) {
  g_autoptr(GstElement) rtpbin = child_by_factory(GST_BIN(webrtcbin), "rtpbin");
  if (!rtpbin) return nullptr;
  GObject* session = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);  // bundled: one session
  return session;
}

}  // namespace convene::media
