// Recording (issue #6): the REST API of recordings and the recordings being
// written; the module that also owns the rooms' composites and the live
// egresses (EgressApi: /rooms/:id/egress, /live/...).
//
//   POST   /rooms/:id/recordings              start (host/co-host) {layout?, perTrack?}
//   POST   /rooms/:id/recordings/:rid/stop    stop; answers once the file is final
//   GET    /rooms/:id/recordings              list (members)
//   GET    /recordings/:rid                   metadata (members of its room)
//   GET    /recordings/:rid/file              download, HTTP Range supported
//   GET    /recordings/:rid/tracks/:n/file    one track as it was published ({perTrack:true})
//   DELETE /recordings/:rid                   host/co-host or who started it
//
// A room's composite is built on the first recording, egress or other
// consumer (attach_live: WHEP playback) and dropped when the last one ends
// (RoomComposites). Recordings finish (the file plays to its end) on stop,
// when the room's media closes (last participant left), when the room ends
// and on SIGTERM; a recording a previous process left RECORDING is marked
// READY (its file has data) or FAILED at start-up.
//
// Threads: main loop only; SQL through Store::run; GStreamer threads only
// inside RoomComposite/EncoderOutput (see there).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/module.h"
#include "auth/authenticator.h"
#include "config/config.h"
#include "http/server.h"
#include "media/room_media.h"
#include "metrics/server_metrics.h"
#include "recording/egress_api.h"
#include "recording/encoder_output.h"
#include "recording/member_check.h"
#include "recording/pipeline_library.h"
#include "recording/recording_repository.h"
#include "recording/room_composites.h"
#include "recording/track_recorder.h"
#include "store/store.h"
#include "util/gobject_ptr.h"
#include "util/listener_token.h"

namespace convene::signaling {
class SignalingModule;
}
namespace convene::rooms {
class RoomsModule;
}

namespace convene::recording {

class RecordingModule final : public util::Module, public media::RoomMediaListener {
 public:
  // What the composition root hands over. Pointers may be null: without
  // `media` (no SFU) starting answers 409 no_media; without `signaling`
  // nobody hears of recordings starting; without `rooms` an ended room's
  // recordings run until stopped.
  struct Collaborators {
    const config::Config& config;
    std::string data_dir;
    store::Store& store;
    http::Server& http;
    const auth::Authenticator& authenticator;
    bool store_ready = false;  // recover unfinished recordings now
    media::RoomMediaProvider* media = nullptr;
    signaling::SignalingModule* signaling = nullptr;
    rooms::RoomsModule* rooms = nullptr;
    metrics::ServerMetrics* metrics = nullptr;  // recordings finished, running, egress by status
  };
  explicit RecordingModule(const Collaborators& with);
  ~RecordingModule() override;

  void shutdown(std::function<void()> done) override;
  // The SFU's tracks (set once the media module exists; tests pass a fake).
  void set_media_provider(media::RoomMediaProvider* media);

  // --- RoomMediaListener
  void track_added(const media::TrackInfo& track) override;
  void track_removed(const media::TrackInfo& track) override;
  void track_muted(const media::TrackInfo& track) override;
  void active_speaker_changed(const std::string& room_id, const std::string& peer_id) override;
  void room_media_closing(const std::string& room_id) override;

  // Finishes every recording and stops every egress of the room.
  void end_room(const std::string& room_id);

  // --- The room's composite for other consumers (src/playback: WHEP).
  // Feeds `output` from the room's composite (built now if needed) until
  // detach_live; the composite runs while any output needs it. Throws
  // http::Error 409 no_media (nobody publishes) or finishing.
  void attach_live(const std::string& room_id, CompositeOutput& output);
  void detach_live(const std::string& room_id, CompositeOutput& output);
  // Whether `token` is the view link of the room's HLS stream (who holds it
  // may watch the room without signing in, over HLS or WHEP).
  bool valid_view_token(const std::string& room_id, const std::string& token) const;
  size_t active_recordings() const { return recordings_.size(); }

 private:
  struct Active;

  // REST
  void start_recording(http::ExchangePtr ex);
  void stop_recording(http::ExchangePtr ex);
  void list_recordings(http::ExchangePtr ex);
  void get_recording(http::ExchangePtr ex);
  void download(http::ExchangePtr ex);
  void download_track(http::ExchangePtr ex);
  // Starts writing `track` to a file of its own for an active per-track recording.
  void add_track_file(Active& a, const media::TrackInfo& track);
  void delete_recording(http::ExchangePtr ex);

  // Drops the room's composite unless an output, a recording (finishing
  // ones too) or a running egress still needs it.
  void drop_composite_if_unused(const std::string& room_id);
  // Ends a recording's file; `done` once it is final (READY/FAILED stored).
  void finish(const std::string& recording_id, std::function<void(const RecordingRow&)> done);
  void finished(const std::string& recording_id, bool ok, const std::string& error);
  void recover_unfinished();
  // The room's media now, or null (no SFU, nobody in the call).
  media::RoomMedia* room_media(const std::string& room_id) const;

  const config::Config& config_;
  store::Store& store_;
  const auth::Authenticator& authenticator_;
  signaling::SignalingModule* signaling_;
  ListenerToken media_listening_;
  ListenerToken room_ended_listening_;
  std::unique_ptr<PipelineLibrary> pipelines_;
  bool enabled_;
  std::string directory_;
  std::string format_;  // webm | mp4
  int64_t finalize_timeout_sec_;

  MemberCheck members_;
  RoomComposites composites_;
  std::map<std::string, std::unique_ptr<Active>> recordings_;  // by recording id
  std::unique_ptr<EgressApi> egress_;                          // built after the composites, dropped before them
  bool shutting_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // weak copies tell callbacks we are gone
  metrics::ServerMetrics* metrics_ = nullptr;                    // may be null (tests)
  uint64_t metrics_collector_ = 0;  // recordings now, on GET /metrics
};

}  // namespace convene::recording
