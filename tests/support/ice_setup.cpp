#include "ice_setup.h"

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/webrtc/webrtc.h>

namespace convene::testing {

void gather_only_on(GstElement* webrtcbin, const char* address) {
  GstWebRTCICE* ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  if (!ice) return;
  gboolean ok = FALSE;
  g_signal_emit_by_name(ice, "add-local-ip-address", address, &ok);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
    GObject* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp"))
      g_object_set(agent, "upnp", FALSE, nullptr);
    if (agent) g_object_unref(agent);
  }
  gst_object_unref(ice);
}

}  // namespace convene::testing
