#include "rooms/room_access.h"

#include "http/error.h"
#include "rooms/room_repository.h"

namespace convene::rooms {

bool MemberAccess::admitted() const {
  if (!room) return false;
  if (owner) return true;
  if (!role || status == "kicked") return false;
  return can_moderate(*role) || status == "admitted";
}

namespace room_store {

MemberAccess member_access(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  MemberAccess a;
  a.room = find(c, room_id);
  if (!a.room) return a;
  a.owner = a.room->host_id == user_id;
  auto r = c.exec("SELECT role, status FROM room_members WHERE room_id = $1 AND user_id = $2", {room_id, user_id});
  if (!r.empty()) {
    a.role = r.row(0).text("role");
    a.status = r.row(0).text("status");
  }
  return a;
}

}  // namespace room_store

const RoomRecord& require_admitted(const MemberAccess& a) {
  if (!a.room) throw http::not_found("no such room");
  if (a.admitted()) return *a.room;
  if (!a.role) throw http::forbidden("you are not a member of this room");
  if (a.status == "kicked")
    throw http::Error(403, "kicked", "a host removed you from this meeting; wait in the lobby to be admitted again");
  throw http::Error(403, "not_admitted", "you are waiting in the lobby: a host must admit you first");
}

void with_admitted_member(store::Store& store, const auth::Authenticator& authenticator, const http::ExchangePtr& ex,
                          const std::string& room_id,
                          std::function<void(const auth::AuthUser& who, const MemberAccess& access)> then) {
  auth::AuthUser who = authenticator.require(*ex);
  store.run<MemberAccess>(
      [room_id, uid = who.id](store::Connection& c) { return room_store::member_access(c, room_id, uid); },
      ex->guard([who, then = std::move(then)](store::Outcome<MemberAccess> out) {
        if (!out.ok()) throw out.error();
        require_admitted(out.value());
        then(who, out.value());
      }));
}

}  // namespace convene::rooms
