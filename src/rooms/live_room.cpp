#include "rooms/live_room.h"

#include <algorithm>

namespace convene::rooms {

json::Object LivePeer::to_json() const {
  json::Object o;
  o.set("peerId", peer_id).set("userId", user_id).set("username", username).set("role", role).set("handRaised", hand_raised);
  return o;
}

json::Object LobbyEntry::to_json() const {
  json::Object user;
  user.set("userId", user_id).set("username", username);
  json::Object o;
  o.set("lobbyId", lobby_id).set("user", std::move(user)).set_time("since", since);
  return o;
}

std::vector<const LobbyEntry*> LiveRoom::lobby_in_order() const {
  std::vector<const LobbyEntry*> out;
  for (auto& [id, e] : lobby_) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->since < b->since || (a->since == b->since && a->lobby_id < b->lobby_id); });
  return out;
}

const LivePeer* LiveRoom::earliest_with_role(const std::string& role) const {
  for (const LivePeer* p : peers())
    if (p->role == role) return p;
  return nullptr;
}

std::vector<LivePeer*> LiveRoom::peers_of_user(const std::string& user_id) {
  std::vector<LivePeer*> out;
  for (const LivePeer* p : peers())
    if (p->user_id == user_id) out.push_back(&peers_.at(p->peer_id));
  return out;
}

LiveRoom::LiveRoom(RoomRecord record, const WhiteboardLimits& whiteboard)
    : record_(std::move(record)), whiteboard_(whiteboard) {}

LivePeer& LiveRoom::add_peer(LivePeer peer) {
  peer.join_order = next_join_order_++;
  std::string id = peer.peer_id;
  return peers_[id] = std::move(peer);
}

void LiveRoom::remove_peer(const std::string& peer_id) { peers_.erase(peer_id); }

LivePeer* LiveRoom::peer(const std::string& peer_id) {
  auto it = peers_.find(peer_id);
  return it == peers_.end() ? nullptr : &it->second;
}

std::vector<const LivePeer*> LiveRoom::peers() const {
  std::vector<const LivePeer*> out;
  for (auto& [id, p] : peers_) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->join_order < b->join_order; });
  return out;
}

int64_t LiveRoom::next_chat_time(int64_t now_ms) {
  last_chat_time_ = std::max(now_ms, last_chat_time_ + 1);
  return last_chat_time_;
}

}  // namespace convene::rooms
