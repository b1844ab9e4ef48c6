// sfu-peer: one webrtcbin participant as a program, for tests in other
// languages (the browser suite): registers NAME on the server at BASE_URL,
// joins the room of INVITE_CODE, publishes test video and audio, receives
// everyone else for SECONDS and prints one JSON line:
//   {"peerId":"...","frames":{"<peerId>":<decoded video frames>,...},
//    "packets":{"<peerId>":<video RTP packets received>,...},
//    "showing":{"<peerId>":<decoded frames showing the picture>,...}}
// Usage: sfu-peer BASE_URL NAME INVITE_CODE SECONDS [--claim-e2ee] [--picture-chroma=U,V]
// --claim-e2ee (tests only): says in join-room that it encrypts, which it
// does not, to get into an end-to-end encrypted room and show that what the
// SFU forwards there cannot be decoded without the keys.
// --picture-chroma=U,V: the others' cameras show one colour; "showing" counts
// decoded frames of that colour (a frame decoded from sealed bytes is noise).
#include <cstdio>
#include <optional>
#include <string>

#include "sfu_client.h"
#include "test_person.h"

using namespace convene;
using namespace convene::testing;

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  bool claim_e2ee = false, usage = argc < 5;
  std::optional<std::pair<int, int>> picture_chroma;
  for (int i = 5; i < argc; ++i) {
    const std::string arg = argv[i];
    int u = 0, v = 0;
    if (arg == "--claim-e2ee") claim_e2ee = true;
    else if (std::sscanf(arg.c_str(), "--picture-chroma=%d,%d", &u, &v) == 2) picture_chroma = std::pair{u, v};
    else usage = true;
  }
  if (usage) {
    std::fprintf(stderr, "usage: sfu-peer BASE_URL NAME INVITE_CODE SECONDS [--claim-e2ee] [--picture-chroma=U,V]\n");
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
    options.picture_chroma = picture_chroma;
    SfuClient client(person, options);
    client.publish();
    client.pump(std::stoi(argv[4]) * 1000);
    json::Object frames, packets, showing;
    for (const std::string& peer : client.offered_peers()) {
      frames.set(peer.c_str(), client.frames_from(peer));
      packets.set(peer.c_str(), client.packets_from(peer));
      showing.set(peer.c_str(), client.frames_showing(peer));
    }
    std::printf("%s\n", std::move(json::Object()
                                      .set("peerId", person.peer_id)
                                      .set("frames", std::move(frames))
                                      .set("packets", std::move(packets))
                                      .set("showing", std::move(showing)))
                            .to_string()
                            .c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sfu-peer: %s\n", e.what());
    return 1;
  }
}
