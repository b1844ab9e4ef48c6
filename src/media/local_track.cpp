#include "media/local_track.h"
#include "util/gst_object_ptr.h"

#include <gst/app/gstappsrc.h>

namespace convene::media {

LocalTrackInput::LocalTrackInput(GstElement* appsrc) : appsrc_(retain_gst(appsrc)) {}

// The appsrc goes first, before the keyframe callback (as it always has).
LocalTrackInput::~LocalTrackInput() { appsrc_.reset(); }

bool LocalTrackInput::push(GstBuffer* buffer) {
  if (ended()) {
    g_autoptr(GstBuffer) refused = buffer;
    return false;
  }
  // The owner's timestamps belong to its own pipeline: the appsrc
  // (do-timestamp) stamps each packet with the room's running time.
  buffer = gst_buffer_make_writable(buffer);
  GST_BUFFER_PTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buffer) = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret = gst_app_src_push_buffer(GST_APP_SRC(appsrc_.get()), buffer);
  // FLUSHING before the room's branch runs or after it stopped: not an error.
  return ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING;
}

void LocalTrackInput::on_keyframe_request(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  keyframe_ = std::move(fn);
}

void LocalTrackInput::end() {
  std::lock_guard<std::mutex> lock(mutex_);
  ended_ = true;
  keyframe_ = nullptr;
}

bool LocalTrackInput::ended() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ended_;
}

void LocalTrackInput::keyframe_requested() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn = keyframe_;
  }
  if (fn) fn();
}

}  // namespace convene::media
