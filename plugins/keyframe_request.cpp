#include "keyframe_request.h"

#include <gst/video/video-event.h>

#include <atomic>

GstEvent* convene_keyframe_request_new(void) {
  static std::atomic<guint> count{0};
  return gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, ++count);
}
