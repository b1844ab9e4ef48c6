// The SFU end to end: a real `convene serve` and participants written with
// webrtcbin (tests/support/sfu_client), all on 127.0.0.1 inside a network
// namespace with only lo. Assertions count decoded frames and what the
// server offers; timings are printed, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "process_figures.h"
#include "prometheus_text.h"
#include "media_test_helpers.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {
namespace {

bool saw_type(SfuClient& c, const std::string& type, const std::string& field = "", const std::string& value = "") {
  for (auto& m : c.others())
    if (str_field(m.get(), "type") == type && (field.empty() || str_field(m.get(), field.c_str()) == value)) return true;
  return false;
}

// What GET /rooms/:id/media says `subscriber` receives of `publisher`'s
// camera: the named integer field of that receive (-1 when it is missing).
int64_t camera_receive_field(JsonNode* media, const std::string& subscriber, const std::string& publisher,
                             const char* field) {
  if (!media || !JSON_NODE_HOLDS_OBJECT(media)) return -1;
  JsonArray* subs = json_object_get_array_member(json_node_get_object(media), "subscribers");
  for (guint i = 0; subs && i < json_array_get_length(subs); ++i) {
    JsonNode* s = json_array_get_element(subs, i);
    if (str_field(s, "peerId") != subscriber) continue;
    JsonArray* receives = json_object_get_array_member(json_node_get_object(s), "receives");
    for (guint j = 0; receives && j < json_array_get_length(receives); ++j) {
      JsonNode* r = json_array_get_element(receives, j);
      if (str_field(r, "peerId") == publisher && str_field(r, "source") == "camera") return int_field(r, field);
    }
  }
  return -1;
}

// `publisher`'s track of `source` in a GET /rooms/:id/media body (null when missing).
JsonNode* track_of(JsonNode* media, const std::string& publisher, const std::string& source) {
  if (!media || !JSON_NODE_HOLDS_OBJECT(media)) return nullptr;
  JsonArray* tracks = json_object_get_array_member(json_node_get_object(media), "tracks");
  for (guint i = 0; tracks && i < json_array_get_length(tracks); ++i) {
    JsonNode* t = json_array_get_element(tracks, i);
    if (str_field(t, "peerId") == publisher && str_field(t, "source") == source) return t;
  }
  return nullptr;
}

// The named integer field of `publisher`'s camera track (-1 when missing).
int64_t camera_track_field(JsonNode* media, const std::string& publisher, const char* field) {
  return int_field(track_of(media, publisher, "camera"), field);
}

// With [media] send_from_forwarders on (direct_send.h's DirectSender takes
// every forwarded packet) and off.
class SfuSendPath : public ::testing::TestWithParam<bool> {};

TEST_P(SfuSendPath, ThreeParticipantsReceiveEachOtherAndALateFourthGetsFramesFast) {
  ServerOptions options = sfu_server(3);
  options.env["CONVENE_MEDIA_SEND_FROM_FORWARDERS"] = GetParam() ? "true" : "false";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol"), d(server, "dave");
  std::string room = meet(a, {&b, &c});
  SfuClient ca(a, {"red"}), cb(b, {"green"}), cc(c, {"blue"});
  for (SfuClient* x : {&ca, &cb, &cc}) x->publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  bool everyone = pump_until(all, 30000, [&] {
    return ca.frames_from(b.peer_id) >= 30 && ca.frames_from(c.peer_id) >= 30 && cb.frames_from(a.peer_id) >= 30 &&
           cb.frames_from(c.peer_id) >= 30 && cc.frames_from(a.peer_id) >= 30 && cc.frames_from(b.peer_id) >= 30;
  });
  std::printf("a<-b %d a<-c %d b<-a %d b<-c %d c<-a %d c<-b %d frames; audio a<-b %d buffers\n",
              ca.frames_from(b.peer_id), ca.frames_from(c.peer_id), cb.frames_from(a.peer_id),
              cb.frames_from(c.peer_id), cc.frames_from(a.peer_id), cc.frames_from(b.peer_id),
              ca.frames_from(b.peer_id, "microphone"));
  ASSERT_TRUE(everyone) << "every participant decodes video from both others: a " << ca.describe() << "; c "
                        << cc.describe() << a.http.get("/rooms/" + room + "/media").body;
  EXPECT_GT(ca.frames_from(b.peer_id, "microphone"), 0) << "audio arrives too";

  // A fourth joins late and publishes nothing: it still receives all three.
  d.become_member(room);
  ASSERT_TRUE(d.join(room));
  SfuClient cd(d);
  all.push_back(&cd);
  bool late = pump_until(all, 20000, [&] {
    return cd.frames_from(a.peer_id) > 0 && cd.frames_from(b.peer_id) > 0 && cd.frames_from(c.peer_id) > 0;
  });
  std::printf("late joiner: first frame %.0f ms after its subscribe answer\n", cd.first_frame_ms());
  ASSERT_TRUE(late) << "the late joiner decodes frames from every publisher";
  // Each stream sent to it has sender reports (a receiver needs them to
  // play a publisher's audio and video in sync): three cameras, three microphones.
  EXPECT_TRUE(pump_until(all, 8000, [&] { return cd.streams_with_sender_reports() >= 6; }))
      << cd.streams_with_sender_reports() << " streams with a sender report";
  // The media description shows how the late joiner's pictures started: its
  // forwarders asked for a keyframe, the publisher was asked, and a keyframe
  // went out to it.
  {
    auto media = a.http.get("/rooms/" + room + "/media");
    JsonNodePtr body = media.json();
    for (TestPerson* p : {&a, &b, &c}) {
      EXPECT_GE(camera_receive_field(body.get(), d.peer_id, p->peer_id, "keyframeRequests"), 1) << media.body;
      EXPECT_GE(camera_receive_field(body.get(), d.peer_id, p->peer_id, "keyframesForwarded"), 1) << media.body;
      EXPECT_GE(camera_track_field(body.get(), p->peer_id, "keyframeRequestsSent"), 1) << media.body;
    }
  }

  // A loss that hits all three of its videos at once: the late joiner asks
  // for a keyframe of each, in one RTCP packet. Every forwarder passes its
  // request on (rtpsession alone would act on the first of them only: it
  // ignores a viewer's request that comes within two round trips of its last).
  {
    pump_for(all, 700);  // past each forwarder's keyframe-min-interval since its first ask
    auto requests_of = [&](TestPerson* p) {
      JsonNodePtr body = a.http.get("/rooms/" + room + "/media").json();
      return camera_receive_field(body.get(), d.peer_id, p->peer_id, "keyframeRequests");
    };
    std::map<TestPerson*, int64_t> before;
    for (TestPerson* p : {&a, &b, &c}) before[p] = requests_of(p);
    ASSERT_EQ(cd.request_keyframes(), 3);
    // Asked again while some forwarder has not passed one on (it passes at
    // most one per 500 ms: a request of the decoder's just before would
    // have taken its turn). The packet names the streams in the same order
    // each time, so rtpsession alone would pass on the same first one again.
    gint64 asked_at = g_get_monotonic_time();
    std::map<TestPerson*, int64_t> after;
    bool all_asked = pump_until(all, 5000, [&] {
      for (TestPerson* p : {&a, &b, &c}) after[p] = requests_of(p);
      if (g_get_monotonic_time() - asked_at > 600 * 1000) {
        cd.request_keyframes();
        asked_at = g_get_monotonic_time();
      }
      return std::all_of(after.begin(), after.end(), [&](auto& e) { return e.second > before[e.first]; });
    });
    EXPECT_TRUE(all_asked) << "keyframe requests passed on for alice " << before[&a] << " -> " << after[&a]
                           << ", bob " << before[&b] << " -> " << after[&b] << ", carol " << before[&c] << " -> "
                           << after[&c];
  }

  // Carol leaves: everyone else's subscribe connection drops her tracks.
  c.ws->send(std::move(json::Object().set("type", "leave-room")));
  bool dropped = pump_until({&ca, &cb, &cd}, 15000, [&] {
    return !ca.offered(c.peer_id) && !cb.offered(c.peer_id) && !cd.offered(c.peer_id);
  });
  EXPECT_TRUE(dropped) << "the others are offered a connection without carol's tracks";
  int before = cd.frames_from(a.peer_id);
  // A renegotiation may cost a keyframe: decoding resumes at the next one.
  EXPECT_TRUE(pump_until({&ca, &cb, &cd}, 6000, [&] { return cd.frames_from(a.peer_id) > before + 10; }))
      << "the others keep receiving after a leave: " << cd.describe();
}

TEST(Sfu, ScreenShareStartsAndStops) {
  ServerOptions options = sfu_server(3);
  options.env["CONVENE_MEDIA_MIN_PORT"] = "42000";  // and media stays within its port range
  options.env["CONVENE_MEDIA_MAX_PORT"] = "42099";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  // Alice's camera is plain blue (U 240, V 110); her screen is a moving
  // ball on black: bob's picture check tells one from the other.
  SfuClientOptions blue_camera, looks_for_blue;
  blue_camera.video_pattern = "blue";
  looks_for_blue.picture_chroma = std::pair{240, 110};
  SfuClient ca(a, blue_camera), cb(b, looks_for_blue);
  ca.publish();
  cb.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10; })) << cb.describe();
  EXPECT_GE(cb.frames_showing(a.peer_id), 5) << "bob sees alice's blue camera";
  ca.start_screen();
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id, "screen") >= 10; }))
      << "bob decodes alice's screen: " << cb.describe();
  EXPECT_EQ(cb.frames_showing(a.peer_id, "screen"), 0) << "a screen of another colour is not taken for the camera";
  EXPECT_TRUE(cb.offered(a.peer_id, "screen"));
  ca.stop_screen();
  ASSERT_TRUE(pump_until(all, 15000, [&] { return !cb.offered(a.peer_id, "screen"); }))
      << "the screen track is withdrawn from bob's connection";
  int camera = cb.frames_from(a.peer_id);
  // Every UDP candidate the server offered lies in [media] min_port..max_port.
  int udp = 0;
  for (SfuClient* c : all)
    for (const std::string& cand : c->server_candidates()) {
      g_auto(GStrv) f = g_strsplit(cand.c_str(), " ", -1);
      if (g_strv_length(f) < 6 || g_ascii_strcasecmp(f[2], "UDP") != 0) continue;
      int port = atoi(f[5]);
      EXPECT_TRUE(port >= 42000 && port <= 42099) << cand;
      ++udp;
    }
  EXPECT_GT(udp, 0) << "the server sent UDP candidates";
  EXPECT_TRUE(pump_until(all, 6000, [&] { return cb.frames_from(a.peer_id) > camera + 10; }))
      << "the camera keeps flowing: " << cb.describe() << a.http.get("/rooms/" + room + "/media").body;
}

