// The live state of a room with people in its call: who is there, the
// whiteboard so far. Lives on the main loop; the store keeps what must
// outlive a restart.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rooms/room_record.h"
#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::rooms {

struct LivePeer {
  std::string peer_id;
  std::string user_id;
  std::string username;
  std::string role;
  std::string attendance_id;  // the room_participants row of this stay
  int64_t joined_at = 0;
  uint64_t join_order = 0;
  bool hand_raised = false;

  // {peerId, userId, username, role, handRaised}
  json::Object to_json() const;
};

class LiveRoom {
 public:
  LiveRoom(RoomRecord record, size_t max_strokes);

  const RoomRecord& record() const { return record_; }
  RoomRecord& record() { return record_; }
  const std::string& id() const { return record_.id; }

  LivePeer& add_peer(LivePeer peer);
  void remove_peer(const std::string& peer_id);
  LivePeer* peer(const std::string& peer_id);
  // In the order they joined.
  std::vector<const LivePeer*> peers() const;
  size_t peer_count() const { return peers_.size(); }

  // Whiteboard strokes, oldest first; the oldest are dropped past the bound.
  void add_stroke(JsonNodePtr stroke);
  void clear_strokes() { strokes_.clear(); }
  json::Array strokes_json() const;

  // A strictly increasing time for chat messages of this room, so history
  // reads back in the order messages were broadcast.
  int64_t next_chat_time(int64_t now_ms);

 private:
  RoomRecord record_;
  std::map<std::string, LivePeer> peers_;
  uint64_t next_join_order_ = 0;
  std::deque<JsonNodePtr> strokes_;
  size_t max_strokes_;
  int64_t last_chat_time_ = 0;
};

}  // namespace convene::rooms
