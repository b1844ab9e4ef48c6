// SRT ingest (issue #17): an encoder or OBS calls [ingest] srt_bind:srt_port
// with the stream id #!::r=<roomId>,k=<key> (srt_stream_id.h) and publishes
// MPEG-TS (H.264 + AAC) into the room as a participant named after the key
// (role PRESENTER, publishes only), like a WHIP publisher.
//
// A caller is admitted in the SRT handshake (SrtListener's check) only for a
// known key of an active SFU room without E2EE; otherwise it is rejected and
// nothing is created. Admitted, it enters the room through signaling, its
// stream goes through an SrtTranscoder, and each track the demuxer finds is
// published with media::Sfu::publish_local. The connection ending, a host
// removing the participant, the room ending or the key being revoked ends
// the session.
//
// Threads: main loop, except check(), which libsrt runs on its own thread
// during a handshake and which waits (bounded) for the store.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ingest/srt_listener.h"
#include "ingest/srt_session.h"
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

class SrtIngest {
 public:
  struct Collaborators {
    store::Store& store;
    signaling::SignalingModule& signaling;
    media::Sfu& media;
    rooms::RoomsModule& rooms;
    std::string video_codec;  // [media] video_codec
    SrtListener::Options listener;
  };
  // Listens at once; throws std::runtime_error when it cannot.
  explicit SrtIngest(const Collaborators& with);
  ~SrtIngest();  // every publisher leaves its room, every caller is closed
  SrtIngest(const SrtIngest&) = delete;
  SrtIngest& operator=(const SrtIngest&) = delete;

  // The key was revoked: its running sessions end.
  void key_revoked(const std::string& room_id, const std::string& key_id);
  size_t session_count() const { return sessions_.size(); }

 private:
  // libsrt's thread: 0 or the SRT_REJX_* code the caller is refused with.
  int check(const std::string& stream_id);
  // Main loop: an admitted caller connected; it is checked again (the key
  // may have been revoked since) and its session starts.
  void accepted(int sock, const std::string& stream_id);
  void track_found(int sock, const std::string& kind);
  void end(int sock, const std::string& why);

  store::Store& store_;
  signaling::SignalingModule& signaling_;
  media::Sfu& media_;
  std::string video_codec_;
  std::map<int, std::unique_ptr<SrtSession>> sessions_;  // by caller socket
  ListenerToken room_ended_;
  ListenerToken peer_removed_;
  // Posts from the listener's thread find this object gone after it is.
  std::shared_ptr<SrtIngest*> alive_ = std::make_shared<SrtIngest*>(this);
  std::unique_ptr<SrtListener> listener_;  // last: its thread stops first
};

}  // namespace convene::ingest