TEST(Sfu, MutedTracksStopArrivingAndSpeakerIsDetected) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClientOptions loud;
  loud.volume = 0.8;
  SfuClient ca(a, loud), cb(b);
  ca.publish();
  cb.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] {
    return cb.frames_from(a.peer_id) >= 10 && cb.frames_from(a.peer_id, "microphone") > 10;
  })) << cb.describe() << a.http.get("/rooms/" + room + "/media").body;
  EXPECT_TRUE(pump_until(all, 5000, [&] { return saw_type(cb, "active-speaker", "peerId", a.peer_id); }))
      << "alice, the only one making noise, becomes the active speaker";

  // Alice mutes her camera: bob stops receiving it; unmuting resumes it.
  a.ws->send(std::move(json::Object().set("type", "track-muted").set("source", "camera").set("muted", true)));
  pump_for(all, 500);
  int muted_at = cb.frames_from(a.peer_id);
  pump_for(all, 1500);
  EXPECT_LE(cb.frames_from(a.peer_id) - muted_at, 1) << "a muted camera is not forwarded";
  EXPECT_TRUE(saw_type(cb, "track-muted", "peerId", a.peer_id));
  a.ws->send(std::move(json::Object().set("type", "track-muted").set("source", "camera").set("muted", false)));
  int unmuted_at = cb.frames_from(a.peer_id);
  EXPECT_TRUE(pump_until(all, 10000, [&] { return cb.frames_from(a.peer_id) > unmuted_at + 10; }))
      << "forwarding resumes (from a keyframe) after unmute";

  // The host mutes bob's microphone: alice stops receiving it.
  ASSERT_TRUE(pump_until(all, 10000, [&] { return ca.frames_from(b.peer_id, "microphone") > 10; }));
  a.ws->send(std::move(json::Object().set("type", "mute").set("peerId", b.peer_id).set("source", "microphone")));
  pump_for(all, 500);
  int host_muted_at = ca.frames_from(b.peer_id, "microphone");
  pump_for(all, 1500);
  EXPECT_LE(ca.frames_from(b.peer_id, "microphone") - host_muted_at, 2) << "a host mute stops forwarding at once";
}

