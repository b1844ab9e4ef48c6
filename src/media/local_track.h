// A track fed from inside the process rather than by a WebRTC client: its
// owner (an SRT ingest's transcoder in src/ingest) pushes RTP buffers — VP8 or
// H.264 in the room's codec, or Opus — and the room forwards, composites and
// records them like any publication. Media knows nothing of where they come
// from.
//
// Handed out by Sfu::publish_local as a shared handle: the room holds the
// appsrc, the owner may keep pushing after the track ended (the push is
// refused, nothing breaks).
//
// Threads: push() and the keyframe callback on any thread (the owner's
// streaming thread); the handle is created and its track ended on the main loop.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "util/gst_object_ptr.h"

namespace convene::media {

// What a local track carries.
struct LocalTrack {
  std::string source;  // camera | microphone | screen
  std::string kind;    // video | audio
  // RTP caps of what will be pushed, e.g.
  // "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96".
  std::string caps;
};

class LocalTrackInput {
 public:
  // `appsrc` is the room-side element the buffers go into (a reference is taken).
  explicit LocalTrackInput(GstElement* appsrc);
  ~LocalTrackInput();
  LocalTrackInput(const LocalTrackInput&) = delete;
  LocalTrackInput& operator=(const LocalTrackInput&) = delete;

  // Takes `buffer` (one RTP packet). Its timestamps are replaced by the
  // room pipeline's clock. false once the track has ended.
  bool push(GstBuffer* buffer);
  // Called (on a streaming thread of the room) when a subscriber or a
  // consumer wants a keyframe; set it before pushing.
  void on_keyframe_request(std::function<void()> fn);
  // The room ended the track: pushes are refused from now on.
  void end();
  bool ended() const;

 private:
  friend class LocalPublisher;
  void keyframe_requested();

  GstObjectPtr<GstElement> appsrc_;  // our reference
  mutable std::mutex mutex_;
  bool ended_ = false;
  std::function<void()> keyframe_;
};

}  // namespace convene::media
