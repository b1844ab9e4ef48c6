#include "media_test_helpers.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace convene::testing {

ServerOptions sfu_server(int answer_timeout_sec) {
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  if (answer_timeout_sec > 0) o.env["CONVENE_MEDIA_ANSWER_TIMEOUT_SEC"] = std::to_string(answer_timeout_sec);
  return o;
}

LogOnFailure::~LogOnFailure() {
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "--- server log ---\n%s\n", server.log().c_str());
}

int64_t media_figure(TestPerson& person, const std::string& room, const char* field) {
  auto r = person.http.get("/rooms/" + room + "/media");
  if (r.status != 200) return -1;
  return int_field(r.json().get(), field);
}

std::string joined_peer(SfuClient& client, const std::string& username) {
  std::string id;
  for (auto& m : client.others()) {
    if (str_field(m.get(), "type") != "peer-joined") continue;
    JsonObject* peer = json_object_get_object_member(obj(m.get()), "peer");
    if (peer && std::string(json_object_get_string_member_with_default(peer, "username", "")) == username)
      id = json_object_get_string_member_with_default(peer, "peerId", "");
  }
  return id;
}

bool saw_peer_left(SfuClient& client, const std::string& peer_id) {
  for (auto& m : client.others())
    if (str_field(m.get(), "type") == "peer-left" && str_field(m.get(), "peerId") == peer_id) return true;
  return false;
}

}  // namespace convene::testing
