#include "ingest/ingest_module.h"

#include "ingest/ingest_log.h"
#include "ingest/key_api.h"
#include "ingest/whip_endpoint.h"

namespace convene::ingest {
namespace {
// How long a WHIP POST may wait for media's answer and its candidates.
constexpr int kAnswerTimeoutSec = 10;
}  // namespace

IngestModule::IngestModule(const Collaborators& with) {
  ingest_log_init();
  keys_ = std::make_unique<KeyApi>(with.http, with.store, with.authenticator, KeyApi::Urls{with.public_url, ""});
  if (with.signaling && with.media && with.rooms)
    whip_ = std::make_unique<WhipEndpoint>(WhipEndpoint::Collaborators{
        with.http, with.store, *with.signaling, *with.media, *with.rooms,
        with.config.get_string("media", "video_codec"), kAnswerTimeoutSec});
}

IngestModule::~IngestModule() = default;

}  // namespace convene::ingest
