// The whiteboard's part of joining: after room-joined, the board so far.
#pragma once

#include "rooms/whiteboard.h"

namespace convene::signaling {

class SignalingModule;
struct Session;

// Sends the board as whiteboard-history {strokes, done} messages of whole
// strokes, each at most [rooms] whiteboard_history_chunk_bytes of JSON (a
// single larger stroke goes alone); the last, possibly empty, has done:true.
void send_whiteboard_history(SignalingModule& signaling, Session& s, const rooms::Whiteboard& board);

}  // namespace convene::signaling
