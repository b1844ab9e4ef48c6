// sfu-peer: one webrtcbin participant as a program, for tests in other
// languages (the browser suite): registers NAME on the server at BASE_URL,
// joins the room of INVITE_CODE, publishes test video and audio, receives
// everyone else for SECONDS and prints one JSON line:
//   {"peerId":"...","frames":{"<peerId>":<decoded video frames>,...},
//    "packets":{"<peerId>":<video RTP packets received>,...}}
// Usage: sfu-peer BASE_URL NAME INVITE_CODE SECONDS [--claim-e2ee]
// --claim-e2ee (tests only): says in join-room that it encrypts, which it
// does not, to get into an end-to-end encrypted room and show that what the
// SFU forwards there cannot be decoded without the keys.
#include <cstdio>
#include <string>

#include "sfu_client.h"
#include "test_person.h"

using namespace convene;
using namespace convene::testing;

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  bool claim_e2ee = argc == 6 && std::string(argv[5]) == "--claim-e2ee";
  if (argc != 5 && !claim_e2ee) {
    std::fprintf(stderr, "usage: sfu-peer BASE_URL NAME INVITE_CODE SECONDS [--claim-e2ee]\n");
    return 2;
  }
  try {
    TestPerson person(argv[1], argv[2]);
    person.claims_e2ee = claim_e2ee;
    auto joined = person.http.post(std::string("/rooms/join/") + argv[3]);
    if (joined.status != 200) throw std::runtime_error("joining by invite failed: " + joined.body);
    std::string room_id = joined.str("id");  // the answer is the room
    if (!person.join(room_id)) throw std::runtime_error("join-room failed for room " + room_id);
    SfuClientOptions options;
    options.video_pattern = "pinwheel";
    SfuClient client(person, options);
    client.publish();
    client.pump(std::stoi(argv[4]) * 1000);
    json::Object frames, packets;
    for (const std::string& peer : client.offered_peers()) {
      frames.set(peer.c_str(), client.frames_from(peer));
      packets.set(peer.c_str(), client.packets_from(peer));
    }
    std::printf("%s\n", std::move(json::Object()
                                      .set("peerId", person.peer_id)
                                      .set("frames", std::move(frames))
                                      .set("packets", std::move(packets)))
                            .to_string()
                            .c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sfu-peer: %s\n", e.what());
    return 1;
  }
}
