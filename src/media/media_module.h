// The SFU as a unit of the server: implements the Sfu API (peers joining and
// leaving calls, offers, answers, candidates, mutes, who may publish) and
// RoomMediaProvider for consumers such as recording. Owns one MediaRoom per
// room with people in its call. Built by the composition root from its
// settings alone: it knows nothing of HTTP, the store or the wire protocol.
//
// Threads: main loop only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "media/main_thread.h"
#include "media/media_room.h"
#include "media/media_settings.h"
#include "media/room_media.h"
#include "media/sfu.h"
#include "util/listener_token.h"

namespace convene::media {

class MediaModule final : public Sfu,
                          public RoomMediaProvider,
                          private PeerMediaListener,
                          private RoomMediaListener {
 public:
  // Throws std::runtime_error when the settings or GStreamer's plugins cannot carry an SFU.
  explicit MediaModule(MediaSettings settings);
  // Registers Convene's own elements that rooms build (compiled in: no
  // plugin path needed), and with `receive_without_thread` conveneicesrc as
  // "nicesrc" for the whole process; a room built without the module calls
  // it first. Throws std::runtime_error when one cannot be registered.
  static void register_elements(const MediaSettings& settings);
  ~MediaModule() override;

  // --- Sfu
  void peer_joined(const std::string& room_id, const MediaPeer& peer) override;
  void peer_left(const std::string& room_id, const std::string& peer_id) override;
  void room_closed(const std::string& room_id) override;
  using Sfu::publish_offer;
  void publish_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                     const std::map<std::string, PublishedTrack>& tracks, const std::string& request_id) override;
  void track_settings(const std::string& room_id, const std::string& peer_id, const TrackSettings& settings) override;
  void subscribe_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                        const std::string& request_id) override;
  void remote_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc, unsigned mline,
                        const std::string& candidate) override;
  void set_muted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                 bool muted) override;
  void set_can_publish(const std::string& room_id, const std::string& peer_id, bool can_publish) override;
  std::shared_ptr<LocalTrackInput> publish_local(const std::string& room_id, const std::string& peer_id,
                                                 const LocalTrack& track) override;
  uint64_t packets_received(const std::string& room_id, const std::string& peer_id) const override;
  ListenerToken add_peer_listener(PeerMediaListener& listener) override { return peer_listeners_.add(&listener); }

  // --- RoomMediaProvider
  RoomMedia* room_media(const std::string& room_id) override;
  ListenerToken add_listener(RoomMediaListener& listener) override { return listeners_.add(&listener); }

  // Releases every room (SIGTERM).
  void shutdown();

  // Read access for GET /rooms/:id/media, metrics, tests and benchmarks.
  const MediaRoom* room(const std::string& room_id) const;
  size_t room_count() const { return rooms_.size(); }
  const MediaSettings& settings() const { return settings_; }

 private:
  MediaRoom& room_of(const std::string& room_id);
  // --- PeerMediaListener (fans out to the registered peer listeners)
  void publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                      const std::string& request_id) override;
  void subscribe_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                       const std::vector<OfferedTrack>& tracks) override;
  void local_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc, unsigned mline,
                       const std::string& candidate) override;
  void active_speaker(const std::string& room_id, const std::string& peer_id) override;
  void candidates_gathered(const std::string& room_id, const std::string& peer_id, PeerConnection pc) override;
  void layers_wanted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                     const std::vector<std::string>& layers) override;
  void media_failed(const std::string& room_id, const std::string& peer_id, const Refusal& failure,
                    const std::string& request_id) override;
  // --- RoomMediaListener (fans out to the registered consumers)
  void track_added(const TrackInfo& track) override;
  void track_removed(const TrackInfo& track) override;
  void track_muted(const TrackInfo& track) override;
  void active_speaker_changed(const std::string& room_id, const std::string& peer_id) override;
  void room_media_closing(const std::string& room_id) override;

  void close_room_soon(const std::string& room_id);
  void release_all_rooms();

  MediaSettings settings_;
  std::map<std::string, std::unique_ptr<MediaRoom>> rooms_;
  ListenerList<RoomMediaListener*> listeners_;
  ListenerList<PeerMediaListener*> peer_listeners_;
  MainThreadHandle<MediaModule> handle_{this};
};

}  // namespace convene::media
