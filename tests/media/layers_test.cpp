// Per-viewer quality with spatial layers (issue #15), end to end: a real
// `convene serve`, a publisher sending its camera as three layer tracks
// (q 320x180, h 640x360, f 1280x720: tests/support/sfu_client
// camera_layers) and webrtcbin subscribers, on 127.0.0.1 inside a network
// namespace with only lo. Assertions count decoded frames and their width,
// the forwarder's counters (GET /rooms/:id/media) and the layers-wanted
// messages the publisher gets; timings are printed, never asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "media_test_helpers.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {
namespace {

SfuClientOptions layered_camera() {
  SfuClientOptions o;
  o.camera_layers = true;
  o.audio = false;
  return o;
}

SfuClientOptions receiver(bool decode = true) {
  SfuClientOptions o;
  o.video = false;
  o.audio = false;
  o.decode = decode;
  return o;
}

// The latest layers-wanted for `source` the client was sent (nullopt: none yet).
std::optional<std::vector<std::string>> layers_wanted(SfuClient& c, const std::string& source) {
  std::optional<std::vector<std::string>> latest;
  for (auto& m : c.others()) {
    if (str_field(m.get(), "type") != "layers-wanted" || str_field(m.get(), "source") != source) continue;
    JsonArray* layers = json_object_get_array_member(json_node_get_object(m.get()), "layers");
    std::vector<std::string> list;
    for (guint i = 0; layers && i < json_array_get_length(layers); ++i)
      list.push_back(json_array_get_string_element(layers, i));
    latest = list;
  }
  return latest;
}

// Whether any layers-wanted for `source` so far listed `layer`.
bool ever_wanted(SfuClient& c, const std::string& source, const std::string& layer) {
  for (auto& m : c.others()) {
    if (str_field(m.get(), "type") != "layers-wanted" || str_field(m.get(), "source") != source) continue;
    JsonArray* layers = json_object_get_array_member(json_node_get_object(m.get()), "layers");
    for (guint i = 0; layers && i < json_array_get_length(layers); ++i)
      if (layer == json_array_get_string_element(layers, i)) return true;
  }
  return false;
}

std::string join(const std::optional<std::vector<std::string>>& list) {
  if (!list) return "(none)";
  std::string out = "[";
  for (const auto& l : *list) out += (out.size() > 1 ? "," : "") + l;
  return out + "]";
}

// The next message of that type on a person's WebSocket (null: none within the time).
JsonNodePtr next_of_type(TestPerson& p, const std::string& type, int timeout_ms = 5000) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (g_get_monotonic_time() < deadline)
    if (JsonNodePtr m = p.ws->next(100))
      if (str_field(m.get(), "type") == type) return m;
  return nullptr;
}

// The tile's size picks the layer; the decoded picture follows it without
// a gap, and the publisher is told which layers are needed (dynacast).
// Bob and carol decode alice's layered camera, then both ask for it at
// 1280x720 and are sent f within `timeout_ms`.
void both_watch_in_full(TestPerson& a, TestPerson& b, TestPerson& c, const std::string& room,
                        const std::vector<SfuClient*>& all, SfuClient& cb, SfuClient& cc, int timeout_ms) {
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10 && cc.frames_from(a.peer_id) >= 10; }))
      << cb.describe() << cc.describe();
  cb.track_settings(a.peer_id, "camera", 1280, 720);
  cc.track_settings(a.peer_id, "camera", 1280, 720);
  ASSERT_TRUE(pump_until(all, timeout_ms, [&] {
    return subscription(a, room, b.peer_id, a.peer_id).text("layer") == "f" &&
           subscription(a, room, c.peer_id, a.peer_id).text("layer") == "f";
  })) << a.http.get("/rooms/" + room + "/media").body;
}