// A participant that publishes nothing and only receives.
SfuClientOptions receiver() {
  SfuClientOptions o;
  o.video = false;
  o.audio = false;
  return o;
}

// The highest temporal layer the server lets through from `publisher`'s
// camera to `subscriber` (-1: not found), from GET /rooms/:id/media.
int max_layer_for(TestPerson& asker, const std::string& room, const std::string& subscriber,
                  const std::string& publisher) {
  return static_cast<int>(subscription(asker, room, subscriber, publisher).number("maxTemporalLayer"));
}

// Per-subscriber adaptation: the camera is published in three temporal
// layers; a subscriber whose network loses a third of its video gets the
// base layer only (a quarter of the frames) while another keeps them all,
// and it climbs back once the loss stops.
// Where GET /rooms/:id/media says the server reads the loudness of `peer`'s
// microphone from ("header", "decoder"; "" when the track or field is missing).
std::string level_from(TestPerson& asker, const std::string& room, const std::string& peer) {
  JsonNodePtr body = asker.http.get("/rooms/" + room + "/media").json();
  return str_field(track_of(body.get(), peer, "microphone"), "levelFrom");
}

TEST(Sfu, ActiveSpeakerComesFromTheAudioLevelHeaderWithoutDecoding) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol");
  std::string room = meet(a, {&b, &c});
  // All three send the same silent audio. Alice's and bob's packets carry
  // the RFC 6464 level, as browsers' do: alice's says loud (-10 dBov), bob's
  // silent. Carol sends no level: the server decodes hers.
  SfuClientOptions loud_header, silent_header, no_header;
  loud_header.audio_level = 10;
  silent_header.audio_level = 127;
  for (SfuClientOptions* o : {&loud_header, &silent_header, &no_header}) o->video = false;
  SfuClient ca(a, loud_header), cb(b, silent_header), cc(c, no_header);
  for (SfuClient* x : {&ca, &cb, &cc}) x->publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  ASSERT_TRUE(pump_until(all, 20000, [&] {
    return cc.frames_from(a.peer_id, "microphone") > 10 && cc.frames_from(b.peer_id, "microphone") > 10 &&
           ca.frames_from(c.peer_id, "microphone") > 10;
  })) << cc.describe() << a.http.get("/rooms/" + room + "/media").body << "\nalice's publish answer:\n"
      << ca.publish_answer();
  const std::string extmap = "a=extmap:" + std::to_string(kAudioLevelExtensionId) +
                             " urn:ietf:params:rtp-hdrext:ssrc-audio-level";
  EXPECT_NE(ca.publish_answer().find(extmap), std::string::npos)
      << "the answer takes the offered extension with its id:\n" << ca.publish_answer();
  EXPECT_EQ(cc.publish_answer().find("ssrc-audio-level"), std::string::npos)
      << "and names none where the offer had none:\n" << cc.publish_answer();
  EXPECT_TRUE(pump_until(all, 10000, [&] { return saw_type(cc, "active-speaker", "peerId", a.peer_id); }))
      << "alice, loud by her packets' level, becomes the active speaker though her audio is silent";
  EXPECT_FALSE(saw_type(cc, "active-speaker", "peerId", b.peer_id));
  EXPECT_FALSE(saw_type(ca, "active-speaker", "peerId", c.peer_id));
  EXPECT_EQ(level_from(a, room, a.peer_id), "header") << "no decoder for alice's microphone";
  EXPECT_EQ(level_from(a, room, b.peer_id), "header");
  EXPECT_EQ(level_from(a, room, c.peer_id), "decoder") << "carol's is decoded, as before";
}

