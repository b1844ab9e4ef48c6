// WHEP playback end to end (issue #17): a real `convene serve`, a call of two
// webrtcbin participants (sfu_client), and WHEP viewers written with
// webrtcbin (tests/support/whep_client) posting their offers over HTTP. All
// on 127.0.0.1 inside a network namespace with only lo.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "media_test_helpers.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"
#include "whep_client.h"

namespace convene::testing {
namespace {

// A small composite (480x270, so it is told apart from a 320x240 camera) and
// viewers that are gone after 4 s without a receiver report.
ServerOptions whep_server() {
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  o.env["CONVENE_RECORDING_WIDTH"] = "480";
  o.env["CONVENE_RECORDING_HEIGHT"] = "270";
  o.env["CONVENE_RECORDING_FRAMERATE"] = "15";
  o.env["CONVENE_PLAYBACK_VIEWER_TIMEOUT_SEC"] = "4";
  o.env["CONVENE_PLAYBACK_VIDEO_KBPS"] = "500";
  return o;
}

std::map<std::string, std::string> bearer(TestPerson& p) { return {{"Authorization", "Bearer " + p.http.token()}}; }

// Two participants publishing, both seen by each other.
struct Call {
  TestPerson host, guest;
  std::string room;
  std::unique_ptr<SfuClient> a, b;
  Call(ServerProcess& server) : host(server, "host"), guest(server, "guest") {
    room = meet(host, {&guest});
    a = std::make_unique<SfuClient>(host, SfuClientOptions{"ball"});
    b = std::make_unique<SfuClient>(guest, SfuClientOptions{"smpte"});
    a->publish();
    b->publish();
  }
  std::vector<SfuClient*> clients() { return {a.get(), b.get()}; }
  bool flowing() {
    return pump_until(clients(), 30000, [&] {
      return a->frames_from(guest.peer_id) >= 10 && b->frames_from(host.peer_id) >= 10;
    });
  }
};

}  // namespace

TEST(Whep, ViewersPlayTheCompositeAndOneCameraAndLeaveNothingBehind) {
  ServerProcess server(whep_server());
  LogOnFailure show_log{server};
  Call call(server);
  ASSERT_TRUE(call.flowing()) << call.a->describe();
  const int64_t elements_before = media_figure(call.host, call.room, "elements");
  ASSERT_GT(elements_before, 0);

  // The room's composite, for a signed-in member.
  WhepClient composite;
  Response r = composite.play(server.base_url(), "/whep/" + call.room, bearer(call.host));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"].rfind("application/sdp", 0), 0u);
  EXPECT_EQ(composite.location().rfind("/whep/" + call.room + "/", 0), 0u) << composite.location();
  EXPECT_NE(r.body.find("a=candidate:"), std::string::npos) << "non-trickle: the answer carries the candidates";
  EXPECT_NE(r.body.find("a=end-of-candidates"), std::string::npos);
  bool played = pump_until(call.clients(), 30000, [&] {
    return composite.video_frames() >= 30 && composite.audio_buffers() >= 20;
  });
  std::printf("composite: %d frames decoded (%d px wide), %d audio buffers\n", composite.video_frames(),
              composite.width(), composite.audio_buffers());
  ASSERT_TRUE(played) << "the viewer decodes the composite";
  EXPECT_EQ(composite.width(), 480) << "the composite's picture, not a camera's";

  // One participant's camera, as published (320x240), for the same member.
  WhepClient camera;
  r = camera.play(server.base_url(), "/whep/" + call.room + "?peer=" + call.guest.peer_id + "&source=camera",
                  bearer(call.host));
  ASSERT_EQ(r.status, 201) << r.body;
  played = pump_until(call.clients(), 30000, [&] { return camera.video_frames() >= 30 && camera.audio_buffers() > 0; });
  std::printf("guest's camera: %d frames decoded (%d px wide), %d audio buffers\n", camera.video_frames(),
              camera.width(), camera.audio_buffers());
  ASSERT_TRUE(played) << "the viewer decodes the guest's camera";
  EXPECT_EQ(camera.width(), 320) << "the camera as published, not transcoded";

  // PATCH: no trickle (405); DELETE ends each; a session ends once.
  HttpClient anyone(server.base_url());
  EXPECT_EQ(anyone.request("PATCH", camera.location(), "a=end-of-candidates\r\n",
                           {{"Content-Type", "application/trickle-ice-sdpfrag"}})
                .status,
            405);
  EXPECT_EQ(camera.stop(server.base_url()).status, 200);
  EXPECT_EQ(composite.stop(server.base_url()).status, 200);
  EXPECT_EQ(composite.stop(server.base_url()).status, 404);
  // The composite's taps and the camera viewer's webrtcbin are out of the room's pipeline.
  EXPECT_TRUE(pump_until(call.clients(), 10000, [&] {
    return media_figure(call.host, call.room, "elements") == elements_before;
  })) << "elements back to " << elements_before << ": " << call.host.http.get("/rooms/" + call.room + "/media").body;

  // A viewer that goes away without DELETE (a closed tab) is freed once it stops reporting.
  WhepClient gone;
  r = gone.play(server.base_url(), "/whep/" + call.room + "?peer=" + call.host.peer_id, bearer(call.guest));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(pump_until(call.clients(), 30000, [&] { return gone.video_frames() >= 10; }));
  EXPECT_GT(media_figure(call.host, call.room, "elements"), elements_before);
  gone.vanish();
  EXPECT_TRUE(pump_until(call.clients(), 20000, [&] {
    return media_figure(call.host, call.room, "elements") == elements_before;
  })) << "the vanished viewer is freed: " << call.host.http.get("/rooms/" + call.room + "/media").body;
  EXPECT_EQ(gone.stop(server.base_url()).status, 404) << "its session is over";
  int before = call.a->frames_from(call.guest.peer_id);
  EXPECT_TRUE(pump_until(call.clients(), 10000, [&] { return call.a->frames_from(call.guest.peer_id) > before + 10; }))
      << "the call goes on";
}

TEST(Whep, TwentyViewersOfOneCompositeAllReceive) {
  ServerProcess server(whep_server());
  LogOnFailure show_log{server};
  Call call(server);
  ASSERT_TRUE(call.flowing()) << call.a->describe();
  // The view link of the room's HLS stream opens WHEP too, without signing in.
  Response egress = call.host.http.post("/rooms/" + call.room + "/egress", R"({"kind":"hls","viewLink":true})");
  ASSERT_EQ(egress.status, 201) << egress.body;
  const std::string watch = egress.str("watchUrl");
  const std::string token = watch.substr(watch.find("view=") + 5);
  ASSERT_FALSE(token.empty()) << egress.body;

  constexpr int kViewers = 20;
  std::vector<std::unique_ptr<WhepClient>> viewers;
  for (int i = 0; i < kViewers; ++i) {
    viewers.push_back(std::make_unique<WhepClient>(WhepClientOptions{true, true, false}));
    Response r = viewers.back()->play(server.base_url(), "/whep/" + call.room + "?view=" + token);
    ASSERT_EQ(r.status, 201) << "viewer " << i << ": " << r.body;
  }
  bool all = pump_until(call.clients(), 60000, [&] {
    for (auto& v : viewers)
      if (v->video_frames() < 20 || v->audio_buffers() < 10) return false;
    return true;
  });
  std::string counts;
  for (auto& v : viewers) counts += std::to_string(v->video_frames()) + "/" + std::to_string(v->audio_buffers()) + " ";
  std::printf("%d viewers, video frames/audio buffers each: %s\n", kViewers, counts.c_str());
  EXPECT_TRUE(all) << "every viewer receives video and audio: " << counts;
  for (auto& v : viewers) EXPECT_EQ(v->stop(server.base_url()).status, 200);
}

TEST(Whep, BadRequestsAreRefusedAndLeaveNothingBehind) {
  ServerOptions options = whep_server();
  options.env["CONVENE_SERVER_MAX_BODY_BYTES"] = "65536";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  Call call(server);
  ASSERT_TRUE(call.flowing()) << call.a->describe();
  const int64_t elements_before = media_figure(call.host, call.room, "elements");
  TestPerson stranger(server, "stranger");

  WhepClient client;
  const std::string offer = client.offer();
  ASSERT_FALSE(offer.empty());
  HttpClient http(server.base_url());
  auto post = [&](const std::string& path, const std::string& body, std::map<std::string, std::string> headers) {
    if (!headers.count("Content-Type")) headers["Content-Type"] = "application/sdp";
    return http.request("POST", path, body, headers);
  };
  const std::string whep = "/whep/" + call.room;
  auto member = bearer(call.host);

  auto json_type = member;
  json_type["Content-Type"] = "application/json";
  EXPECT_EQ(post(whep, offer, json_type).status, 415);
  Response r = post(whep, offer, {});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(post(whep + "?view=0123456789abcdef", offer, {}).status, 401) << "a made-up view link opens nothing";
  EXPECT_EQ(post(whep, offer, bearer(stranger)).status, 403) << "not a member";
  EXPECT_EQ(post("/whep/no-such-room", offer, member).status, 404);
  r = post(whep, "this is not an SDP", member);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_sdp");
  r = post(whep, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", member);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "no_media");
  r = post(whep + "?peer=nobody&source=camera", offer, member);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(post(whep + "?peer=" + call.guest.peer_id + "&source=hologram", offer, member).status, 400);
  {
    auto h = member;
    h["Expect"] = "100-continue";
    int status = 0;
    try {
      status = post(whep, offer + std::string(70000, 'a'), h).status;
    } catch (const std::exception& e) {
      std::printf("huge body: %s\n", e.what());
    }
    EXPECT_EQ(status, 413);
  }
  EXPECT_EQ(http.request("DELETE", whep + "/nope").status, 404);
  EXPECT_EQ(http.request("PATCH", whep + "/nope", "x", {{"Content-Type", "application/trickle-ice-sdpfrag"}}).status,
            404);
  Response options_r = http.request("OPTIONS", whep);
  EXPECT_EQ(options_r.status, 204);
  EXPECT_EQ(options_r.headers["accept-post"], "application/sdp");

  // A room nobody is in the call of is not live: 409, and no composite is built.
  auto quiet = call.host.http.post("/rooms", R"({"name":"Quiet","type":"GROUP"})");
  ASSERT_EQ(quiet.status, 201) << quiet.body;
  r = post("/whep/" + quiet.str("id"), offer, member);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "not_live");

  // An end-to-end encrypted room: the server cannot see its media, so it has nothing to play.
  auto secret = call.host.http.post("/rooms", R"({"name":"Secret","type":"GROUP","e2ee":true})");
  ASSERT_EQ(secret.status, 201) << secret.body;
  r = post("/whep/" + secret.str("id"), offer, member);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "e2ee");

  // Nothing was created by any of them.
  pump_for(call.clients(), 500);
  EXPECT_EQ(media_figure(call.host, call.room, "elements"), elements_before);
  EXPECT_EQ(media_figure(call.host, call.room, "participants"), 2);

  // An ended room: 409.
  ASSERT_EQ(call.host.http.post("/rooms/" + call.room + "/end").status, 200);
  EXPECT_EQ(post(whep, offer, member).status, 409);
}

}  // namespace convene::testing
