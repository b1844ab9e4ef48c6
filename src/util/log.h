// One GStreamer debug category per module: GST_DEBUG=convene*:5 shows them all.
// Each module's .cpp declares its category with CONVENE_LOG_CATEGORY and uses the
// usual GST_INFO/GST_WARNING macros after `#define GST_CAT_DEFAULT <name>`.
#pragma once

#include <gst/gst.h>

namespace convene::log {

// Creates all categories; call once after gst_init().
void init();

}  // namespace convene::log

GST_DEBUG_CATEGORY_EXTERN(convene_app_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_http_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_store_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_config_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_auth_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_rooms_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_signaling_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_media_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_recording_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_meeting_debug);
