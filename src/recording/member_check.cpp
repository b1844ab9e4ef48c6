// Threads: see member_check.h.
#include "recording/member_check.h"

#include "http/error.h"
#include "rooms/room_access.h"
#include "rooms/room_record.h"
#include "rooms/room_repository.h"

namespace convene::recording {

void MemberCheck::then(const http::ExchangePtr& ex, const std::string& room_id, Need need,
                       std::function<void(const std::string&, const std::string&)> then) const {
  auto who = authenticator_.require(*ex);
  store_.run<rooms::MemberAccess>(
      [room_id, uid = who.id](store::Connection& c) { return rooms::room_store::member_access(c, room_id, uid); },
      ex->guard([need, uid = who.id, then = std::move(then)](store::Outcome<rooms::MemberAccess> out) {
        if (!out.ok()) throw out.error();
        rooms::require_admitted(out.value());
        if (!out.value().role) throw http::forbidden("you are not a member of this room");
        if (need.moderator && !rooms::can_moderate(*out.value().role))
          throw http::forbidden("only the host or a co-host can do this");
        if (need.media) {
          if (out.value().room->e2ee)
            throw http::conflict("e2ee_room",
                                 "this room's media is end-to-end encrypted: the server cannot record or stream it");
          if (!out.value().room->is_active) throw http::conflict("room_ended", "this meeting has ended");
        }
        then(uid, *out.value().role);
      }));
}

}  // namespace convene::recording