TEST(Sfu, ALossySubscriberGetsFewerTemporalLayersAndRecovers) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol");
  std::string room = meet(a, {&b, &c});
  SfuClientOptions receive_only = receiver();
  receive_only.receive_latency_ms = 200;
  SfuClient ca(a), cb(b, receive_only), cc(c, receive_only);
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 30 && cc.frames_from(a.peer_id) >= 30; }))
      << cb.describe() << cc.describe();

  cc.set_incoming_video_loss(35);
  bool lowered = pump_until(all, 30000, [&] { return max_layer_for(a, room, c.peer_id, a.peer_id) == 0; });
  std::string media = a.http.get("/rooms/" + room + "/media").body;
  ASSERT_TRUE(lowered) << "carol's receiver reports loss: she is sent the base layer only: " << media;
  EXPECT_EQ(max_layer_for(a, room, b.peer_id, a.peer_id), 2) << "bob loses nothing and keeps every layer: " << media;
  int b0 = cb.frames_from(a.peer_id), c0 = cc.frames_from(a.peer_id);
  pump_for(all, 4000);
  int b_frames = cb.frames_from(a.peer_id) - b0, c_frames = cc.frames_from(a.peer_id) - c0;
  std::printf("in 4 s at layer 0 with 35 %% loss: bob decoded %d frames, carol %d\n", b_frames, c_frames);
  EXPECT_GT(b_frames, 60) << "bob gets the full frame rate";
  EXPECT_LT(c_frames, b_frames / 2) << "carol gets the base layer's quarter (at most half)";
  EXPECT_GE(c_frames, b_frames / 8) << "but carol decodes the base layer (retransmissions repair the loss)";

  cc.set_incoming_video_loss(0);
  bool recovered = pump_until(all, 30000, [&] { return max_layer_for(a, room, c.peer_id, a.peer_id) == 2; });
  ASSERT_TRUE(recovered) << "without loss carol climbs back: " << a.http.get("/rooms/" + room + "/media").body;
  b0 = cb.frames_from(a.peer_id), c0 = cc.frames_from(a.peer_id);
  pump_for(all, 3000);
  b_frames = cb.frames_from(a.peer_id) - b0, c_frames = cc.frames_from(a.peer_id) - c0;
  std::printf("in 3 s after recovery: bob decoded %d frames, carol %d\n", b_frames, c_frames);
  EXPECT_GT(c_frames, b_frames * 3 / 4) << "carol is back to the full frame rate";
}

// Frames `receiver` decodes from `publisher` in 4 s, then in 4 s after
// `start_loss` (and half a second for it to take effect).
std::pair<int, int> frames_clean_then_lossy(const std::vector<SfuClient*>& all, SfuClient& receiver,
                                            const std::string& publisher, const std::function<void()>& start_loss) {
  int before = receiver.frames_from(publisher);
  pump_for(all, 4000);
  const int clean = receiver.frames_from(publisher) - before;
  start_loss();
  pump_for(all, 500);
  before = receiver.frames_from(publisher);
  pump_for(all, 4000);
  return {clean, receiver.frames_from(publisher) - before};
}

