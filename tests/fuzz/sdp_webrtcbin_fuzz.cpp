// A publish-offer's SDP all the way in: MediaRoom::publish_offer (the
// server's check, then the participant's Publisher) hands it to webrtcbin,
// which sets it as the remote description, answers, and sets the answer
// locally; the harness waits for the publish-answer or the error the
// participant would get. One fresh room (pipeline) an input, ICE on
// loopback only. Much slower than `sdp`, which covers the server's own
// SDP code at speed; the seeds are the same (tests/fuzz/sdp/).
#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "app/media_config.h"
#include "fuzz_app.h"
#include "media/media_room.h"

namespace {

using namespace convene;

class Owner final : public media::PeerMediaListener, public media::RoomMediaListener {
 public:
  void publish_answer(const std::string&, const std::string&, const std::string&, const std::string&) override {
    answered = true;
  }
  void subscribe_offer(const std::string&, const std::string&, const std::string&,
                       const std::vector<media::OfferedTrack>&) override {}
  void local_candidate(const std::string&, const std::string&, media::PeerConnection, unsigned,
                       const std::string&) override {}
  void active_speaker(const std::string&, const std::string&) override {}
  void media_failed(const std::string&, const std::string&, const media::Refusal&, const std::string&) override {
    answered = true;
  }
  bool answered = false;
};

const media::MediaSettings& settings() {
  static const media::MediaSettings s = [] {
    config::Config cfg;
    cfg.set("media", "ice_addresses", "127.0.0.1");
    return app::media_settings(cfg);
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sdp(reinterpret_cast<const char*>(data), size);
  Owner owner;
  {
    media::MediaRoom room("room", settings(), owner, owner);
    room.add_participant(media::MediaPeer{"peer", "user", "ada", true});
    try {
      room.publish_offer("peer", sdp,
                         {{"0", "microphone"}, {"1", "camera"}, {"audio1", "microphone"}, {"video0", "camera"}});
    } catch (const media::Refusal&) {
      return 0;
    }
    // webrtcbin answers on its own thread; a hang here is a finding (libFuzzer's -timeout).
    fuzz::pump_until([&] { return owner.answered; }, 60'000);
  }
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
  return 0;
}
