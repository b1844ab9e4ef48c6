// WHIP ingest end to end (issue #17): a real `convene serve`, a WHIP client
// written with webrtcbin (tests/support/whip_client) posting its offer over
// HTTP with an ingest key, and a webrtcbin participant of the room
// (sfu_client) decoding what the WHIP publisher sends. All on 127.0.0.1
// inside a network namespace with only lo.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "media_files.h"
#include "media_test_helpers.h"
#include "scratch_dir.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"
#include "whip_client.h"

namespace convene::testing {
namespace {

std::string create_key(TestPerson& host, const std::string& room, const std::string& name, std::string* key_id = nullptr) {
  auto r = host.http.post("/rooms/" + room + "/ingest-keys", "{\"name\":\"" + name + "\"}");
  if (r.status != 201) throw std::runtime_error("creating an ingest key failed: " + r.body);
  if (key_id) *key_id = r.str("id");
  return r.str("key");
}

Response whip_post(const ServerProcess& server, const std::string& room, const std::string& body,
                   const std::map<std::string, std::string>& headers) {
  return HttpClient(server.base_url()).request("POST", "/whip/" + room, body, headers);
}

}  // namespace

TEST(Whip, PublisherIsAParticipantOthersDecodeAndDeleteRemovesIt) {
  ServerProcess server(sfu_server());
  LogOnFailure show_log{server};
  TestPerson host(server, "host"), guest(server, "guest"), late(server, "late");
  std::string room = meet(host, {&guest});
  // A call going on: the guest publishes, the host receives it.
  SfuClient viewer(host), camera(guest);
  camera.publish();
  ASSERT_TRUE(pump_until({&viewer, &camera}, 30000, [&] { return viewer.frames_from(guest.peer_id) >= 10; }))
      << viewer.describe();
  std::string key = create_key(host, room, "OBS Studio");
  const int64_t elements_before = media_figure(host, room, "elements");
  ASSERT_GT(elements_before, 0);

  WhipClient obs;
  Response r = obs.publish(server.base_url(), "/whip/" + room, key);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"].rfind("application/sdp", 0), 0u) << r.headers["content-type"];
  EXPECT_EQ(obs.location().rfind("/whip/" + room + "/", 0), 0u) << obs.location();
  EXPECT_NE(r.body.find("a=candidate:"), std::string::npos) << "non-trickle: the answer carries the candidates\n"
                                                            << r.body;
  EXPECT_NE(r.body.find("a=end-of-candidates"), std::string::npos) << r.body;

  // The publisher is in the room as a participant named after its key.
  std::string whip_peer;
  ASSERT_TRUE(pump_until({&viewer, &camera}, 10000,
                         [&] { return !(whip_peer = joined_peer(viewer, "OBS Studio")).empty(); }))
      << "the host sees the WHIP publisher join";
  bool frames = pump_until({&viewer, &camera}, 30000, [&] {
    return viewer.frames_from(whip_peer) >= 30 && viewer.frames_from(whip_peer, "microphone") > 10;
  });
  std::printf("host <- WHIP: %d video frames, %d audio buffers\n", viewer.frames_from(whip_peer),
              viewer.frames_from(whip_peer, "microphone"));
  ASSERT_TRUE(frames) << "a subscriber decodes the WHIP publisher's video and audio: " << viewer.describe()
                      << host.http.get("/rooms/" + room + "/media").body;

  // Someone joining now finds it in room-joined, as a presenter.
  late.become_member(room);
  auto joined = late.join(room);
  ASSERT_TRUE(joined);
  bool listed = false;
  JsonArray* peers = json_object_get_array_member(obj(joined.get()), "peers");
  for (guint i = 0; i < json_array_get_length(peers); ++i) {
    JsonObject* p = json_array_get_object_element(peers, i);
    if (std::string(json_object_get_string_member(p, "peerId")) != whip_peer) continue;
    listed = true;
    EXPECT_STREQ(json_object_get_string_member(p, "username"), "OBS Studio");
    EXPECT_STREQ(json_object_get_string_member(p, "role"), "PRESENTER");
  }
  EXPECT_TRUE(listed) << "room-joined lists the WHIP publisher";
  late.ws->send(std::move(json::Object().set("type", "leave-room")));

  // PATCH: no trickle ICE here (405); DELETE ends the session.
  HttpClient anyone(server.base_url());
  EXPECT_EQ(anyone.request("PATCH", obs.location(), "a=end-of-candidates\r\n",
                           {{"Content-Type", "application/trickle-ice-sdpfrag"}})
                .status,
            405);
  EXPECT_EQ(anyone.request("PATCH", "/whip/" + room + "/no-such-session", "x",
                           {{"Content-Type", "application/trickle-ice-sdpfrag"}})
                .status,
            404);
  Response stopped = obs.stop(server.base_url());
  EXPECT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_TRUE(pump_until({&viewer, &camera}, 10000, [&] { return saw_peer_left(viewer, whip_peer); }))
      << "the others see the WHIP publisher leave";
  ASSERT_TRUE(pump_until({&viewer, &camera}, 10000, [&] { return media_figure(host, room, "participants") == 2; }))
      << host.http.get("/rooms/" + room + "/media").body;
  int before = viewer.frames_from(guest.peer_id);
  EXPECT_TRUE(pump_until({&viewer, &camera}, 10000, [&] { return viewer.frames_from(guest.peer_id) > before + 10; }))
      << "the call goes on";

  // A second session: subscribers keep their forwarding slots for the next
  // track (slot reuse), so the pipeline after one session is the baseline;
  // after the second it must be exactly that again (its webrtcbin and tees gone).
  const int64_t elements_after_one = media_figure(host, room, "elements");
  std::printf("elements: %" G_GINT64_FORMAT " before WHIP, %" G_GINT64_FORMAT " after one session\n",
              elements_before, elements_after_one);
  WhipClient obs2;
  Response again = obs2.publish(server.base_url(), "/whip/" + room, key);
  ASSERT_EQ(again.status, 201) << again.body;
  std::string second;
  ASSERT_TRUE(pump_until({&viewer, &camera}, 10000, [&] {
    second = joined_peer(viewer, "OBS Studio");
    return !second.empty() && second != whip_peer;
  }));
  EXPECT_TRUE(pump_until({&viewer, &camera}, 30000, [&] { return viewer.frames_from(second) >= 10; }))
      << viewer.describe();
  EXPECT_EQ(obs2.stop(server.base_url()).status, 200);
  EXPECT_TRUE(pump_until({&viewer, &camera}, 10000, [&] {
    return media_figure(host, room, "elements") == elements_after_one && media_figure(host, room, "participants") == 2;
  })) << "the pipeline is back to what it was (" << elements_after_one
      << " elements): " << host.http.get("/rooms/" + room + "/media").body;

  // A host may remove a WHIP publisher like anyone (kick): its session ends.
  WhipClient obs3;
  ASSERT_EQ(obs3.publish(server.base_url(), "/whip/" + room, key).status, 201);
  std::string third;
  ASSERT_TRUE(pump_until({&viewer, &camera}, 10000, [&] {
    third = joined_peer(viewer, "OBS Studio");
    return !third.empty() && third != second;
  }));
  host.ws->send(std::move(json::Object().set("type", "kick").set("peerId", third)));
  EXPECT_TRUE(pump_until({&viewer, &camera}, 10000, [&] { return saw_peer_left(viewer, third); }))
      << "the kicked publisher leaves";
  EXPECT_TRUE(pump_until({&viewer, &camera}, 10000, [&] {
    return media_figure(host, room, "elements") == elements_after_one && media_figure(host, room, "participants") == 2;
  })) << host.http.get("/rooms/" + room + "/media").body;
  EXPECT_EQ(obs3.stop(server.base_url()).status, 404) << "its session is gone";
  EXPECT_EQ(obs.stop(server.base_url()).status, 404) << "a session ends once";
}

TEST(Whip, BadRequestsAreRefusedAndCreateNothing) {
  ServerOptions options = sfu_server();
  options.env["CONVENE_SERVER_MAX_BODY_BYTES"] = "65536";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClient viewer(host);
  std::string revoked_id;
  std::string key = create_key(host, room, "Encoder");
  std::string revoked = create_key(host, room, "Old encoder", &revoked_id);
  ASSERT_EQ(host.http.del("/rooms/" + room + "/ingest-keys/" + revoked_id).status, 204);
  const int64_t elements_before = media_figure(host, room, "elements");

  WhipClient client;
  const std::string offer = client.offer();
  ASSERT_FALSE(offer.empty());
  const std::map<std::string, std::string> sdp_type{{"Content-Type", "application/sdp"}};
  auto with_key = [&](const std::string& k) {
    auto h = sdp_type;
    h["Authorization"] = "Bearer " + k;
    return h;
  };

  Response r = whip_post(server, room, offer, {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(whip_post(server, room, offer, sdp_type).status, 401);
  r = whip_post(server, room, offer, with_key("0123456789abcdef"));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(whip_post(server, room, offer, with_key(revoked)).status, 401) << "a revoked key gets nothing";
  EXPECT_EQ(whip_post(server, "no-such-room", offer, with_key(key)).status, 404);
  r = whip_post(server, room, "this is not an SDP", with_key(key));
  EXPECT_EQ(r.status, 400) << r.body;
  r = whip_post(server, room, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", with_key(key));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "no_media");
  // An H.264-only offer in a VP8 room: refused, the subscribers could not take it.
  std::string h264 = offer;
  for (std::string::size_type at; (at = h264.find("VP8/90000")) != std::string::npos;) h264.replace(at, 3, "H264");
  r = whip_post(server, room, h264, with_key(key));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "unsupported_codec");
  {
    // The HTTP layer refuses it on its headers (Expect: 100-continue lets the client hear it).
    auto h = with_key(key);
    h["Expect"] = "100-continue";
    int status = 0;
    try {
      status = whip_post(server, room, offer + std::string(70000, 'a'), h).status;
    } catch (const std::exception& e) {
      std::printf("huge body: %s\n", e.what());
    }
    EXPECT_EQ(status, 413);
  }
  EXPECT_EQ(HttpClient(server.base_url()).request("DELETE", "/whip/" + room + "/nope").status, 404);
  Response options_r = HttpClient(server.base_url()).request("OPTIONS", "/whip/" + room);
  EXPECT_EQ(options_r.status, 204);
  EXPECT_EQ(options_r.headers["accept-post"], "application/sdp");

  // Nothing was created by any of them: no participant, no element.
  pump_for({&viewer}, 500);
  for (auto& m : viewer.others()) EXPECT_NE(str_field(m.get(), "type"), "peer-joined") << "nobody joined";
  EXPECT_EQ(media_figure(host, room, "participants"), 1);
  EXPECT_EQ(media_figure(host, room, "elements"), elements_before);

  // A one-to-one room is peer to peer: no SFU to publish into.
  auto pair = host.http.post("/rooms", R"({"name":"Pair","type":"ONE_TO_ONE"})");
  ASSERT_EQ(pair.status, 201);
  std::string pair_key = create_key(host, pair.str("id"), "Encoder");
  r = whip_post(server, pair.str("id"), offer, with_key(pair_key));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "wrong_media_mode");
  EXPECT_EQ(whip_post(server, pair.str("id"), offer, with_key(key)).status, 401) << "a key opens its own room only";

  // An ended room: 409.
  ASSERT_EQ(host.http.post("/rooms/" + room + "/end").status, 200);
  EXPECT_EQ(whip_post(server, room, offer, with_key(key)).status, 409);
}

// A WHIP client that vanishes (crash, network gone) never sends DELETE, and
// webrtcbin in 1.22 has no ICE consent freshness to notice: the silence
// ends the session ([ingest] whip_media_timeout_sec).
TEST(Whip, PublisherGoneWithoutDeleteLeavesTheRoom) {
  ServerOptions options = sfu_server();
  options.env["CONVENE_INGEST_WHIP_MEDIA_TIMEOUT_SEC"] = "2";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClient viewer(host);
  std::string key = create_key(host, room, "OBS Studio");
  auto obs = std::make_unique<WhipClient>();
  ASSERT_EQ(obs->publish(server.base_url(), "/whip/" + room, key).status, 201);
  std::string whip_peer;
  ASSERT_TRUE(pump_until({&viewer}, 10000, [&] { return !(whip_peer = joined_peer(viewer, "OBS Studio")).empty(); }));
  ASSERT_TRUE(pump_until({&viewer}, 30000, [&] { return viewer.frames_from(whip_peer) >= 10; })) << viewer.describe();
  const std::string location = obs->location();

  obs.reset();  // gone: no DELETE, no more packets
  EXPECT_TRUE(pump_until({&viewer}, 15000, [&] { return saw_peer_left(viewer, whip_peer); }))
      << "a publisher that stopped sending leaves the room";
  EXPECT_TRUE(pump_until({&viewer}, 5000, [&] { return media_figure(host, room, "participants") == 1; }))
      << host.http.get("/rooms/" + room + "/media").body;
  EXPECT_EQ(HttpClient(server.base_url()).request("DELETE", location).status, 404) << "its session ended";
}

TEST(Whip, RevokingTheKeyEndsItsSession) {
  ServerProcess server(sfu_server());
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClient viewer(host);
  std::string key_id, other_id;
  std::string key = create_key(host, room, "OBS Studio", &key_id);
  std::string other = create_key(host, room, "Backup encoder", &other_id);
  WhipClient obs, backup;
  ASSERT_EQ(obs.publish(server.base_url(), "/whip/" + room, key).status, 201);
  ASSERT_EQ(backup.publish(server.base_url(), "/whip/" + room, other).status, 201);
  std::string whip_peer, backup_peer;
  ASSERT_TRUE(pump_until({&viewer}, 10000, [&] {
    whip_peer = joined_peer(viewer, "OBS Studio");
    backup_peer = joined_peer(viewer, "Backup encoder");
    return !whip_peer.empty() && !backup_peer.empty();
  }));
  ASSERT_TRUE(pump_until({&viewer}, 30000, [&] { return viewer.frames_from(whip_peer) >= 5; })) << viewer.describe();

  ASSERT_EQ(host.http.del("/rooms/" + room + "/ingest-keys/" + key_id).status, 204);
  EXPECT_TRUE(pump_until({&viewer}, 5000, [&] { return saw_peer_left(viewer, whip_peer); }))
      << "the publisher of a revoked key leaves at once";
  EXPECT_EQ(obs.stop(server.base_url()).status, 404) << "its session ended";
  EXPECT_FALSE(saw_peer_left(viewer, backup_peer)) << "another key's publisher stays";
  EXPECT_EQ(media_figure(host, room, "participants"), 2);
  EXPECT_EQ(backup.stop(server.base_url()).status, 200);
}

// A recording of a room with a WHIP presenter and one participant has both
// tiles: the presenter is composited like anyone (issue #17).
TEST(Whip, ARecordingShowsThePresenterBesideTheParticipant) {
  ServerProcess server(sfu_server());
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  auto solid = [](size_t colour) { return "solid-color foreground-color=" + std::to_string(participant_argb(colour)); };
  SfuClientOptions red;
  red.video_pattern = solid(0);
  SfuClient camera(host, red);
  camera.publish();
  WhipClientOptions green;
  green.video_pattern = solid(1);
  WhipClient obs(green);
  ASSERT_EQ(obs.publish(server.base_url(), "/whip/" + room, create_key(host, room, "OBS Studio")).status, 201);
  std::string whip_peer;
  ASSERT_TRUE(pump_until({&camera}, 30000, [&] {
    if (whip_peer.empty()) whip_peer = joined_peer(camera, "OBS Studio");
    return !whip_peer.empty() && camera.frames_from(whip_peer) >= 10;
  })) << camera.describe();

  auto started = host.http.post("/rooms/" + room + "/recordings");
  ASSERT_EQ(started.status, 201) << started.body;
  std::string rid = started.str("id");
  pump_until({&camera}, 5000, [] { return false; });  // five seconds of the call on record
  auto stopped = host.http.post("/rooms/" + room + "/recordings/" + rid + "/stop");
  ASSERT_LT(stopped.status, 300) << stopped.body;
  std::string status;
  pump_until({&camera}, 20000, [&] { return (status = host.http.get("/recordings/" + rid).str("status")) == "READY"; });
  ASSERT_EQ(status, "READY");
  auto file = host.http.get("/recordings/" + rid + "/file");
  ASSERT_EQ(file.status, 200);
  std::string path = scratch_dir("convene-whiprec") + "/meeting.webm";
  ASSERT_TRUE(g_file_set_contents(path.c_str(), file.body.data(), static_cast<gssize>(file.body.size()), nullptr));
  auto probe = ffprobe(path);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;
  EXPECT_EQ(colours_at(path, {2.5, 3.0, 3.5}, participant_palette()), (std::set<std::string>{"red", "green"}))
      << "the participant's red tile and the WHIP presenter's green one";
  obs.stop(server.base_url());
}

// What OBS sends: H.264 (constrained baseline) and Opus, into a room whose
// codec is H.264. A subscriber decodes it as sent (no transcoding).
TEST(Whip, H264PublisherInAnH264RoomIsDecodedBySubscribers) {
  ServerOptions options = sfu_server();
  options.env["CONVENE_MEDIA_VIDEO_CODEC"] = "H264";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClientOptions h264;
  h264.video_codec = "H264";
  SfuClient viewer(host, h264);
  WhipClientOptions obs_like;
  obs_like.video_codec = "H264";
  WhipClient obs(obs_like);
  Response r = obs.publish(server.base_url(), "/whip/" + room, create_key(host, room, "OBS Studio"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("H264/90000"), std::string::npos) << r.body;
  std::string whip_peer;
  bool frames = pump_until({&viewer}, 30000, [&] {
    if (whip_peer.empty()) whip_peer = joined_peer(viewer, "OBS Studio");
    return !whip_peer.empty() && viewer.frames_from(whip_peer) >= 30 && viewer.frames_from(whip_peer, "microphone") > 10;
  });
  std::printf("host <- H.264 WHIP: %d video frames, %d audio buffers\n", whip_peer.empty() ? 0 : viewer.frames_from(whip_peer),
              whip_peer.empty() ? 0 : viewer.frames_from(whip_peer, "microphone"));
  ASSERT_TRUE(frames) << viewer.describe() << host.http.get("/rooms/" + room + "/media").body;
  EXPECT_EQ(obs.stop(server.base_url()).status, 200);
}

}  // namespace convene::testing
