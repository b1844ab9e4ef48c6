// The seam between the SFU (src/media) and what consumes a room's media on
// the server (src/recording: the composite, recordings, RTMP/HLS egress).
//
// The media module owns one pipeline per room with media; every published
// track ends in a `tee` there. A consumer asks for a new src pad of a track's
// tee, links its own branch (e.g. queue ! appsink, or proxysink feeding a
// pipeline of its own) and gives the pad back when done. What flows out of
// the pad is RTP exactly as published (VP8/H.264/Opus, caps with
// encoding-name and clock-rate), never decoded.
//
// Threads: every call in both directions happens on the GLib main loop.
// Consumers must not block it; pads they take are released before the room's
// pipeline goes to NULL (room_media_closing comes first).
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "util/listener_token.h"

namespace convene::media {

// One published track.
struct TrackInfo {
  std::string id;        // unique in the process: "<peerId>/<mid>"
  std::string room_id;
  std::string peer_id;
  std::string user_id;
  std::string username;  // for name labels
  std::string source;    // "camera" | "microphone" | "screen"
  std::string kind;      // "audio" | "video"
  bool muted = false;    // by its publisher or by a host
};

// Told about a room's media; all default to doing nothing.
class RoomMediaListener {
 public:
  virtual ~RoomMediaListener() = default;
  virtual void track_added(const TrackInfo& track) {}
  virtual void track_removed(const TrackInfo& track) {}
  virtual void track_muted(const TrackInfo& track) {}  // track.muted says which way
  virtual void active_speaker_changed(const std::string& room_id, const std::string& peer_id) {}
  // The room's pipeline is about to go to NULL: release every pad you took now.
  virtual void room_media_closing(const std::string& room_id) {}
};

// One room's media as a consumer sees it (implemented by MediaRoom).
class RoomMedia {
 public:
  virtual ~RoomMedia() = default;
  virtual const std::string& room_id() const = 0;
  // The room's pipeline (live, PLAYING while the room has media). Not owned by the caller.
  virtual GstPipeline* pipeline() = 0;
  virtual std::vector<TrackInfo> tracks() const = 0;
  // A new src pad of the track's tee (a reference the caller owns), or nullptr
  // when there is no such track. Give it back with release_track_pad.
  virtual GstPad* request_track_pad(const std::string& track_id) = 0;
  // Unlinks (under a blocking probe) and releases a pad from request_track_pad;
  // the caller's reference stays the caller's to drop.
  virtual void release_track_pad(const std::string& track_id, GstPad* pad) = 0;
  // Asks the track's publisher for a keyframe (rate-limited like a subscriber's PLI).
  virtual void request_keyframe(const std::string& track_id) = 0;
};

// What the media module offers other modules.
class RoomMediaProvider {
 public:
  virtual ~RoomMediaProvider() = default;
  // The room's media, or nullptr while nobody in it uses the SFU.
  virtual RoomMedia* room_media(const std::string& room_id) = 0;
  // Registers `listener` for as long as the token lives.
  virtual ListenerToken add_listener(RoomMediaListener& listener) = 0;
};

}  // namespace convene::media
