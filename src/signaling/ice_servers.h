// The ICE servers a client gets in room-joined: STUN from config, and TURN
// with time-limited credentials in the "TURN REST API" scheme that coturn's
// use-auth-secret checks: username "<expiry>:<userId>", credential
// base64(HMAC-SHA1(secret, username)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/json.h"

namespace convene::signaling {

struct IceSettings {
  std::vector<std::string> stun_urls;
  std::vector<std::string> turn_urls;
  std::string turn_secret;
  int64_t turn_ttl_sec = 86400;
};

std::string turn_credential(const std::string& secret, const std::string& username);
// [{urls:[...]}, {urls:[...], username, credential}]
json::Array ice_servers_for(const IceSettings& settings, const std::string& user_id, int64_t now_sec);

}  // namespace convene::signaling
