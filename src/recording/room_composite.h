// The one composite of a room, shared by its recording and every egress.
//
// It runs in a pipeline of its own: appsrc per track → convenecomposite →
// tee → per output queue ! appsink → that output's own pipeline. Each track
// reaches it from the room's pipeline (the SFU's) through a tee pad the
// media module hands out, a leaky queue and an appsink. Nothing here can
// block or fail the call: the room's pipeline only ever feeds a leaky queue,
// and decoding, mixing and encoding errors stay in pipelines of their own.
// Buffers are re-timestamped on arrival with the composite pipeline's clock,
// so the two pipelines need not share a clock or base time.
//
// Threads: everything public runs on the main loop. The appsink callbacks
// (struct Feed in the .cpp) run on streaming threads and only push into an
// appsrc they hold a reference to; they never touch this object.
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>

#include "media/room_media.h"
#include "recording/composite_output.h"
#include "recording/gst_ptr.h"

namespace convene::recording {

struct CompositeOptions {
  int width = 1280;
  int height = 720;
  int framerate = 30;
  std::string layout = "grid";  // grid | speaker
};

class RoomComposite {
 public:
  // Builds the composite, starts it, and takes every track the room has now.
  RoomComposite(media::RoomMedia& media, CompositeOptions options);
  ~RoomComposite();
  RoomComposite(const RoomComposite&) = delete;
  RoomComposite& operator=(const RoomComposite&) = delete;

  const std::string& room_id() const { return room_id_; }

  // --- From the media module (through the recording module)
  void track_added(const media::TrackInfo& track);
  void track_removed(const media::TrackInfo& track);
  void track_muted(const media::TrackInfo& track);
  void set_active_speaker(const std::string& peer_id);
  // The room's pipeline is going away: give back every pad taken from it.
  void room_media_closing();

  void set_layout(const std::string& layout);
  // Starts `output` fed from now on (its file/stream starts at 0 now).
  // Throws std::runtime_error when it cannot start.
  void attach(CompositeOutput& output);
  void detach(CompositeOutput& output);
  size_t output_count() const { return outputs_.size(); }
  // The room's media closed under it: it only finishes what it has.
  bool media_closed() const { return media_ == nullptr; }
  size_t track_count() const { return tracks_.size(); }
  GstElement* composite() const { return composite_; }

 private:
  struct Track;
  struct Output;
  void release_room_side(Track& t);
  void remove_track(const std::string& track_id);
  void report_feeds(const CompositeOutput& output, const Output& o) const;
  static gboolean on_bus(GstBus* bus, GstMessage* message, gpointer self);

  media::RoomMedia* media_;  // null once the room's media closed
  std::string room_id_;
  ElementPtr pipeline_;
  GstElement* composite_ = nullptr;  // these three belong to pipeline_
  GstElement* video_tee_ = nullptr;
  GstElement* audio_tee_ = nullptr;
  std::map<std::string, std::unique_ptr<Track>> tracks_;     // by track id
  std::map<CompositeOutput*, std::unique_ptr<Output>> outputs_;
};

}  // namespace convene::recording
