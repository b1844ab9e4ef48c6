#include "playback/playback_log.h"

GST_DEBUG_CATEGORY(convene_playback_debug);

namespace convene::playback {

void playback_log_init() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(convene_playback_debug, "convene-playback", 0, "Convene WHEP playback");
    g_once_init_leave(&once, 1);
  }
}

}  // namespace convene::playback
