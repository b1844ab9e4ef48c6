// One published track written to its own file as it arrives (no transcode),
// for post-production: RTP from the track's tee → depayloader (+ parser) →
// Matroska (VP8/H.264 video, Opus audio), in a pipeline of its own fed
// through a tap (recording/tap.h). Matroska clusters are written as they
// fill, so the file plays even when the recorder is stopped without EOS.
//
// Threads: main loop; the tap's callback on the room's streaming thread.
#pragma once

#include <string>

#include "media/room_media.h"
#include "recording/gst_ptr.h"

namespace convene::recording {

class TrackRecorder {
 public:
  // Starts writing; throws std::runtime_error.
  TrackRecorder(media::RoomMedia& media, media::TrackInfo track, std::string path);
  // Gives the tee pad back (while the room's media exists) and stops.
  ~TrackRecorder();
  TrackRecorder(const TrackRecorder&) = delete;
  TrackRecorder& operator=(const TrackRecorder&) = delete;

  // The room's pipeline is going away: give its pad back now.
  void release_room_side();
  const media::TrackInfo& track() const { return track_; }
  const std::string& path() const { return path_; }
  const std::string& codec() const { return codec_; }

 private:
  media::RoomMedia* media_;
  media::TrackInfo track_;
  std::string path_;
  std::string codec_;  // VP8 | H264 | OPUS
  ElementPtr pipeline_;
  PadPtr room_pad_;
  ElementPtr room_queue_, room_sink_;
};

}  // namespace convene::recording
