// Who may use a room's recordings and streams: the caller, checked against
// the room on a store worker before a handler of recording's REST API goes
// on (recordings and egress share it).
//
// Threads: main loop; the lookup runs on a store worker, `then` on the main
// loop.
#pragma once

#include <functional>
#include <string>

#include "auth/authenticator.h"
#include "http/exchange.h"
#include "store/store.h"

namespace convene::recording {

class MemberCheck {
 public:
  struct Need {
    bool moderator = false;  // the host or a co-host
    bool media = false;      // the room's media must be recordable now: not end-to-end encrypted, not ended
  };
  MemberCheck(store::Store& store, const auth::Authenticator& authenticator)
      : store_(store), authenticator_(authenticator) {}

  // Runs `then(user_id, role)` once the caller is an admitted member with
  // what `need` asks; answers 401/403/404/409 itself otherwise.
  void then(const http::ExchangePtr& ex, const std::string& room_id, Need need,
            std::function<void(const std::string& user_id, const std::string& role)> then) const;

 private:
  store::Store& store_;
  const auth::Authenticator& authenticator_;
};

}  // namespace convene::recording
