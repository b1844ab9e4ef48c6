#include "signaling/host_handover.h"

#include "signaling/signaling_module.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {

void hand_over_host(SignalingModule& sig, rooms::LiveRoom& room, const std::string& previous_peer_id) {
  if (room.earliest_with_role("HOST")) return;
  // Exactly one host: the earliest co-host, else the earliest participant.
  const rooms::LivePeer* next = room.earliest_with_role("CO_HOST");
  if (!next) next = room.earliest_with_role("PARTICIPANT");
  if (!next) return;
  rooms::LivePeer* heir = room.peer(next->peer_id);
  // Live only: a one-second network drop must not give the room away.
  room.stand_in() = rooms::LiveRoom::StandIn{heir->peer_id, heir->role};
  sig.set_role(room, *heir, "HOST");
  GST_INFO("room %s: %s stands in as host", room.id().c_str(), heir->username.c_str());
  sig.broadcast(room.id(), std::move(json::Object()
                                         .set("type", "host-changed")
                                         .set("peerId", heir->peer_id)
                                         .set("userId", heir->user_id)
                                         .set("previousPeerId", previous_peer_id)
                                         .set("reason", "host-left")));
}

void owner_returned(SignalingModule& sig, Session& owner) {
  rooms::LiveRoom* room = sig.rooms().live(owner.room_id);
  if (!room || !room->stand_in()) return;
  rooms::LiveRoom::StandIn stand_in = *room->stand_in();
  room->stand_in().reset();
  rooms::LivePeer* p = room->peer(stand_in.peer_id);
  if (!p || p->role != "HOST" || p->user_id == owner.user_id) return;
  sig.set_role(*room, *p, stand_in.previous_role);
  GST_INFO("room %s: the owner is back; %s is %s again", room->id().c_str(), p->username.c_str(), p->role.c_str());
  sig.broadcast(room->id(), std::move(json::Object()
                                          .set("type", "host-changed")
                                          .set("peerId", owner.peer_id)
                                          .set("userId", owner.user_id)
                                          .set("previousPeerId", p->peer_id)
                                          .set("reason", "host-returned")));
  sig.broadcast(room->id(), std::move(json::Object().set("type", "role-changed").set("peerId", p->peer_id).set("role", p->role)));
}

}  // namespace convene::signaling
