// Playback (issue #17): watching a live room without joining it, over
// WebRTC with sub-second delay (WHEP, whep_endpoint). The room's composite
// comes from recording (its one composite per room), a participant's tracks
// from media's tees (room_media.h); both reach viewers through
// convenertpforward, never encoded per viewer.
//
// Threads: main loop only.
#pragma once

#include <memory>

#include "util/module.h"
#include "auth/authenticator.h"
#include "config/config.h"
#include "http/server.h"
#include "media/media_settings.h"
#include "media/room_media.h"
#include "store/store.h"

namespace convene::rooms {
class RoomsModule;
}
namespace convene::recording {
class RecordingModule;
}

namespace convene::playback {

class WhepEndpoint;

class PlaybackModule final : public util::Module {
 public:
  struct Collaborators {
    const config::Config& config;
    store::Store& store;
    http::Server& http;
    const auth::Authenticator& authenticator;
    media::MediaSettings media_settings;
    // Without these three (no SFU) there is no WHEP endpoint.
    media::RoomMediaProvider* media = nullptr;
    recording::RecordingModule* recording = nullptr;
    rooms::RoomsModule* rooms = nullptr;
  };
  explicit PlaybackModule(const Collaborators& with);
  ~PlaybackModule() override;

 private:
  std::unique_ptr<WhepEndpoint> whep_;
};

}  // namespace convene::playback
