// A short VP8 clip encoded once and replayed by any number of publishers,
// so a load generator measures the server rather than its own encoders. The
// clip loops at its frame rate as live video; a keyframe request from
// downstream (FIR/PLI turned into GstForceKeyUnit) restarts the loop at its
// key frame, as an encoder would send one.
//
// Threads: encode() blocks the caller; the replay runs on the appsrc's
// streaming thread and only reads the shared, immutable frames.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

namespace convene::testing {

class EncodedClip {
 public:
  struct Spec {
    int width = 1280;
    int height = 720;
    int fps = 30;
    int frames = 90;
    int bitrate = 1000000;
    bool temporal_layers = true;
    std::string pattern = "smpte";
  };
  static std::shared_ptr<const EncodedClip> encode(const Spec& spec);
  ~EncodedClip();

  // Makes `appsrc` (caps video/x-vp8) play the clip in a loop, timestamped
  // at the clip's frame rate from now (an `identity sync=true` after it
  // paces it). The clip must outlive the appsrc.
  void play_into(GstAppSrc* appsrc) const;
  int fps() const { return spec_.fps; }

 private:
  Spec spec_;
  std::vector<GstBuffer*> frames_;  // our references; frame 0 is the key frame
};

}  // namespace convene::testing
