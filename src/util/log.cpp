#include "util/log.h"

#include <mutex>

GST_DEBUG_CATEGORY(convene_app_debug);
GST_DEBUG_CATEGORY(convene_http_debug);
GST_DEBUG_CATEGORY(convene_store_debug);
GST_DEBUG_CATEGORY(convene_config_debug);
GST_DEBUG_CATEGORY(convene_auth_debug);
GST_DEBUG_CATEGORY(convene_rooms_debug);
GST_DEBUG_CATEGORY(convene_signaling_debug);
GST_DEBUG_CATEGORY(convene_media_debug);
GST_DEBUG_CATEGORY(convene_recording_debug);
GST_DEBUG_CATEGORY(convene_meeting_debug);

namespace convene::log {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(convene_app_debug, "convene-app", 0, "Convene process and CLI");
    GST_DEBUG_CATEGORY_INIT(convene_http_debug, "convene-http", 0, "Convene HTTP server");
    GST_DEBUG_CATEGORY_INIT(convene_store_debug, "convene-store", 0, "Convene database store");
    GST_DEBUG_CATEGORY_INIT(convene_config_debug, "convene-config", 0, "Convene configuration");
    GST_DEBUG_CATEGORY_INIT(convene_auth_debug, "convene-auth", 0, "Convene accounts and tokens");
    GST_DEBUG_CATEGORY_INIT(convene_rooms_debug, "convene-rooms", 0, "Convene rooms");
    GST_DEBUG_CATEGORY_INIT(convene_signaling_debug, "convene-signaling", 0,
                            "Convene WebSocket signaling");
    GST_DEBUG_CATEGORY_INIT(convene_media_debug, "convene-media", 0, "Convene SFU media plane");
    GST_DEBUG_CATEGORY_INIT(convene_recording_debug, "convene-recording", 0,
                            "Convene recording and egress");
    GST_DEBUG_CATEGORY_INIT(convene_meeting_debug, "convene-meeting", 0,
                            "Convene meeting features");
  });
}

}  // namespace convene::log