// NACK and RTX on the publish leg: a publisher whose uplink loses a tenth
// of its video packets still reaches the others at the full frame rate,
// because the server asks for each lost packet at once, apart from its
// regular reports (immediate_feedback.h; rtpsession would hold most NACKs
// for its next regular report, a second later).
TEST(Sfu, PublisherUplinkLossIsRepairedByRetransmission) {
  // A repair takes a NACK, the publisher's RTX and the forward: on two
  // shared cores under a whole suite's load that round trip alone passed
  // 50 ms, the default of both the server's asking and the receiver's
  // jitter buffer, and frames were lost that NACKs did repair (bob decoded
  // 50-121 of 120 by load). 200 ms on both sides, as on a long path
  // (docs/operations.md), times the repair and not the scheduler; without
  // retransmission 10 % loss still breaks most frames, however long bob waits.
  ServerOptions options = sfu_server(3);
  options.env["CONVENE_MEDIA_JITTER_LATENCY_MS"] = "200";
  options.env["CONVENE_METRICS_TOKEN"] = "nack-metrics";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClientOptions patient = receiver();
  patient.receive_latency_ms = 200;
  SfuClient ca(a), cb(b, patient);
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 30; })) << cb.describe();
  auto nacks_sent = [&] {
    auto r = a.http.get("/metrics", {{"Authorization", "Bearer nack-metrics"}});
    return prometheus_value(r.body, "convene_rtcp_nacks_total{direction=\"sent\"}");
  };
  const double nacks_before = nacks_sent();
  auto [clean, lossy] = frames_clean_then_lossy(all, cb, a.peer_id, [&] { ca.set_outgoing_video_loss(10); });
  const double nacks = nacks_sent() - nacks_before;
  std::printf("bob decoded %d frames in 4 s, %d with 10 %% of alice's video lost on her uplink; %.0f NACKs sent\n",
              clean, lossy, nacks);
  EXPECT_GT(nacks, 0) << "the server asked alice for what it lost";
  // Without timely NACKs this was a quarter to a half; on a loaded machine
  // with them, 83-100 %.
  EXPECT_GT(lossy, clean * 3 / 4) << "lost packets are retransmitted in time: " << cb.describe();
}

// NACK and RTX on the subscribe leg: a subscriber whose downlink loses a
// tenth of its video packets asks for them again and decodes (nearly) every
// frame, through convenertxsend, which retransmits on the thread of the
// NACK. One layer, so only retransmission, not thinning, can answer.
TEST_P(SfuSendPath, SubscriberDownlinkLossIsRepairedByRetransmission) {
  ServerOptions options = sfu_server(3);
  options.env["CONVENE_MEDIA_SEND_FROM_FORWARDERS"] = GetParam() ? "true" : "false";
  options.env["CONVENE_METRICS_TOKEN"] = "rtx-metrics";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClientOptions one_layer;
  one_layer.temporal_layers = false;
  // bob's client NACKs once per RTCP interval (about 100 ms, rtpsession's
  // RFC 4585 rule), so a second loss waits for the next one; a jitter buffer
  // of 500 ms, as on a long path, leaves room for that and for a loaded
  // machine (at 200 ms bob decoded 84-104 of 120 frames by load).
  SfuClientOptions patient = receiver();
  patient.receive_latency_ms = 500;
  SfuClient ca(a, one_layer), cb(b, patient);
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 30; })) << cb.describe();
  auto retransmitted = [&] {
    auto r = a.http.get("/metrics", {{"Authorization", "Bearer rtx-metrics"}});
    return prometheus_value(r.body, "convene_rtp_retransmissions_total{direction=\"sent\"}");
  };
  const double rtx_before = retransmitted();
  auto [clean, lossy] = frames_clean_then_lossy(all, cb, a.peer_id, [&] { cb.set_incoming_video_loss(10); });
  const double rtx_sent = retransmitted() - rtx_before;
  std::printf("bob decoded %d frames in 4 s, %d with 10 %% of his video lost on his downlink; %.0f retransmitted\n",
              clean, lossy, rtx_sent);
  EXPECT_GT(rtx_sent, 0) << "the server retransmitted to bob";
  EXPECT_GT(lossy, clean * 3 / 4) << "lost packets are retransmitted in time: " << cb.describe();
}

