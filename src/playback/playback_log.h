// The playback module's debug category, convene-playback (registered by
// playback_log_init, which PlaybackModule calls; idempotent).
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(convene_playback_debug);

namespace convene::playback {
void playback_log_init();
}
