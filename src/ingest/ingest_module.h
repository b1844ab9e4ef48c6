// Ingest (issue #17): what lets OBS or a hardware encoder publish into a room
// like a participant. Owns the ingest keys' REST API (key_api), the WHIP
// endpoint (whip_endpoint) and SRT ingest (srt_ingest, when [ingest]
// srt_port is set); they reach rooms, signaling and media only through the
// collaborators handed over here. Revoking a key ends what publishes with it.
//
// Threads: main loop only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "util/module.h"
#include "auth/authenticator.h"
#include "config/config.h"
#include "http/server.h"
#include "media/sfu.h"
#include "store/store.h"

namespace convene::signaling {
class SignalingModule;
}
namespace convene::rooms {
class RoomsModule;
}

namespace convene::ingest {

class KeyApi;
class SrtIngest;
class WhipEndpoint;

class IngestModule final : public util::Module {
 public:
  struct Collaborators {
    const config::Config& config;
    store::Store& store;
    http::Server& http;
    const auth::Authenticator& authenticator;
    // The server's public base URL as a request sees it (App::public_url).
    std::function<std::string(const http::Exchange&)> public_url;
    // Without these three (no SFU) there is no WHIP or SRT ingest, only the keys.
    signaling::SignalingModule* signaling = nullptr;
    media::Sfu* media = nullptr;
    rooms::RoomsModule* rooms = nullptr;
  };
  explicit IngestModule(const Collaborators& with);
  ~IngestModule() override;

 private:
  std::unique_ptr<KeyApi> keys_;
  std::unique_ptr<WhipEndpoint> whip_;
  std::unique_ptr<SrtIngest> srt_;
};

}  // namespace convene::ingest