TEST(Sfu, FaultsStayWithTheirPeer) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol"), d(server, "dave");
  std::string room = meet(a, {&b, &c, &d});
  SfuClientOptions silent_peer;
  silent_peer.answer_subscribe_offers = false;  // never answers a subscribe-offer
  SfuClientOptions no_ice;
  no_ice.trickle_candidates = false;            // ICE can never connect
  SfuClient ca(a), cb(b), cc(c, silent_peer), cd(d, no_ice);
  for (SfuClient* x : {&ca, &cb, &cc, &cd}) x->publish();

  // A bad SDP is refused with an error; the connection stays usable.
  c.ws->send(std::move(json::Object()
                           .set("type", "publish-offer")
                           .set("sdp", "this is not SDP")
                           .set("tracks", json::Array())));
  std::vector<SfuClient*> all{&ca, &cb, &cc, &cd};
  EXPECT_TRUE(pump_until(all, 5000, [&] { return saw_type(cc, "error", "code", "invalid_sdp"); }));
  EXPECT_TRUE(pump_until(all, 20000, [&] { return ca.frames_from(b.peer_id) >= 30 && cb.frames_from(a.peer_id) >= 30; }))
      << "alice and bob talk although carol never answers and dave's ICE never connects: " << ca.describe() << "; "
      << cb.describe() << a.http.get("/rooms/" + room + "/media").body;
  EXPECT_TRUE(pump_until(all, 10000, [&] { return ca.frames_from(c.peer_id) > 0; }))
      << "carol, who never answers, still publishes: " << ca.describe();

  // Bob vanishes without a word (WebSocket gone): alice's connection drops his tracks.
  b.ws.reset();
  EXPECT_TRUE(pump_until({&ca, &cc, &cd}, 20000, [&] { return !ca.offered(b.peer_id); }));
  int before = ca.frames_from(c.peer_id);
  EXPECT_TRUE(pump_until({&ca, &cc, &cd}, 6000, [&] { return ca.frames_from(c.peer_id) > before + 10; }))
      << "the room keeps running: " << ca.describe();
  auto r = a.http.get("/rooms/" + room + "/media");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(int_field(r.json().get(), "participants"), 3);
}

// Elements in the room's pipeline (GET /rooms/:id/media), -1 on failure.
int elements_of(TestPerson& asker, const std::string& room) {
  auto r = asker.http.get("/rooms/" + room + "/media");
  return r.status == 200 ? static_cast<int>(int_field(r.json().get(), "elements")) : -1;
}

JsonNode* find_type(SfuClient& c, const std::string& type, const std::string& field, const std::string& value) {
  for (auto& m : c.others())
    if (str_field(m.get(), "type") == type && str_field(m.get(), field.c_str()) == value) return m.get();
  return nullptr;
}

// The live role has one owner (signaling's live room) and media is told at
// once: a participant demoted to viewer is refused and loses what it
// published (its tracks leave everyone's subscribe connection), and promoted
// again it publishes without rejoining. An error webrtcbin finds after the
// call returned (a subscribe-answer it refuses) names the request.
TEST(Sfu, PromoteAndDemoteTakeEffectInMediaAtOnce) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClientOptions never_answers;
  never_answers.answer_subscribe_offers = false;  // keeps a subscribe-offer waiting for the hand-made answer below
  SfuClient ca(a), cb(b, never_answers);
  ca.publish();
  cb.publish();
  std::vector<SfuClient*> all{&ca, &cb};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return ca.frames_from(b.peer_id) >= 10; })) << ca.describe();

  // A subscribe-answer that parses but that webrtcbin refuses: three m-lines,
  // where the offer waiting for it has one or two (alice's audio and video
  // may reach bob in one offer or in two, whichever turn they arrive in).
  std::string three_mlines = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n";
  for (const char* m : {"audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0", "video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1",
                        "video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2"})
    three_mlines += std::string("m=") + m +
                    "\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\na=rtcp-mux\r\n"
                    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                    "a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
                    "00:00:00:00:00\r\na=setup:active\r\na=rtpmap:111 OPUS/48000/2\r\na=rtpmap:96 VP8/90000\r\n";
  b.ws->send(std::move(
      json::Object().set("type", "subscribe-answer").set("sdp", three_mlines).set("requestId", "bad-answer")));
  ASSERT_TRUE(pump_until(all, 10000, [&] { return find_type(cb, "error", "requestId", "bad-answer") != nullptr; }))
      << "the refusal webrtcbin finds later carries the answer's requestId";
  EXPECT_EQ(str_field(find_type(cb, "error", "requestId", "bad-answer"), "code"), "invalid_sdp");

  // Demoted: bob's tracks leave alice's connection and stop arriving.
  a.ws->send(std::move(json::Object().set("type", "promote").set("peerId", b.peer_id).set("role", "VIEWER")));
  ASSERT_TRUE(pump_until(all, 15000, [&] { return !ca.offered(b.peer_id); }))
      << "a viewer's publications end at once: " << ca.describe();
  pump_for(all, 500);
  const int demoted_at = ca.frames_from(b.peer_id);
  pump_for(all, 1500);
  EXPECT_LE(ca.frames_from(b.peer_id) - demoted_at, 1) << "nothing of bob's is forwarded any more";
  auto r = a.http.get("/rooms/" + room + "/media");
  JsonNodePtr media = r.json();
  ASSERT_TRUE(media && JSON_NODE_HOLDS_OBJECT(media.get())) << r.body;
  JsonArray* tracks = json_object_get_array_member(json_node_get_object(media.get()), "tracks");
  int bobs = 0;
  for (guint i = 0; tracks && i < json_array_get_length(tracks); ++i)
    bobs += str_field(json_array_get_element(tracks, i), "peerId") == b.peer_id;
  EXPECT_EQ(bobs, 0) << "the server's pipeline holds none of bob's tracks: " << r.body;
  b.ws->send(std::move(json::Object()
                           .set("type", "publish-offer")
                           .set("sdp", "v=0")
                           .set("tracks", json::Array())
                           .set("requestId", "as-viewer")));
  ASSERT_TRUE(pump_until(all, 5000, [&] { return find_type(cb, "error", "requestId", "as-viewer") != nullptr; }));
  EXPECT_EQ(str_field(find_type(cb, "error", "requestId", "as-viewer"), "code"), "forbidden")
      << "media knows bob is a viewer now";
}

