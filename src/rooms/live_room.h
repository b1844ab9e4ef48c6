// The live state of a room with people in its call: who is there, the
// whiteboard so far. Lives on the main loop; the store keeps what must
// outlive a restart.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rooms/room_record.h"
#include "rooms/whiteboard.h"
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

// Someone waiting in the lobby for a host to let them in.
struct LobbyEntry {
  std::string lobby_id;
  uint64_t session_id = 0;
  std::string user_id;
  std::string username;
  std::string role;  // the role they will have once admitted
  int64_t since = 0;

  json::Object to_json() const;  // {lobbyId, user:{userId, username}, since}
};

class LiveRoom {
 public:
  LiveRoom(RoomRecord record, const WhiteboardLimits& whiteboard);

  const RoomRecord& record() const { return record_; }
  RoomRecord& record() { return record_; }
  const std::string& id() const { return record_.id; }

  LivePeer& add_peer(LivePeer peer);
  void remove_peer(const std::string& peer_id);
  LivePeer* peer(const std::string& peer_id);
  // In the order they joined.
  std::vector<const LivePeer*> peers() const;
  size_t peer_count() const { return peers_.size(); }

  Whiteboard& whiteboard() { return whiteboard_; }
  const Whiteboard& whiteboard() const { return whiteboard_; }

  // A strictly increasing time for chat messages of this room, so history
  // reads back in the order messages were broadcast.
  int64_t next_chat_time(int64_t now_ms);

  // --- Lobby and host controls. Admission, kicks and the mutes a member may
  // not lift are stored per user (room_members.status, room_host_mutes); what
  // is here is this meeting's view of them.
  std::map<std::string, LobbyEntry>& lobby() { return lobby_; }
  std::vector<const LobbyEntry*> lobby_in_order() const;
  // Users a host removed during this meeting. The store has it too, but its
  // write is asynchronous: this holds a kick for a join that reads the store
  // before the write lands.
  std::set<std::string>& kicked() { return kicked_; }
  // Sources a host muted per user, and whether the user may unmute them
  // (false entries are loaded from the store when the user joins).
  std::map<std::string, std::map<std::string, bool>>& host_muted() { return host_muted_; }
  // The peer that has been here longest among `role` (or nullptr).
  const LivePeer* earliest_with_role(const std::string& role) const;
  // The peers of one user (several connections), in the order they joined.
  std::vector<LivePeer*> peers_of_user(const std::string& user_id);

  // The room's owner is record().host_id. When the host's peer leaves, the
  // earliest co-host (else participant) stands in as HOST for this meeting
  // only; the owner takes the role back on return.
  struct StandIn {
    std::string peer_id;
    std::string previous_role;
  };
  std::optional<StandIn>& stand_in() { return stand_in_; }

 private:
  RoomRecord record_;
  std::map<std::string, LivePeer> peers_;
  uint64_t next_join_order_ = 0;
  Whiteboard whiteboard_;
  int64_t last_chat_time_ = 0;
  std::map<std::string, LobbyEntry> lobby_;
  std::set<std::string> kicked_;
  std::map<std::string, std::map<std::string, bool>> host_muted_;
  std::optional<StandIn> stand_in_;
};

}  // namespace convene::rooms
