// The convene GStreamer plugin: Convene's own elements, loadable by
// gst-launch/gst-inspect (GST_PLUGIN_PATH=build/plugins).
#include <gst/gst.h>

#include "convene_composite.h"
#include "convene_ice_src.h"
#include "convene_rtp_forward.h"
#include "convene_rtp_nowait.h"
#include "convene_rtx_send.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return convene_rtp_forward_register(plugin) && convene_rtp_nowait_register(plugin) &&
         convene_rtx_send_register(plugin) && convene_ice_src_register(plugin) &&
         convene_composite_register(plugin);
}

#define PACKAGE "convene"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, convene, "Convene media server elements", plugin_init,
                  "0.1.0", "AGPL", "convene", "https://convene.invalid")