// A publisher whose ICE can never connect is not held forever: after
// [media] publish_connect_timeout_sec its webrtcbin is freed and its client
// hears why, with its offer's requestId. Tearing down a webrtcbin that never
// connected must not hurt anyone else (GStreamer 1.22 has known trouble
// there): the others keep receiving.
TEST(Sfu, APublisherWhoseIceNeverConnectsIsFreedAndTold) {
  ServerOptions options = sfu_server(3);
  options.env["CONVENE_MEDIA_PUBLISH_CONNECT_TIMEOUT_SEC"] = "6";  // the room has settled by then
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), d(server, "dave");
  std::string room = meet(a, {&b, &d});
  SfuClientOptions no_ice;
  no_ice.trickle_candidates = false;  // ICE can never connect
  SfuClient ca(a), cb(b, receiver()), cd(d, no_ice);
  ca.publish();
  const gint64 offered_at = g_get_monotonic_time();
  cd.publish();
  std::vector<SfuClient*> all{&ca, &cb, &cd};
  // The room's size while dave's connection exists: the largest seen before he
  // hears of it (not the last: a sample answered after the server freed it
  // can still arrive before his error is read here).
  int with_dave = -1;
  gint64 next_sample = 0;
  ASSERT_TRUE(pump_until(all, 30000, [&] {
    if (find_type(cd, "error", "code", "connect_timeout")) return true;
    if (g_get_monotonic_time() >= next_sample) {
      with_dave = std::max(with_dave, elements_of(a, room));
      next_sample = g_get_monotonic_time() + 200 * 1000;
    }
    return false;
  })) << "dave is told his publish connection was given up";
  const double after_s = (g_get_monotonic_time() - offered_at) / 1e6;
  EXPECT_GE(after_s, 6.0) << "not before [media] publish_connect_timeout_sec";
  JsonNode* error = find_type(cd, "error", "code", "connect_timeout");
  EXPECT_EQ(str_field(error, "requestId"), cd.last_publish_request_id()) << "the error names his publish-offer";
  EXPECT_FALSE(cd.last_publish_request_id().empty());
  pump_for(all, 500);
  const int without = elements_of(a, room);
  std::printf("dave told after %.1f s; room elements: %d with his publish connection, %d after it was freed\n",
              after_s, with_dave, without);
  EXPECT_LT(without, with_dave) << "dave's webrtcbin is out of the room's pipeline";

  EXPECT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10; })) << cb.describe();
  int before = cb.frames_from(a.peer_id);
  EXPECT_TRUE(pump_until(all, 6000, [&] { return cb.frames_from(a.peer_id) > before + 10; }))
      << "the room keeps running: " << cb.describe();
}

TEST(Sfu, BreakoutRoomsIsolateMedia) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson host(server, "host"), a(server, "ann"), b(server, "ben"), c(server, "cid");
  std::string main = meet(host, {&a, &b, &c});
  std::string body = R"({"rooms":[{"name":"Red","peerIds":[")" + a.peer_id + R"(",")" + b.peer_id +
                     R"("]},{"name":"Blue","peerIds":[")" + c.peer_id + R"("]}]})";
  auto r = host.http.post("/rooms/" + main + "/breakouts", body);
  ASSERT_EQ(r.status, 201) << r.body;
  // Everyone assigned is moved into the breakout as a new peer of that room.
  std::map<TestPerson*, std::string> breakout;
  for (TestPerson* p : {&a, &b, &c}) {
    JsonNodePtr joined = p->ws->wait_for("room-joined", 10000);
    ASSERT_TRUE(joined) << "moved into a breakout";
    p->peer_id = str_field(joined.get(), "peerId");
    breakout[p] = str_field(joined.get(), "roomId");
  }
  ASSERT_EQ(breakout[&a], breakout[&b]);
  ASSERT_NE(breakout[&a], breakout[&c]);
  SfuClient ca(a, {"red"}), cb(b, {"green"}), cc(c, {"blue"});
  for (SfuClient* x : {&ca, &cb, &cc}) x->publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  EXPECT_TRUE(pump_until(all, 20000, [&] { return ca.frames_from(b.peer_id) >= 10 && cb.frames_from(a.peer_id) >= 10; }))
      << "ann and ben see each other in Red: " << ca.describe();
  pump_for(all, 1000);
  EXPECT_EQ(cc.subscribe_offers(), 0) << "cid, alone in Blue, is offered nothing";
  EXPECT_FALSE(ca.offered(c.peer_id)) << "Red hears nothing from Blue";
  EXPECT_EQ(ca.frames_from(c.peer_id) + cb.frames_from(c.peer_id), 0);
}

