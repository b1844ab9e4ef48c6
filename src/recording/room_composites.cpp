// Threads: see room_composites.h.
#include "recording/room_composites.h"

#include "http/error.h"

namespace convene::recording {

RoomComposite& RoomComposites::for_room(const std::string& room_id) {
  auto it = composites_.find(room_id);
  if (it != composites_.end() && !it->second->media_closed()) return *it->second;
  if (it != composites_.end()) {
    if (it->second->output_count() > 0)
      throw http::conflict("finishing", "the previous recording of this room is still finishing; try again");
    composites_.erase(it);
  }
  media::RoomMedia* room = media_ ? media_->room_media(room_id) : nullptr;
  if (!room) throw http::conflict("no_media", "no media in this room: nobody is publishing audio or video");
  auto& composite = composites_[room_id];
  composite = std::make_unique<RoomComposite>(*room, options_);
  return *composite;
}

void RoomComposites::drop_if_unused(const std::string& room_id, bool held) {
  auto it = composites_.find(room_id);
  if (it == composites_.end() || it->second->output_count() > 0 || held) return;
  composites_.erase(it);
}

RoomComposite* RoomComposites::find(const std::string& room_id) {
  auto it = composites_.find(room_id);
  return it == composites_.end() ? nullptr : it->second.get();
}

void RoomComposites::track_added(const media::TrackInfo& track) {
  if (RoomComposite* c = find(track.room_id)) c->track_added(track);
}

void RoomComposites::track_removed(const media::TrackInfo& track) {
  if (RoomComposite* c = find(track.room_id)) c->track_removed(track);
}

void RoomComposites::track_muted(const media::TrackInfo& track) {
  if (RoomComposite* c = find(track.room_id)) c->track_muted(track);
}

void RoomComposites::active_speaker_changed(const std::string& room_id, const std::string& peer_id) {
  if (RoomComposite* c = find(room_id)) c->set_active_speaker(peer_id);
}

void RoomComposites::room_media_closing(const std::string& room_id) {
  if (RoomComposite* c = find(room_id)) c->room_media_closing();
}

void RoomComposites::detach(const std::string& room_id, CompositeOutput& output) {
  if (RoomComposite* c = find(room_id)) c->detach(output);
}

}  // namespace convene::recording
