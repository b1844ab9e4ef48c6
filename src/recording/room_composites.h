// The rooms' composites, one per room: built for the first output (a
// recording, an egress, a WHEP composite stream) and dropped when the room's
// outputs are gone and its owner says nothing else holds it (a recording
// still finishing, an egress waiting to reconnect).
//
// Threads: main loop only; GStreamer threads only inside RoomComposite.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "media/room_media.h"
#include "recording/room_composite.h"

namespace convene::recording {

class RoomComposites {
 public:
  RoomComposites(media::RoomMediaProvider* media, CompositeOptions options) : media_(media), options_(options) {}
  RoomComposites(const RoomComposites&) = delete;
  RoomComposites& operator=(const RoomComposites&) = delete;

  void set_media_provider(media::RoomMediaProvider* media) { media_ = media; }
  media::RoomMediaProvider* media_provider() const { return media_; }

  // The room's composite, built now if needed. Throws http::Error 409
  // no_media (nobody publishes) or finishing (the room's call ended and
  // started again while the old composite still finishes its files).
  RoomComposite& for_room(const std::string& room_id);
  // Drops the room's composite when no output is attached and `held` is
  // false.
  void drop_if_unused(const std::string& room_id, bool held);
  void clear() { composites_.clear(); }

  // --- The room's media, passed on to its composite when it has one.
  void track_added(const media::TrackInfo& track);
  void track_removed(const media::TrackInfo& track);
  void track_muted(const media::TrackInfo& track);
  void active_speaker_changed(const std::string& room_id, const std::string& peer_id);
  // The room's pads go back now: its pipeline is about to stop.
  void room_media_closing(const std::string& room_id);
  // Detaches `output` from the room's composite, if it has one.
  void detach(const std::string& room_id, CompositeOutput& output);

 private:
  RoomComposite* find(const std::string& room_id);

  media::RoomMediaProvider* media_;
  CompositeOptions options_;
  std::map<std::string, std::unique_ptr<RoomComposite>> composites_;  // by room id
};

}  // namespace convene::recording
