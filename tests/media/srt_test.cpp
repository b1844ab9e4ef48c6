// SRT ingest end to end (issue #17): a real `convene serve` with an SRT
// listener, Debian's ffmpeg (libsrt) pushing an H.264 + AAC MPEG-TS test
// stream with the room's stream id, and a webrtcbin participant of the room
// (sfu_client) decoding what arrives, transcoded to VP8 + Opus (the room's
// codecs). All on 127.0.0.1 inside a network namespace with only lo.
#include <gtest/gtest.h>
#include <gio/gio.h>

#include <cstdio>
#include <string>

#include "ffmpeg_push.h"
#include "free_port.h"
#include "media_test_helpers.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {
namespace {


ServerOptions srt_server(int srt_port, const std::string& passphrase = "") {
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  o.env["CONVENE_INGEST_SRT_PORT"] = std::to_string(srt_port);
  if (!passphrase.empty()) o.env["CONVENE_INGEST_SRT_PASSPHRASE"] = passphrase;
  return o;
}

// The srtUrl of a new key of the room (and its id).
std::string create_srt_key(TestPerson& host, const std::string& room, const std::string& name,
                           std::string* key_id = nullptr, std::string* key = nullptr) {
  auto r = host.http.post("/rooms/" + room + "/ingest-keys", "{\"name\":\"" + name + "\"}");
  if (r.status != 201) throw std::runtime_error("creating an ingest key failed: " + r.body);
  if (key_id) *key_id = r.str("id");
  if (key) *key = r.str("key");
  return r.str("srtUrl");
}

std::string with_passphrase(const std::string& url, const std::string& passphrase) {
  return url + "&passphrase=" + passphrase;
}

}  // namespace

TEST(Srt, FfmpegPublishesOthersDecodeAndStoppingRemovesIt) {
  const int port = free_udp_port();
  ServerProcess server(srt_server(port));
  LogOnFailure show_log{server};
  TestPerson host(server, "host"), late(server, "late");
  std::string room = meet(host, {});
  SfuClient viewer(host);
  pump_for({&viewer}, 300);
  const int64_t elements_before = media_figure(host, room, "elements");
  ASSERT_GE(elements_before, 0) << "the room's media exists";

  std::string url = create_srt_key(host, room, "Encoder");
  ASSERT_EQ(url.rfind("srt://127.0.0.1:" + std::to_string(port) + "?streamid=", 0), 0u) << url;

  std::string srt_peer;
  {
    FfmpegPush ffmpeg(url, 60);
    ASSERT_TRUE(pump_until({&viewer}, 15000, [&] { return !(srt_peer = joined_peer(viewer, "Encoder")).empty(); }))
        << "the host sees the SRT publisher join";
    bool frames = pump_until({&viewer}, 30000, [&] {
      return viewer.frames_from(srt_peer) >= 30 && viewer.frames_from(srt_peer, "microphone") >= 20;
    });
    std::printf("host <- SRT: %d video frames (VP8), %d audio buffers (Opus)\n", viewer.frames_from(srt_peer),
                viewer.frames_from(srt_peer, "microphone"));
    ASSERT_TRUE(frames) << "a subscriber decodes the SRT publisher's video and audio: " << viewer.describe()
                        << host.http.get("/rooms/" + room + "/media").body;

    // Someone joining now finds it in room-joined, as a presenter named after the key.
    late.become_member(room);
    auto joined = late.join(room);
    ASSERT_TRUE(joined);
    bool listed = false;
    JsonArray* peers = json_object_get_array_member(obj(joined.get()), "peers");
    for (guint i = 0; i < json_array_get_length(peers); ++i) {
      JsonObject* p = json_array_get_object_element(peers, i);
      if (std::string(json_object_get_string_member(p, "peerId")) != srt_peer) continue;
      listed = true;
      EXPECT_STREQ(json_object_get_string_member(p, "username"), "Encoder");
      EXPECT_STREQ(json_object_get_string_member(p, "role"), "PRESENTER");
    }
    EXPECT_TRUE(listed) << "room-joined lists the SRT publisher";
    late.ws->send(std::move(json::Object().set("type", "leave-room")));

    ffmpeg.stop();  // the encoder stops: its connection closes
    EXPECT_TRUE(pump_until({&viewer}, 10000, [&] { return saw_peer_left(viewer, srt_peer); }))
        << "the others see the SRT publisher leave";
  }
  ASSERT_TRUE(pump_until({&viewer}, 10000, [&] { return media_figure(host, room, "participants") == 1; }))
      << host.http.get("/rooms/" + room + "/media").body;

  // A second session: the subscriber keeps its forwarding slots for the next
  // tracks, so the pipeline after one session is the baseline; after the
  // second it must be exactly that again (its appsrcs, tees and meters gone).
  const int64_t elements_after_one = media_figure(host, room, "elements");
  std::printf("elements: %" G_GINT64_FORMAT " before SRT, %" G_GINT64_FORMAT " after one session\n", elements_before,
              elements_after_one);
  {
    FfmpegPush ffmpeg(url, 60);
    std::string second;
    ASSERT_TRUE(pump_until({&viewer}, 15000, [&] {
      second = joined_peer(viewer, "Encoder");
      return !second.empty() && second != srt_peer;
    }));
    int before = viewer.frames_from(second);
    EXPECT_TRUE(pump_until({&viewer}, 20000, [&] { return viewer.frames_from(second) >= before + 10; }))
        << viewer.describe();
    ffmpeg.stop();
    EXPECT_TRUE(pump_until({&viewer}, 10000, [&] { return saw_peer_left(viewer, second); }));
  }
  EXPECT_TRUE(pump_until({&viewer}, 10000, [&] {
    return media_figure(host, room, "elements") == elements_after_one && media_figure(host, room, "participants") == 1;
  })) << "the pipeline is back to what it was (" << elements_after_one
      << " elements): " << host.http.get("/rooms/" + room + "/media").body;
}

