#include "media_test_helpers.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace convene::testing {

std::string Subscription::text(const char* field) const {
  if (!object || !json_object_has_member(object, field)) return "(missing)";
  JsonNode* n = json_object_get_member(object, field);
  if (JSON_NODE_HOLDS_NULL(n)) return "null";
  if (json_node_get_value_type(n) == G_TYPE_STRING) return json_node_get_string(n);
  if (json_node_get_value_type(n) == G_TYPE_BOOLEAN) return json_node_get_boolean(n) ? "true" : "false";
  return std::to_string(json_node_get_int(n));
}

int64_t Subscription::number(const char* field) const {
  return object && json_object_has_member(object, field) ? json_object_get_int_member(object, field) : -1;
}

Subscription subscription(TestPerson& asker, const std::string& room, const std::string& subscriber,
                          const std::string& publisher, const std::string& source) {
  Subscription s;
  s.body = asker.http.get("/rooms/" + room + "/media").json();
  if (!s.body || !JSON_NODE_HOLDS_OBJECT(s.body.get())) return s;
  JsonArray* subs = json_object_get_array_member(json_node_get_object(s.body.get()), "subscribers");
  for (guint i = 0; subs && i < json_array_get_length(subs); ++i) {
    JsonObject* sub = json_array_get_object_element(subs, i);
    if (g_strcmp0(json_object_get_string_member(sub, "peerId"), subscriber.c_str())) continue;
    JsonArray* receives = json_object_get_array_member(sub, "receives");
    for (guint j = 0; j < json_array_get_length(receives); ++j) {
      JsonObject* r = json_array_get_object_element(receives, j);
      if (!g_strcmp0(json_object_get_string_member(r, "peerId"), publisher.c_str()) &&
          !g_strcmp0(json_object_get_string_member(r, "source"), source.c_str())) {
        s.object = r;
        s.estimate_bps = json_object_get_int_member_with_default(sub, "estimateBps", 0);
      }
    }
  }
  return s;
}

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
