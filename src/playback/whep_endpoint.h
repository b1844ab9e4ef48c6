// The WHEP endpoint (WebRTC-HTTP Egress Protocol, draft-ietf-wish-whep): a
// viewer receives a live room over WebRTC with sub-second delay.
//
//   POST    /whep/:roomId[?peer=<peerId>&source=camera|screen][&view=<token>]
//             application/sdp offer (recvonly) → 201 application/sdp answer
//             with every candidate, Location: /whep/:roomId/:sessionId
//   DELETE  /whep/:roomId/:sessionId   → 200, the viewer is gone
//   PATCH   /whep/:roomId/:sessionId   → 405 (no trickle ICE, no ICE restart)
//   OPTIONS /whep/:roomId              → 204, Accept-Post: application/sdp
//
// Who may watch: the holder of the room's view link (the HLS view token, as
// ?view= or Authorization: Bearer), or a signed-in member the room admits.
// By default a viewer plays the room's composite (the one recording and
// egress use), encoded once per room (CompositeStream) and forwarded to
// every viewer; ?peer=&source= plays one participant's camera (with its
// microphone) or screen as published, forwarded from its tee in the room's
// pipeline like an SFU subscriber's, never transcoded.
//
// Threads: main loop only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "http/server.h"
#include "media/main_thread.h"
#include "media/media_settings.h"
#include "media/room_media.h"
#include "playback/composite_stream.h"
#include "playback/viewer.h"
#include "store/store.h"
#include "util/gobject_ptr.h"
#include "util/listener_token.h"

namespace convene::rooms {
class RoomsModule;
struct RoomRecord;
}
namespace convene::recording {
class RecordingModule;
}

namespace convene::playback {

class WhepEndpoint final : private media::RoomMediaListener {
 public:
  struct Collaborators {
    http::Server& http;
    store::Store& store;
    const auth::Authenticator& authenticator;
    media::RoomMediaProvider& media;
    recording::RecordingModule& recording;  // the room's composite and its view links
    rooms::RoomsModule& rooms;
    media::MediaSettings media_settings;  // ICE as the SFU's, and the room's video codec
    int viewer_timeout_sec = 10;          // no RTCP from a viewer for this long: it is gone
    int video_kbps = 1500;                // the composite's encoding for viewers
    int max_viewers = 0;                  // per room; 0: no limit
    int answer_timeout_sec = 10;
  };
  explicit WhepEndpoint(const Collaborators& with);
  ~WhepEndpoint() override;  // every viewer ends
  WhepEndpoint(const WhepEndpoint&) = delete;
  WhepEndpoint& operator=(const WhepEndpoint&) = delete;

  size_t session_count() const { return sessions_.size(); }

 private:
  struct Session {
    std::string id;
    std::string room_id;
    std::vector<std::string> track_ids;  // a participant's tracks; empty: the composite
    http::ExchangePtr pending;           // null once answered
    std::unique_ptr<Viewer> viewer;
    GSourcePtr timer;
  };
  struct Offer;

  void post(http::ExchangePtr ex);
  void remove(http::ExchangePtr ex);
  void patch(http::ExchangePtr ex);
  void options(http::ExchangePtr ex);
  void start(const http::ExchangePtr& ex, const rooms::RoomRecord& room, const Offer& offer);
  // Ends a session; a pending POST gets `status`/`code`/`message`.
  void end(const std::string& session_id, int status = 0, const std::string& code = "",
           const std::string& message = "");
  void end_room(const std::string& room_id, const std::string& code, const std::string& message);
  CompositeStream& stream_for(const std::string& room_id);
  void drop_stream_if_unused(const std::string& room_id);
  size_t viewers_in(const std::string& room_id) const;

  // --- media::RoomMediaListener
  void track_removed(const media::TrackInfo& track) override;
  void room_media_closing(const std::string& room_id) override;

  store::Store& store_;
  const auth::Authenticator& authenticator_;
  media::RoomMediaProvider& media_;
  recording::RecordingModule& recording_;
  media::MediaSettings settings_;
  int viewer_timeout_sec_;
  int video_kbps_;
  int max_viewers_;
  int answer_timeout_sec_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;         // by session id
  std::map<std::string, std::unique_ptr<CompositeStream>> streams_;  // by room id
  ListenerToken media_listening_;
  ListenerToken room_ended_;
  media::MainThreadHandle<WhepEndpoint> handle_{this};
};

}  // namespace convene::playback
