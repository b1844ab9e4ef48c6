#include "ingest/ingest_module.h"

#include "ingest/ingest_log.h"
#include "ingest/key_api.h"
#include "ingest/srt_ingest.h"
#include "ingest/whip_endpoint.h"

namespace convene::ingest {
namespace {
// How long a WHIP POST may wait for media's answer and its candidates.
constexpr int kAnswerTimeoutSec = 10;
}  // namespace

IngestModule::IngestModule(const Collaborators& with) {
  ingest_log_init();
  const config::Config& config = with.config;
  const std::string video_codec = config.get_string("media", "video_codec");
  const int srt_port = static_cast<int>(config.get_int("ingest", "srt_port"));
  const bool sfu = with.signaling && with.media && with.rooms;
  if (sfu) {
    whip_ = std::make_unique<WhipEndpoint>(WhipEndpoint::Collaborators{
        with.http, with.store, *with.signaling, *with.media, *with.rooms, video_codec, kAnswerTimeoutSec,
        static_cast<int>(config.get_int("ingest", "whip_media_timeout_sec"))});
    if (srt_port > 0) {
      SrtListener::Options listener;
      listener.bind = config.get_string("ingest", "srt_bind");
      listener.port = srt_port;
      listener.passphrase = config.get_string("ingest", "srt_passphrase");
      listener.latency_ms = static_cast<int>(config.get_int("ingest", "srt_latency_ms"));
      srt_ = std::make_unique<SrtIngest>(SrtIngest::Collaborators{with.store, *with.signaling, *with.media,
                                                                  *with.rooms, video_codec, listener});
    }
  }
  KeyApi::Urls urls{with.public_url, srt_ ? srt_port : 0,
                    [this](const std::string& room_id, const std::string& key_id) {
                      if (whip_) whip_->key_revoked(room_id, key_id);
                      if (srt_) srt_->key_revoked(room_id, key_id);
                    }};
  keys_ = std::make_unique<KeyApi>(with.http, with.store, with.authenticator, std::move(urls));
}

IngestModule::~IngestModule() = default;

}  // namespace convene::ingest
