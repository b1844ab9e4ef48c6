// A signed-in person's own preferences, kept on the server so they follow
// them across devices: GET/PUT /users/me/preferences. Today: the call theme.
//
// Threads: main loop; SQL on store workers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "http/exchange.h"
#include "http/server.h"
#include "store/connection.h"
#include "store/store.h"

namespace convene::auth {

// The call themes a client may pick (web/js/room/themes.js has the same list).
const std::vector<std::string>& known_themes();

struct Preferences {
  std::optional<std::string> theme;
};

namespace preferences {
// Store worker threads only.
Preferences load(store::Connection& c, const std::string& user_id);
void save(store::Connection& c, const std::string& user_id, const Preferences& p);
}  // namespace preferences

class PreferencesApi {
 public:
  PreferencesApi(store::Store& store, http::Server& http, const Authenticator& authenticator);

 private:
  void get(http::ExchangePtr ex);
  void put(http::ExchangePtr ex);

  store::Store& store_;
  const Authenticator& authenticator_;
};

}  // namespace convene::auth