// Alice's tracks published on the server with packets arriving (GET /rooms/:id/media).
bool publishing(TestPerson& asker, const std::string& room, const std::string& peer_id, int tracks) {
  JsonNodePtr body = asker.http.get("/rooms/" + room + "/media").json();
  if (!body || !JSON_NODE_HOLDS_OBJECT(body.get())) return false;
  JsonArray* list = json_object_get_array_member(json_node_get_object(body.get()), "tracks");
  int flowing = 0;
  for (guint i = 0; list && i < json_array_get_length(list); ++i) {
    JsonObject* t = json_array_get_object_element(list, i);
    if (!g_strcmp0(json_object_get_string_member(t, "peerId"), peer_id.c_str()) &&
        json_object_get_int_member(t, "packetsReceived") > 0)
      ++flowing;
  }
  return flowing >= tracks;
}

TEST(Sfu, JoinLeaveCyclesLeakNothing) {
  ServerProcess server(sfu_server(3));
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob");
  std::string room = meet(a, {&b});
  SfuClient ca(a);
  ca.publish();
  ASSERT_TRUE(pump_until({&ca}, 10000, [&] { return publishing(a, room, a.peer_id, 2); }))
      << "alice's camera and microphone reach the server: " << a.http.get("/rooms/" + room + "/media").body;
  auto stats = [&] {
    auto r = a.http.get("/rooms/" + room + "/media");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? static_cast<int>(int_field(r.json().get(), "elements")) : -1;
  };
  // One cycle: bob joins, publishes, is offered alice's tracks, answers and
  // decodes her video; alice is offered his; he leaves. Each step must happen.
  auto cycle = [&](int i) -> bool {
    SfuClient cb(b);
    cb.publish();
    if (!pump_until({&ca, &cb}, 10000, [&] { return cb.subscribe_offers() > 0 && ca.offered(b.peer_id); })) {
      ADD_FAILURE() << "cycle " << i << ": not negotiated: bob " << cb.describe() << "; alice " << ca.describe();
      return false;
    }
    if (!pump_until({&ca, &cb}, 10000, [&] { return cb.frames_from(a.peer_id) > 0; })) {
      ADD_FAILURE() << "cycle " << i << ": bob decoded nothing from alice: " << cb.describe();
      return false;
    }
    b.ws->send(std::move(json::Object().set("type", "leave-room")));
    if (!pump_until({&ca, &cb}, 10000, [&] { return !ca.offered(b.peer_id); })) {
      ADD_FAILURE() << "cycle " << i << ": alice is still offered bob's tracks after he left";
      return false;
    }
    if (!b.join(room)) {
      ADD_FAILURE() << "cycle " << i << ": bob could not join again";
      return false;
    }
    return true;
  };
  b.ws->send(std::move(json::Object().set("type", "leave-room")));
  pump_for({&ca}, 300);
  ASSERT_TRUE(b.join(room));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cycle(i));  // warm up caches and pools
  // Counted as after the cycles: bob has just joined again, and his new
  // subscribe connection builds its insides while its first offer is made.
  pump_for({&ca}, 1000);
  int elements_before = stats();
  ProcessFigures before = process_figures(server.pid());
  const int cycles = 100;
  int elements_midway = -1;
  for (int i = 0; i < cycles; ++i) {
    ASSERT_TRUE(cycle(i));
    if (i == cycles / 2 - 1) {
      pump_for({&ca}, 1000);
      elements_midway = stats();
    }
  }
  pump_for({&ca}, 1000);
  int elements_after = stats();
  ProcessFigures after = process_figures(server.pid());
  std::printf("after %d join/leave cycles: elements %d -> %d (%d midway), threads %ld -> %ld, RSS %ld -> %ld kB\n",
              cycles, elements_before, elements_after, elements_midway, before.threads, after.threads, before.rss_kb,
              after.rss_kb);
  // Alice's subscribe connection may gain one pair of slots once (a join
  // overtaking a leave; slots are reused, never removed): a leak grows with
  // the cycles, so the second half must add nothing at all.
  // That one pair may come in either half (seen: 95 -> 97 after the midway
  // sample), so the bound is the one gain over the start, checked both times.
  EXPECT_LE(elements_midway, elements_before + 2) << "no elements are left behind";
  EXPECT_LE(elements_after, elements_before + 2) << "no elements are left behind";
  EXPECT_LE(after.threads, before.threads + 4) << "no threads are left behind";
  EXPECT_LT(after.rss_kb - before.rss_kb, 100 * 1024) << "memory does not grow without bound";
}

}  // namespace
INSTANTIATE_TEST_SUITE_P(Sfu, SfuSendPath, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "FromTheForwarders" : "ThroughWebrtcbin";
                         });

}  // namespace convene::testing
