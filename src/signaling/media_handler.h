// The seam between signaling (WebSocket sessions, room membership) and the
// media plane (the SFU). Signaling owns peers and messages; the media module
// implements MediaHandler and is handed a PeerMessenger to talk back.
//
// Threads: every call in both directions happens on the GLib main loop.
#pragma once

#include <json-glib/json-glib.h>

#include <stdexcept>
#include <string>

#include "util/json.h"

namespace convene::signaling {

struct PeerInfo {
  std::string room_id;
  std::string peer_id;
  std::string user_id;
  std::string username;
  std::string role;  // HOST, CO_HOST, PARTICIPANT, VIEWER
  bool may_publish() const { return role != "VIEWER"; }
};

// A message a handler refuses: signaling answers with
// {"type":"error","code":code,"message":what(),"requestId"?}.
struct Refusal : std::runtime_error {
  Refusal(std::string error_code, const std::string& message)
      : std::runtime_error(message), code(std::move(error_code)) {}
  std::string code;
};

// What the media plane may say to peers (implemented by signaling).
class PeerMessenger {
 public:
  virtual ~PeerMessenger() = default;
  // To one peer; dropped silently when the peer is gone.
  virtual void send_to_peer(const std::string& room_id, const std::string& peer_id, json::Object&& message) = 0;
  // To every peer of the room (except `except_peer_id` when not empty).
  virtual void broadcast(const std::string& room_id, json::Object&& message,
                         const std::string& except_peer_id = "") = 0;
};

// The SFU as signaling sees it (implemented by the media module).
class MediaHandler {
 public:
  virtual ~MediaHandler() = default;
  // Whether `type` is a media message (publish-offer, subscribe-answer,
  // sfu-candidate, track-muted, ...). Signaling routes those to handle().
  virtual bool handles(const std::string& type) const = 0;
  // A peer entered an SFU room; called right after its room-joined was sent.
  virtual void peer_joined(const PeerInfo& peer) = 0;
  // The peer left, was disconnected or was removed.
  virtual void peer_left(const std::string& room_id, const std::string& peer_id) = 0;
  // A media message from a peer of an SFU room. Throws Refusal for bad input.
  virtual void handle(const PeerInfo& peer, const std::string& type, JsonObject* message) = 0;
  // The room ended: release everything it held.
  virtual void room_closed(const std::string& room_id) = 0;
};

}  // namespace convene::signaling
