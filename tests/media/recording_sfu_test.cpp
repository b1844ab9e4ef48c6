// Recording through the whole server: the real `convene serve` with its SFU,
// webrtcbin participants publishing solid-colour cameras; SIGTERM during one
// recording and SIGKILL during another, then restarts on the same data
// directory: both files play and neither recording is left RECORDING.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>

#include "media_files.h"
#include "scratch_dir.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace {

using namespace convene::testing;

ServerOptions server_on(const std::string& data_dir) {
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  o.env["CONVENE_RECORDING_WIDTH"] = "640";
  o.env["CONVENE_RECORDING_HEIGHT"] = "360";
  o.args = {"--data-dir", data_dir};  // the last --data-dir wins: one directory across restarts
  return o;
}

// Two people in a call, both publishing, each decoding the other.
struct Call {
  std::unique_ptr<TestPerson> red, blue;
  std::unique_ptr<SfuClient> a, b;
  std::string room;
  std::string red_name;
  std::vector<SfuClient*> clients() { return {a.get(), b.get()}; }
};

// Sets a call up; when the SFU does not connect a publisher within 30 s (its
// own suite tests that), starts over with new people, at most three times:
// this test is about what recording does with a working call.
std::unique_ptr<Call> call(const ServerProcess& server, const std::string& tag, const SfuClientOptions& red_cam,
                           const SfuClientOptions& blue_cam) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto c = std::make_unique<Call>();
    c->red_name = "red" + tag + std::to_string(attempt);
    c->red = std::make_unique<TestPerson>(server, c->red_name);
    c->blue = std::make_unique<TestPerson>(server, "blue" + tag + std::to_string(attempt));
    c->a = std::make_unique<SfuClient>(*c->red, red_cam);
    c->b = std::make_unique<SfuClient>(*c->blue, blue_cam);
    c->room = meet(*c->red, {c->blue.get()});
    c->a->publish();
    c->b->publish();
    if (pump_until(c->clients(), 30000, [&] {
          return c->a->frames_from(c->blue->peer_id) > 10 && c->b->frames_from(c->red->peer_id) > 10;
        }))
      return c;
    std::fprintf(stderr, "the SFU did not connect the call (attempt %d): %s / %s\n", attempt + 1,
                 c->a->describe().c_str(), c->b->describe().c_str());
  }
  ADD_FAILURE() << "the SFU connected no call in three attempts";
  return nullptr;
}

// Signs in an existing user on a (restarted) server.
HttpClient signed_in(const ServerProcess& server, const std::string& name) {
  HttpClient http(server.base_url());
  auto r = http.post("/auth/login", "{\"email\":\"" + name + "@example.test\",\"password\":\"correct-horse-1\"}");
  EXPECT_EQ(r.status, 200) << r.body;
  http.set_token(r.str("accessToken"));
  return http;
}

// The server's log lines about recording and its composite.
std::string recording_lines(const std::string& log) {
  std::istringstream in(log);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.find("recording") != std::string::npos || line.find("composite") != std::string::npos) out += line + "\n";
  return out;
}

void expect_plays(HttpClient& http, const std::string& rid, double min_seconds, std::set<std::string> colours) {
  auto meta = http.get("/recordings/" + rid);
  EXPECT_EQ(meta.str("status"), "READY") << meta.body;
  auto file = http.get("/recordings/" + rid + "/file");
  ASSERT_EQ(file.status, 200) << file.body.substr(0, 200);
  std::string path = scratch_dir("convene-sfurec") + "/r.webm";
  g_file_set_contents(path.c_str(), file.body.data(), static_cast<gssize>(file.body.size()), nullptr);
  auto probe = ffprobe(path);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;
  EXPECT_EQ(probe.audio_streams, 1);
  // The file counts from the composite's first buffer, however late that came
  // (once 1.2 s on a loaded machine).
  EXPECT_LT(std::abs(probe.start_s), 0.2) << "the file's timestamps start at " << probe.start_s << " s";
  std::string errors;
  EXPECT_TRUE(decodes_to_end(path, &errors)) << errors;
  double decoded = decoded_video_duration(path);
  EXPECT_GE(decoded, min_seconds);
  // Both cameras are in the picture near the end. (frame_at seeks from the
  // file's start, decoded_video_duration is the last frame's own time.)
  EXPECT_EQ(colours_present(frame_at(path, decoded - probe.start_s - 0.5), participant_palette()), colours);
}

TEST(RecordingWithSfu, SigtermThenSigkillBothFilesPlay) {
  std::string data = scratch_dir("convene-sfurec-data");
  SfuClientOptions red_cam, blue_cam;
  red_cam.video_pattern = "red";
  blue_cam.video_pattern = "blue";
  red_cam.width = blue_cam.width = 320;
  red_cam.height = blue_cam.height = 180;
  red_cam.keyframe_interval = blue_cam.keyframe_interval = 30;

  std::string rid1, rid2, who1, who2, log1, log2;
  {
    ServerProcess server(server_on(data));
    auto c = call(server, "t", red_cam, blue_cam);
    ASSERT_TRUE(c);
    who1 = c->red_name;
    auto r = c->red->http.post("/rooms/" + c->room + "/recordings");
    ASSERT_EQ(r.status, 201) << r.body;
    rid1 = r.str("id");
    pump_for(c->clients(), 5000);
    EXPECT_EQ(server.terminate(), 0);  // SIGTERM while recording
    log1 = server.log();
  }
  {
    ServerProcess server(server_on(data));
    HttpClient http = signed_in(server, who1);
    {
      SCOPED_TRACE("the recording the server finished at SIGTERM");
      expect_plays(http, rid1, 3.0, {"red", "blue"});
      if (HasFailure()) std::printf("what the server said of its recording:\n%s", recording_lines(log1).c_str());
    }

    auto c = call(server, "k", red_cam, blue_cam);
    ASSERT_TRUE(c);
    who2 = c->red_name;
    auto r = c->red->http.post("/rooms/" + c->room + "/recordings");
    ASSERT_EQ(r.status, 201) << r.body;
    rid2 = r.str("id");
    pump_for(c->clients(), 5000);
    server.kill_hard();  // SIGKILL while recording
    log2 = server.log();
  }
  ServerProcess server(server_on(data));
  HttpClient http = signed_in(server, who2);
  // Marked at start-up (on a store worker): give it a moment.
  for (int i = 0; i < 50 && http.get("/recordings/" + rid2).str("status") == "RECORDING"; ++i) g_usleep(100000);
  SCOPED_TRACE("the recording recovered after SIGKILL");
  expect_plays(http, rid2, 2.0, {"red", "blue"});
  if (HasFailure()) std::printf("what the server said of its recording:\n%s", recording_lines(log2).c_str());
}

}  // namespace