TEST(Srt, WrongKeyOrPassphraseIsRefusedAndCreatesNothingRevokingEnds) {
  const int port = free_udp_port();
  const std::string passphrase = "correct-horse-battery";
  ServerProcess server(srt_server(port, passphrase));
  LogOnFailure show_log{server};
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClient viewer(host);
  pump_for({&viewer}, 300);
  std::string revoked_id, key, key_id;
  std::string url = create_srt_key(host, room, "Encoder", &key_id, &key);
  std::string revoked_url = create_srt_key(host, room, "Old encoder", &revoked_id);
  ASSERT_EQ(host.http.del("/rooms/" + room + "/ingest-keys/" + revoked_id).status, 204);
  const int64_t elements_before = media_figure(host, room, "elements");
  const std::string base = url.substr(0, url.find('?'));
  auto stream = [&](const std::string& r, const std::string& k) {
    g_autofree char* id = g_uri_escape_string(("#!::r=" + r + ",k=" + k).c_str(), nullptr, FALSE);
    return base + "?streamid=" + id;
  };

  struct Attempt {
    const char* what;
    std::string url;
  };
  const Attempt refused[] = {
      {"an unknown key", with_passphrase(stream(room, std::string(64, 'a')), passphrase)},
      {"a revoked key", with_passphrase(revoked_url, passphrase)},
      {"an unknown room", with_passphrase(stream("no-such-room", key), passphrase)},
      {"a stream id without the convention", with_passphrase(base + "?streamid=" + room, passphrase)},
      {"the wrong passphrase", with_passphrase(url, "not the passphrase")},
      {"no passphrase", url},
  };
  for (const Attempt& a : refused) {
    FfmpegPush ffmpeg(a.url, 5);
    bool ended = pump_until({&viewer}, 15000, [&] { return !ffmpeg.running(); });
    EXPECT_TRUE(ended) << a.what << ": ffmpeg should have been refused, it is still sending";
    EXPECT_NE(ffmpeg.exit_code(), 0) << a.what << ": refused, ffmpeg fails";
  }
  // Nothing was created by any of them: no participant, no element.
  pump_for({&viewer}, 300);
  for (auto& m : viewer.others()) EXPECT_NE(str_field(m.get(), "type"), "peer-joined") << "nobody joined";
  EXPECT_EQ(media_figure(host, room, "participants"), 1);
  EXPECT_EQ(media_figure(host, room, "elements"), elements_before);

  // The right key and passphrase get in; revoking the key ends the session.
  FfmpegPush ffmpeg(with_passphrase(url, passphrase), 30);
  std::string peer;
  ASSERT_TRUE(pump_until({&viewer}, 15000, [&] { return !(peer = joined_peer(viewer, "Encoder")).empty(); }))
      << "with the passphrase the encoder publishes";
  ASSERT_EQ(host.http.del("/rooms/" + room + "/ingest-keys/" + key_id).status, 204);
  EXPECT_TRUE(pump_until({&viewer}, 5000, [&] { return saw_peer_left(viewer, peer); }))
      << "the publisher of a revoked key leaves at once";
  EXPECT_TRUE(pump_until({&viewer}, 10000, [&] { return !ffmpeg.running(); })) << "its connection is closed";
}

}  // namespace convene::testing
