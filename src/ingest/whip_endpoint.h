// The WHIP endpoint (RFC 9725): OBS or any WHIP client publishes into a room
// with an ingest key, as a participant named after the key (role PRESENTER,
// publishes only).
//
//   POST    /whip/:roomId              Authorization: Bearer <key>, application/sdp offer
//                                      → 201 application/sdp answer with every candidate,
//                                        Location: /whip/:roomId/:sessionId
//   DELETE  /whip/:roomId/:sessionId   → 200, the publisher leaves the room
//   PATCH   /whip/:roomId/:sessionId   → 405 (no trickle ICE, no ICE restart)
//
// A session also ends without DELETE: when no RTP arrives for
// media_timeout_sec (the client died, or its ICE/DTLS failed), when its key
// is revoked, when a host removes the publisher or the room ends.
//   OPTIONS /whip/:roomId              → 204, Accept-Post: application/sdp
//
// Like signaling/media_handlers.cpp for the WebSocket: requests become
// media::Sfu calls and media's events (through PeerMediaListener) become the
// answer; the participant enters and leaves the room through signaling.
//
// Threads: main loop only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "http/server.h"
#include "ingest/whip_session.h"
#include "rooms/room_record.h"
#include "media/sfu.h"
#include "store/store.h"
#include "util/listener_token.h"

namespace convene::signaling {
class SignalingModule;
}
namespace convene::rooms {
class RoomsModule;
}

namespace convene::ingest {

class WhipEndpoint final : private media::PeerMediaListener {
 public:
  struct Collaborators {
    http::Server& http;
    store::Store& store;
    signaling::SignalingModule& signaling;
    media::Sfu& media;
    rooms::RoomsModule& rooms;
    std::string video_codec;  // [media] video_codec: what the room's subscribers take
    int answer_timeout_sec = 10;
    // A publisher that sent no RTP for this long after its answer has gone
    // (closed without DELETE, ICE/DTLS failed, crashed): its session ends.
    int media_timeout_sec = 10;
  };
  explicit WhipEndpoint(const Collaborators& with);
  ~WhipEndpoint() override;  // every publisher leaves its room
  WhipEndpoint(const WhipEndpoint&) = delete;
  WhipEndpoint& operator=(const WhipEndpoint&) = delete;

  size_t session_count() const { return sessions_.size(); }
  // The key was revoked: its running sessions end.
  void key_revoked(const std::string& room_id, const std::string& key_id);

 private:
  void post(http::ExchangePtr ex);
  void remove(http::ExchangePtr ex);
  void patch(http::ExchangePtr ex);
  void options(http::ExchangePtr ex);

  // The room and key checked (on the main loop): the publisher enters and offers.
  void start(const http::ExchangePtr& ex, const rooms::RoomRecord& room, const std::string& key_id,
             const std::string& key_name, const std::string& sdp, const std::map<std::string, std::string>& sources);
  void send_answer(WhipSession& s);
  // From the answer on, ends the session once media stops for media_timeout_sec.
  void watch_media(WhipSession& s);
  // Ends the session: its participant leaves the room; a pending POST gets `status`/`code`/`message`.
  void end(const std::string& session_id, int status = 0, const std::string& code = "",
           const std::string& message = "");
  WhipSession* session_of_peer(const std::string& room_id, const std::string& peer_id);

  // --- media::PeerMediaListener (only this endpoint's peers matter)
  void publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                      const std::string& request_id) override;
  void subscribe_offer(const std::string&, const std::string&, const std::string&,
                       const std::vector<media::OfferedTrack>&) override {}
  void local_candidate(const std::string& room_id, const std::string& peer_id, media::PeerConnection pc,
                       unsigned mline, const std::string& candidate) override;
  void active_speaker(const std::string&, const std::string&) override {}
  void candidates_gathered(const std::string& room_id, const std::string& peer_id, media::PeerConnection pc) override;
  void media_failed(const std::string& room_id, const std::string& peer_id, const media::Refusal& failure,
                    const std::string& request_id) override;

  store::Store& store_;
  signaling::SignalingModule& signaling_;
  media::Sfu& media_;
  std::string video_codec_;
  int answer_timeout_sec_;
  int media_timeout_sec_;
  std::map<std::string, std::unique_ptr<WhipSession>> sessions_;  // by session id
  std::map<std::string, std::string> peers_;                      // peer id -> session id
  ListenerToken media_listening_;
  ListenerToken room_ended_;
  ListenerToken peer_removed_;
};

}  // namespace convene::ingest
