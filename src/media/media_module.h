// The SFU as a module of the server: implements signaling's MediaHandler
// (publish-offer, subscribe-answer, sfu-candidate, track-muted; peers joining
// and leaving SFU rooms) and RoomMediaProvider for the recording module. Owns
// one MediaRoom per room with media.
//
// Threads: main loop only.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "app/app.h"
#include "media/main_thread.h"
#include "media/media_room.h"
#include "media/media_settings.h"
#include "media/room_media.h"
#include "signaling/media_handler.h"

namespace convene::media {

class MediaModule final : public app::Module,
                          public signaling::MediaHandler,
                          public RoomMediaProvider,
                          private MediaRoomOwner,
                          private RoomMediaListener {
 public:
  // `messenger` reaches peers (the signaling module).
  MediaModule(app::App& app, signaling::PeerMessenger& messenger);
  ~MediaModule() override;

  // --- signaling::MediaHandler
  bool handles(const std::string& type) const override;
  void peer_joined(const signaling::PeerInfo& peer) override;
  void peer_left(const std::string& room_id, const std::string& peer_id) override;
  void handle(const signaling::PeerInfo& peer, const std::string& type, JsonObject* message) override;
  void room_closed(const std::string& room_id) override;

  // --- RoomMediaProvider
  RoomMedia* room_media(const std::string& room_id) override;
  void add_listener(RoomMediaListener* listener) override { listeners_.insert(listener); }
  void remove_listener(RoomMediaListener* listener) override { listeners_.erase(listener); }

  void shutdown(std::function<void()> done) override;

  // For tests and /metrics-like inspection.
  size_t room_count() const { return rooms_.size(); }
  const MediaSettings& settings() const { return settings_; }

 private:
  // --- MediaRoomOwner
  void send_to_peer(const std::string& room_id, const std::string& peer_id, json::Object&& message) override;
  void broadcast(const std::string& room_id, json::Object&& message) override;
  RoomMediaListener& listeners() override { return *this; }
  // --- RoomMediaListener (fans out to the registered listeners)
  void track_added(const TrackInfo& track) override;
  void track_removed(const TrackInfo& track) override;
  void track_muted(const TrackInfo& track) override;
  void active_speaker_changed(const std::string& room_id, const std::string& peer_id) override;
  void room_media_closing(const std::string& room_id) override;

  void close_room_soon(const std::string& room_id);
  void release_all_rooms();
  // GET /rooms/:id/media: what the room's media carries now (members only).
  void describe(http::ExchangePtr ex);

  app::App& app_;
  signaling::PeerMessenger& messenger_;
  MediaSettings settings_;
  std::map<std::string, std::unique_ptr<MediaRoom>> rooms_;
  std::set<RoomMediaListener*> listeners_;
  MainThreadHandle<MediaModule> handle_{this};
};

}  // namespace convene::media
