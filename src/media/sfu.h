// The media plane as its users see it: a plain C++ API in (SDP, candidates,
// mutes, who may publish) and a listener out (answers, offers, candidates,
// active speaker, failures). Media knows nothing of the wire protocol:
// signaling turns messages into these calls and these events into messages
// (src/signaling/media_handlers.cpp). Track changes reach consumers such as
// recording through room_media.h.
//
// Modelled on mediasoup's Router/Transport with Listeners upward: the caller
// owns what a peer is and may do (its live role), media is told and acts at
// once.
//
// Threads: every call in both directions happens on the GLib main loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/local_track.h"
#include "util/listener_token.h"

namespace convene::media {

// A request media will not carry out: `code` is stable ("forbidden",
// "invalid_sdp", ...), the message says why. Thrown by the calls below for
// what is wrong at once; reported through PeerMediaListener::media_failed for
// what fails later (webrtcbin refusing an SDP, a connection not coming up).
struct Refusal : std::runtime_error {
  Refusal(std::string error_code, const std::string& message)
      : std::runtime_error(message), code(std::move(error_code)) {}
  std::string code;
};

// A peer of a room's call, as far as media cares.
struct MediaPeer {
  std::string peer_id;
  std::string user_id;
  std::string username;  // labels tracks for consumers
  bool can_publish = true;
  // false: a publisher that takes nothing back (a WHIP or SRT ingest): no
  // subscribe connection is ever made for it.
  bool receives = true;
};

enum class PeerConnection { Publish, Subscribe };

// One m-line of a publish-offer.
struct PublishedTrack {
  std::string source;  // camera | microphone | screen
  // "" for a track of one layer; "q" | "h" | "f" for one spatial layer of a
  // camera published as up to three tracks (320x180, 640x360, 1280x720),
  // which the SFU joins into one publication with layers.
  std::string layer;
};

// What a viewer's tile needs of one remote video track (track-settings).
struct TrackSettings {
  std::string peer_id;  // who publishes it
  std::string source;   // camera | screen
  int width = 0;        // the tile's size in device pixels
  int height = 0;
  bool visible = true;  // false: forward nothing
};

// One m-line of a subscribe offer that carries a track.
struct OfferedTrack {
  std::string mid;
  std::string peer_id;  // who publishes it
  std::string source;   // camera | microphone | screen
  std::string kind;     // audio | video
};

// What media says to (or about) one peer. `request_id` is the id the caller
// passed with the request this answers ("" when none, or when nothing asked).
class PeerMediaListener {
 public:
  virtual ~PeerMediaListener() = default;
  virtual void publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                              const std::string& request_id) = 0;
  virtual void subscribe_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                               const std::vector<OfferedTrack>& tracks) = 0;
  virtual void local_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc,
                               unsigned mline, const std::string& candidate) = 0;
  virtual void active_speaker(const std::string& room_id, const std::string& peer_id) = 0;
  // The connection has gathered all its local candidates (every one was
  // given to local_candidate before). For clients that take them all at once
  // (WHIP answers without trickle); ignored by default.
  virtual void candidates_gathered(const std::string& /*room_id*/, const std::string& /*peer_id*/,
                                   PeerConnection /*pc*/) {}
  // The spatial layers ("q", "h", "f") of one of the peer's layered sources
  // that someone consumes now: sent when that set changes and once after each
  // publish answer; an empty list means nobody needs any. Ignored by default.
  virtual void layers_wanted(const std::string& /*room_id*/, const std::string& /*peer_id*/,
                             const std::string& /*source*/, const std::vector<std::string>& /*layers*/) {}
  // Something failed after the call that asked for it had returned.
  virtual void media_failed(const std::string& room_id, const std::string& peer_id, const Refusal& failure,
                            const std::string& request_id) = 0;
};

// The SFU (implemented by MediaModule). Calls about a peer media does not
// know (never joined, or left) throw Refusal("not_in_room") unless said otherwise.
class Sfu {
 public:
  virtual ~Sfu() = default;
  // A peer entered a room's call (creating the room's media with its first).
  virtual void peer_joined(const std::string& room_id, const MediaPeer& peer) = 0;
  // The peer left: everything it published ends, what it received is freed. Unknown peers are ignored.
  virtual void peer_left(const std::string& room_id, const std::string& peer_id) = 0;
  // The room ended: its media is released at once. Unknown rooms are ignored.
  virtual void room_closed(const std::string& room_id) = 0;

  // The peer's offer for its publish connection; `tracks` says what each mid
  // it sends on carries. Answered through publish_answer. Throws
  // Refusal("invalid_field") for two mids of one source and layer, or a layer
  // on anything but a camera.
  virtual void publish_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                             const std::map<std::string, PublishedTrack>& tracks, const std::string& request_id) = 0;
  // The same for tracks of one layer each: `sources` maps each mid to camera/microphone/screen.
  void publish_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                     const std::map<std::string, std::string>& sources, const std::string& request_id) {
    std::map<std::string, PublishedTrack> tracks;
    for (const auto& [mid, source] : sources) tracks[mid] = PublishedTrack{source, ""};
    publish_offer(room_id, peer_id, sdp, tracks, request_id);
  }
  // What the peer's tile of another peer's video needs from now on (the
  // layer sent, or nothing while it is not visible). Throws
  // Refusal("invalid_field") when that peer publishes no such source here.
  virtual void track_settings(const std::string& room_id, const std::string& peer_id,
                              const TrackSettings& settings) = 0;
  // The peer's answer to the last subscribe_offer it was sent.
  virtual void subscribe_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                const std::string& request_id) = 0;
  // A trickled ICE candidate of the peer ("" = end of candidates, ignored).
  virtual void remote_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc,
                                unsigned mline, const std::string& candidate) = 0;
  // The peer (or a host) stopped or resumed one of its sources, published yet or not. Unknown peers are ignored.
  virtual void set_muted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                         bool muted) = 0;
  // Whether the peer may publish, from now on: false ends its publish
  // connection and everything it published at once. Unknown peers are ignored.
  virtual void set_can_publish(const std::string& room_id, const std::string& peer_id, bool can_publish) = 0;

  // Publishes a track the server itself feeds for the peer (an SRT ingest
  // pushing RTP): forwarded, composited and recorded like a WebRTC
  // publisher's; it ends when the peer leaves or may no longer publish.
  // Throws Refusal ("not_in_room", "forbidden", "invalid_track").
  virtual std::shared_ptr<LocalTrackInput> publish_local(const std::string& room_id, const std::string& peer_id,
                                                         const LocalTrack& track) = 0;
  // RTP packets received so far on everything the peer publishes (0 for
  // unknown peers): lets whoever brought a publisher in see that it went silent.
  virtual uint64_t packets_received(const std::string& room_id, const std::string& peer_id) const = 0;

  // Registers a listener for as long as the token lives.
  virtual ListenerToken add_peer_listener(PeerMediaListener& listener) = 0;
};

}  // namespace convene::media