TEST(Layers, TrackSettingsPickTheLayerAndThePublisherIsToldWhatIsWanted) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {});
  SfuClient ca(a, layered_camera());
  ca.publish();
  // A room of one: nothing of the camera is wanted.
  ASSERT_TRUE(pump_until({&ca}, 15000, [&] { return layers_wanted(ca, "camera").has_value(); }))
      << "layers-wanted follows the publish answer";
  pump_for({&ca}, 1000);
  EXPECT_EQ(layers_wanted(ca, "camera"), std::vector<std::string>{}) << "a room of one sends nothing upward";

  b.become_member(room);
  ASSERT_TRUE(b.join(room));
  SfuClient cb(b, receiver());
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10; })) << cb.describe();
  // No track-settings yet: h.
  EXPECT_TRUE(pump_until(all, 10000, [&] { return cb.frame_width_from(a.peer_id) == 640; }))
      << "width " << cb.frame_width_from(a.peer_id);
  EXPECT_TRUE(pump_until(all, 5000, [&] { return layers_wanted(ca, "camera") == std::vector<std::string>{"h"}; }))
      << join(layers_wanted(ca, "camera"));
  const int tracks_before = static_cast<int>(cb.offered_peers().size());

  struct Step {
    int width, height, expect_width;
    std::vector<std::string> wanted;
  };
  for (const Step& step : {Step{320, 180, 320, {"q"}}, Step{1280, 720, 1280, {"f"}}, Step{200, 112, 320, {"q"}}}) {
    const int frames_before = cb.frames_from(a.peer_id);
    const gint64 asked = g_get_monotonic_time();
    cb.track_settings(a.peer_id, "camera", step.width, step.height);
    bool switched = pump_until(all, 15000, [&] { return cb.frame_width_from(a.peer_id) == step.expect_width; });
    const double ms = (g_get_monotonic_time() - asked) / 1000.0;
    const int frames_at_switch = cb.frames_from(a.peer_id);
    ASSERT_TRUE(switched) << step.width << "x" << step.height << ": decoding " << cb.frame_width_from(a.peer_id)
                          << " wide; " << cb.describe();
    std::printf("track-settings %dx%d: %d wide decoded %.0f ms later, %d frames meanwhile\n", step.width,
                step.height, step.expect_width, ms, frames_at_switch - frames_before);
    // Frames keep coming across the switch: the picture never stops.
    EXPECT_TRUE(pump_until(all, 3000, [&] { return cb.frames_from(a.peer_id) >= frames_at_switch + 15; }))
        << "frames after the switch: " << cb.frames_from(a.peer_id) - frames_at_switch;
    EXPECT_EQ(cb.frame_width_from(a.peer_id), step.expect_width);
    EXPECT_TRUE(pump_until(all, 5000, [&] { return layers_wanted(ca, "camera") == step.wanted; }))
        << step.width << "x" << step.height << ": " << join(layers_wanted(ca, "camera"));
    Subscription s = subscription(a, room, b.peer_id, a.peer_id);
    EXPECT_EQ(s.text("layer"), step.wanted[0]);
    EXPECT_EQ(s.text("layerWanted"), step.wanted[0]);
    EXPECT_EQ(s.number("requestedWidth"), step.width);
    EXPECT_EQ(s.number("requestedHeight"), step.height);
  }
  EXPECT_TRUE(ever_wanted(ca, "camera", "f"));
  std::string errors;
  EXPECT_EQ(cb.pipeline_errors(&errors), 0) << "no decoder error across the switches: " << errors;
  EXPECT_EQ(static_cast<int>(cb.offered_peers().size()), tracks_before) << "one video track throughout";
  EXPECT_GE(subscription(a, room, b.peer_id, a.peer_id).number("spatialSwitches"), 3);
}

