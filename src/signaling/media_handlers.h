// The SFU's side of the protocol. Messages in (publish-offer,
// subscribe-answer, sfu-candidate, track-settings) are registered in the HandlerTable like
// every other concern and become media::Sfu calls; media's events come back
// through MediaEvents and become messages. Every error about a request,
// also one found after webrtcbin's asynchronous work, carries its requestId.
//
// Threads: main loop only.
#pragma once

#include <string>
#include <vector>

#include "media/sfu.h"
#include "signaling/handler_table.h"

namespace convene::signaling {

class SignalingModule;

void register_media_handlers(HandlerTable& table);

// media::PeerMediaListener → WebSocket messages to the peers of SFU rooms.
class MediaEvents final : public media::PeerMediaListener {
 public:
  explicit MediaEvents(SignalingModule& signaling) : signaling_(signaling) {}

  void publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                      const std::string& request_id) override;
  void subscribe_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                       const std::vector<media::OfferedTrack>& tracks) override;
  void local_candidate(const std::string& room_id, const std::string& peer_id, media::PeerConnection pc,
                       unsigned mline, const std::string& candidate) override;
  void active_speaker(const std::string& room_id, const std::string& peer_id) override;
  void layers_wanted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                     const std::vector<std::string>& layers) override;
  void media_failed(const std::string& room_id, const std::string& peer_id, const media::Refusal& failure,
                    const std::string& request_id) override;

 private:
  SignalingModule& signaling_;
};

}  // namespace convene::signaling
