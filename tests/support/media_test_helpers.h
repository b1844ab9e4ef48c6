// What the media tests against a real `convene serve` share: the server's
// log on failure, a figure of GET /rooms/:id/media, and who joined or left
// as one SfuClient saw it.
#pragma once

#include <cstdint>
#include <string>

#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {

// A server for SFU tests: ICE on 127.0.0.1 (the namespace has only `lo`), no
// rate limits; `answer_timeout_sec` > 0 re-sends unanswered subscribe offers sooner.
ServerOptions sfu_server(int answer_timeout_sec = 0);

// Prints the server's log when the test failed (declare it after the server).
struct LogOnFailure {
  const ServerProcess& server;
  ~LogOnFailure();
};

// A number of GET /rooms/:id/media (-1 when the room has no media).
int64_t media_figure(TestPerson& person, const std::string& room, const char* field);

// One subscription of GET /rooms/:id/media (`subscribers[].receives[]`):
// fields read as text ("(missing)", "null", strings, booleans, integers) or
// as integers (-1 when missing or when there is no such subscription).
struct Subscription {
  JsonNodePtr body;
  JsonObject* object = nullptr;
  int64_t estimate_bps = 0;  // the subscriber's `estimateBps` (0: not measured yet)
  std::string text(const char* field) const;
  int64_t number(const char* field) const;
};

// What `subscriber` receives of `publisher`'s `source`, as `asker` reads it.
Subscription subscription(TestPerson& asker, const std::string& room, const std::string& subscriber,
                          const std::string& publisher, const std::string& source = "camera");

// The peer of the latest peer-joined `client` saw with this username ("" when none).
std::string joined_peer(SfuClient& client, const std::string& username);

bool saw_peer_left(SfuClient& client, const std::string& peer_id);

}  // namespace convene::testing
