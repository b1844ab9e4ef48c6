// Who runs a meeting whose host is away. The owner of a room (rooms.host_id)
// changes only by transfer-host. When the host's peer leaves (or its
// connection drops), the earliest co-host, else the earliest participant,
// stands in as HOST for this meeting only: nothing is stored, the stand-in
// cannot end the room (REST checks the stored role), kick the owner or hand
// the room over, and the owner takes the role back on return.
//
// Threads: main loop.
#pragma once

#include <string>

#include "rooms/live_room.h"

namespace convene::signaling {

class SignalingModule;
struct Session;

// The host's peer `previous_peer_id` has left `room`: picks a stand-in when
// no HOST is left, and tells the room (host-changed, reason "host-left").
void hand_over_host(SignalingModule& signaling, rooms::LiveRoom& room, const std::string& previous_peer_id);

// The owner's session has just entered its room: a stand-in gets its own role
// back (role-changed) and the room hears host-changed, reason "host-returned".
void owner_returned(SignalingModule& signaling, Session& owner);

}  // namespace convene::signaling