// A hidden tile costs nothing: the forwarder pauses, and resumes at a keyframe.
TEST(Layers, AHiddenTileIsPausedAndResumes) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClient ca(a, layered_camera()), cb(b, receiver());
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10; })) << cb.describe();
  cb.track_settings(a.peer_id, "camera", 320, 180, false);
  pump_for(all, 1200);
  const int64_t bytes1 = subscription(a, room, b.peer_id, a.peer_id).number("bytesForwarded");
  const int frames1 = cb.frames_from(a.peer_id);
  pump_for(all, 1500);
  Subscription paused = subscription(a, room, b.peer_id, a.peer_id);
  EXPECT_EQ(paused.text("paused"), "true");
  EXPECT_EQ(paused.number("bytesForwarded"), bytes1) << "nothing is forwarded for a hidden tile";
  EXPECT_LE(cb.frames_from(a.peer_id) - frames1, 1);
  EXPECT_TRUE(pump_until(all, 5000, [&] { return layers_wanted(ca, "camera") == std::vector<std::string>{}; }))
      << "nobody needs a layer: " << join(layers_wanted(ca, "camera"));

  const gint64 shown = g_get_monotonic_time();
  const int frames2 = cb.frames_from(a.peer_id);
  cb.track_settings(a.peer_id, "camera", 320, 180, true);
  ASSERT_TRUE(pump_until(all, 5000, [&] { return cb.frames_from(a.peer_id) > frames2; }))
      << "a decoded frame again once visible: " << cb.describe();
  std::printf("visible again: first frame %.0f ms after track-settings\n", (g_get_monotonic_time() - shown) / 1000.0);
  EXPECT_EQ(subscription(a, room, b.peer_id, a.peer_id).text("paused"), "false");
}

// The loss ladder: a subscriber whose network drops a third of its video is
// sent a smaller layer, and the larger one again once the loss stops; a
// clean subscriber keeps f.
TEST(Layers, ALossySubscriberGoesToASmallerLayerAndBack) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol");
  std::string room = meet(a, {&b, &c});
  SfuClientOptions lossy = receiver(false);
  lossy.receive_latency_ms = 200;
  SfuClient ca(a, layered_camera()), cb(b, lossy), cc(c, receiver(false));
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  ASSERT_NO_FATAL_FAILURE(both_watch_in_full(a, b, c, room, all, cb, cc, 15000));

  cb.set_incoming_video_loss(35);
  bool lowered = pump_until(all, 30000, [&] { return subscription(a, room, b.peer_id, a.peer_id).text("layer") == "q"; });
  std::string media = a.http.get("/rooms/" + room + "/media").body;
  ASSERT_TRUE(lowered) << "bob's receiver reports loss: he is sent q: " << media;
  EXPECT_EQ(subscription(a, room, c.peer_id, a.peer_id).text("layer"), "f") << "carol loses nothing: " << media;

  cb.set_incoming_video_loss(0);
  bool recovered = pump_until(all, 45000, [&] { return subscription(a, room, b.peer_id, a.peer_id).text("layer") == "f"; });
  ASSERT_TRUE(recovered) << "without loss bob climbs back to f: " << a.http.get("/rooms/" + room + "/media").body;
  EXPECT_EQ(subscription(a, room, c.peer_id, a.peer_id).text("layer"), "f");
}

