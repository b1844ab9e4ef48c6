#include "playback/playback_module.h"

#include "playback/playback_log.h"
#include "playback/whep_endpoint.h"

namespace convene::playback {

PlaybackModule::PlaybackModule(const Collaborators& with) {
  playback_log_init();
  if (!with.media || !with.recording || !with.rooms) return;
  const config::Config& c = with.config;
  whep_ = std::make_unique<WhepEndpoint>(WhepEndpoint::Collaborators{
      with.http, with.store, with.authenticator, *with.media, *with.recording, *with.rooms, with.media_settings,
      static_cast<int>(c.get_int("playback", "viewer_timeout_sec")), static_cast<int>(c.get_int("playback", "video_kbps")),
      static_cast<int>(c.get_int("playback", "max_viewers_per_room")), 10});
}

PlaybackModule::~PlaybackModule() = default;

}  // namespace convene::playback
