// What a room's composite feeds (RoomComposite::attach): a pipeline of its
// own with two appsrcs, raw video and raw audio, run on the composite's
// clock. A recording or an egress is one (EncoderOutput); so is the WHEP
// playback of the room (src/playback/composite_stream), which encodes once
// for every viewer.
//
// Threads: main loop (the appsrcs are pushed to from the composite's
// streaming threads; appsrc is thread-safe).
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <string>

namespace convene::recording {

class CompositeOutput {
 public:
  virtual ~CompositeOutput() = default;
  virtual const std::string& name() const = 0;
  virtual GstElement* pipeline() const = 0;  // borrowed
  virtual GstAppSrc* video() const = 0;      // borrowed, in pipeline()
  virtual GstAppSrc* audio() const = 0;
  // PLAYING; throws std::runtime_error when it cannot start.
  virtual void start() = 0;
};

}  // namespace convene::recording