// Bandwidth decides within what the viewer asked for: a subscriber behind a
// link that queues (delays, does not drop) beyond 500 kbps is sent a smaller
// layer than the f it asked for, from the transport-cc estimate alone.
TEST(Layers, ADelayOnlyBottleneckLowersTheLayerWithoutLoss) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol");
  std::string room = meet(a, {&b, &c});
  // Both answer transport-cc, as browsers do: the estimate comes from it.
  SfuClientOptions feedback = receiver(false);
  feedback.transport_cc = true;
  SfuClient ca(a, layered_camera()), cb(b, feedback), cc(c, feedback);
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  ASSERT_NO_FATAL_FAILURE(both_watch_in_full(a, b, c, room, all, cb, cc, 20000));
  // f is chosen before transport-cc has measured either link (the estimate
  // is 0 until then); the first estimates start near 1 Mbps, under what f
  // measures, and both viewers go to h until they have grown. The limit is
  // set once both estimates are well past f (~0.9-1.1 Mbps), so what lowers
  // carol below is her link alone.
  ASSERT_TRUE(pump_until(all, 20000, [&] {
    for (TestPerson* viewer : {&b, &c}) {
      Subscription s = subscription(a, room, viewer->peer_id, a.peer_id);
      if (s.estimate_bps < 1'300'000 || s.text("layer") != "f") return false;
    }
    return true;
  })) << "both estimates past f: " << a.http.get("/rooms/" + room + "/media").body;

  cc.set_incoming_rate_limit(500);
  bool lowered = pump_until(all, 30000, [&] {
    const std::string layer = subscription(a, room, c.peer_id, a.peer_id).text("layer");
    return layer == "q" || layer == "h";
  });
  std::string media = a.http.get("/rooms/" + room + "/media").body;
  ASSERT_TRUE(lowered) << "carol's estimate does not fit f: " << media;
  Subscription carol = subscription(a, room, c.peer_id, a.peer_id);
  std::printf("behind 500 kbps carol is sent %s (asked f), %s lost\n", carol.text("layer").c_str(),
              carol.text("fractionLost").c_str());
  EXPECT_EQ(subscription(a, room, b.peer_id, a.peer_id).text("layer"), "f") << "bob's link is not the limit: " << media;
}

// What the server refuses, each error with its request's id.
TEST(Layers, BadTrackSettingsAndLayersAreRefused) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  struct Case {
    const char* what;
    json::Object message;
  };
  auto settings = [&](const std::string& peer, const std::string& source, int64_t width) {
    return std::move(json::Object()
                         .set("type", "track-settings")
                         .set("peerId", peer)
                         .set("source", source)
                         .set("width", width)
                         .set("height", static_cast<int64_t>(180))
                         .set("visible", true));
  };
  auto offer = [](std::vector<std::pair<std::string, std::string>> tracks) {
    json::Array list;
    int mid = 0;
    for (auto& [source, layer] : tracks) {
      json::Object t;
      t.set("mid", std::to_string(mid++)).set("source", source);
      if (!layer.empty()) t.set("layer", layer);
      list.add(std::move(t));
    }
    return std::move(json::Object().set("type", "publish-offer").set("sdp", "v=0\r\n").set("tracks", std::move(list)));
  };
  std::vector<Case> cases;
  cases.push_back({"an unknown peer", settings("nobody", "camera", 320)});
  cases.push_back({"a peer that publishes nothing", settings(b.peer_id, "camera", 320)});
  cases.push_back({"oneself", settings(a.peer_id, "camera", 320)});
  cases.push_back({"a bad source", settings(b.peer_id, "microphone", 320)});
  cases.push_back({"a negative width", settings(b.peer_id, "camera", -1)});
  cases.push_back({"a layer twice", offer({{"camera", "q"}, {"camera", "q"}})});
  cases.push_back({"a layer on audio", offer({{"microphone", "q"}})});
  cases.push_back({"a layer on a screen", offer({{"screen", "f"}})});
  cases.push_back({"an unknown layer", offer({{"camera", "x"}})});
  cases.push_back({"a camera both in layers and whole", offer({{"camera", "q"}, {"camera", ""}})});
  int n = 0;
  for (Case& c : cases) {
    const std::string request_id = "r" + std::to_string(++n);
    c.message.set("requestId", request_id);
    a.ws->send(std::move(c.message));
    JsonNodePtr error = next_of_type(a, "error");
    ASSERT_TRUE(error) << c.what << ": no error";
    EXPECT_EQ(str_field(error.get(), "code"), "invalid_field") << c.what << ": " << str_field(error.get(), "message");
    EXPECT_EQ(str_field(error.get(), "requestId"), request_id) << c.what;
  }
}

}  // namespace
}  // namespace convene::testing
