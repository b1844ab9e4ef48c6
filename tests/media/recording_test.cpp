// Recording and egress through the real server, in process: App runs on a
// thread of its own (its main loop), with a fake RoomMediaProvider standing
// in for the SFU (solid-colour VP8 cameras and Opus tones ending in tees);
// the test talks HTTP and WebSocket to it like a browser. Real peers on
// loopback: nginx with the RTMP module, ffprobe/ffmpeg reading everything
// back. Runs inside a namespace with only lo (scripts/lib/netns-run).
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <set>
#include <thread>

#include "app/app.h"
#include "convene-build-config.h"
#include "fake_room_media.h"
#include "free_port.h"
#include "http_client.h"
#include "media_files.h"
#include "recording/recording_module.h"
#include "recording/recording_repository.h"
#include "scratch_dir.h"
#include "store/store.h"
#include "util/time.h"
#include "ws_client.h"

namespace {

using namespace convene;
using convene::testing::colours_present;
using convene::testing::HttpClient;
using convene::testing::participant_palette;
using convene::testing::WsClient;

std::string temp_dir() { return convene::testing::scratch_dir("convene-rectest"); }

// The server on a thread of its own; calls into it go through on_loop().
class InProcessServer {
 public:
  explicit InProcessServer(std::string data_dir) : data_dir_(std::move(data_dir)) {
    std::promise<std::string> ready;
    auto url = ready.get_future();
    thread_ = std::thread([this, &ready] {
      config::Config cfg;
      cfg.set("server", "port", "0");
      cfg.set("server", "data_dir", data_dir_);
      cfg.set("auth", "captcha", "false");
      cfg.set("ratelimit", "enabled", "false");
      cfg.set("recording", "width", "640");
      cfg.set("recording", "height", "360");
      cfg.set("recording", "rtmp_max_backoff_sec", "2");
      cfg.set("recording", "rtmp_max_retries", "0");
      try {
        app_ = std::make_unique<app::App>(std::move(cfg));
        app_->start();
        app_->recording()->set_media_provider(&media_);
        ready.set_value(app_->http().base_url());
      } catch (...) {
        ready.set_exception(std::current_exception());
        return;
      }
      app_->run();
      // The module drops its composites while the fake room still exists.
      app_.reset();
    });
    try {
      base_url_ = url.get();
    } catch (const std::exception& e) {
      thread_.join();
      throw std::runtime_error(std::string("the server did not start: ") + e.what());
    }
    // The test's own clients run their own context; the default one is the server's.
    ctx_ = g_main_context_new();
    g_main_context_push_thread_default(ctx_);
  }

  ~InProcessServer() {
    stop();
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }

  // As SIGTERM does: finishes recordings, closes the store, ends the loop.
  void stop() {
    if (!thread_.joinable()) return;
    on_loop([this] { app_->shutdown("SIGTERM (test)"); });
    thread_.join();
  }

  // Runs fn on the server's main loop and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    auto job = new std::pair<std::function<void()>, std::promise<void>*>(std::move(fn), &done);
    GSource* s = g_idle_source_new();
    g_source_set_callback(
        s,
        [](gpointer d) -> gboolean {
          auto* j = static_cast<std::pair<std::function<void()>, std::promise<void>*>*>(d);
          j->first();
          j->second->set_value();
          return G_SOURCE_REMOVE;
        },
        job, [](gpointer d) { delete static_cast<std::pair<std::function<void()>, std::promise<void>*>*>(d); });
    g_source_attach(s, g_main_context_default());
    g_source_unref(s);
    done.get_future().wait();
  }

  const std::string& base_url() const { return base_url_; }
  convene::testing::FakeMediaProvider& media() { return media_; }

 private:
  std::string data_dir_;
  std::string base_url_;
  convene::testing::FakeMediaProvider media_;
  std::unique_ptr<app::App> app_;
  std::thread thread_;
  GMainContext* ctx_ = nullptr;
};

struct Person {
  HttpClient http;
  std::string user_id;
  std::unique_ptr<WsClient> ws;
  Person(const std::string& base_url, const std::string& name) : http(base_url) {
    user_id = http.register_user(name);
    ws = WsClient::connect(base_url, http.token());
  }
  void join_call(const std::string& room_id) {
    ws->send(std::move(json::Object().set("type", "join-room").set("roomId", room_id).set("requestId", "j")));
    ASSERT_TRUE(ws->wait_for("room-joined", 5000));
  }
};

std::string create_room(Person& host, std::initializer_list<Person*> guests, const std::string& body = "{}") {
  auto r = host.http.post("/rooms", body);
  EXPECT_EQ(r.status, 201) << r.body;
  std::string room = r.str("id");
  for (Person* g : guests) EXPECT_EQ(g->http.post("/rooms/" + room + "/join").status, 200);
  return room;
}

std::string field(const JsonNodePtr& n, const char* name) {
  if (!n || !JSON_NODE_HOLDS_OBJECT(n.get())) return "";
  return json_object_get_string_member_with_default(json_node_get_object(n.get()), name, "");
}

int64_t int_field(const convene::testing::Response& r, const char* name) {
  auto n = r.json();
  if (!n || !JSON_NODE_HOLDS_OBJECT(n.get())) return -1;
  return json_object_get_int_member_with_default(json_node_get_object(n.get()), name, -1);
}

std::string save(const std::string& dir, const std::string& name, const std::string& body) {
  std::string path = dir + "/" + name;
  g_file_set_contents(path.c_str(), body.data(), static_cast<gssize>(body.size()), nullptr);
  return path;
}

void wait_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(Recording, RefusalsAreClearErrors) {
  InProcessServer server(temp_dir());
  Person host(server.base_url(), "host1"), guest(server.base_url(), "guest1"), outsider(server.base_url(), "out1");
  std::string room = create_room(host, {&guest});
  // Nobody publishes media there: no SFU room.
  auto r = host.http.post("/rooms/" + room + "/recordings");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "no_media");
  server.on_loop([&] { server.media().open(room).add_participant("p1", "One", 0); });
  EXPECT_EQ(guest.http.post("/rooms/" + room + "/recordings").status, 403);     // not a host
  EXPECT_EQ(outsider.http.post("/rooms/" + room + "/recordings").status, 403);  // not a member
  EXPECT_EQ(outsider.http.get("/rooms/" + room + "/recordings").status, 403);
  EXPECT_EQ(host.http.post("/rooms/nope/recordings").status, 404);
  r = host.http.post("/rooms/" + room + "/recordings", R"({"layout":"mosaic"})");
  EXPECT_EQ(r.status, 400);
  r = host.http.post("/rooms/" + room + "/egress", R"({"kind":"rtmp","url":"http://x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(host.http.get("/recordings/nope").status, 404);
  r = host.http.get("/rooms/" + room + "/recordings");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"recordings":[]})");

  // An end-to-end encrypted room cannot be recorded or streamed by the server.
  std::string secret = create_room(host, {}, R"({"name":"Secret","e2ee":true})");
  server.on_loop([&] { server.media().open(secret).add_participant("p2", "Two", 1); });
  r = host.http.post("/rooms/" + secret + "/recordings");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "e2ee_room");
  EXPECT_NE(r.body.find("\"message\""), std::string::npos);
  r = host.http.post("/rooms/" + secret + "/egress", R"({"kind":"hls"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "e2ee_room");
  server.stop();
}

TEST(Recording, ThreeParticipantMeetingWithAJoinAndALeave) {
  InProcessServer server(temp_dir());
  Person host(server.base_url(), "host2"), guest(server.base_url(), "guest2");
  std::string room = create_room(host, {&guest});
  host.join_call(room);
  guest.join_call(room);
  server.on_loop([&] {
    auto& m = server.media().open(room);
    m.add_participant("p-red", "Red", 0);
    m.add_participant("p-green", "Green", 1);
  });
  auto r = host.http.post("/rooms/" + room + "/recordings", R"({"layout":"grid","perTrack":true})");
  ASSERT_EQ(r.status, 201) << r.body;
  gint64 start = g_get_monotonic_time();
  std::string rid = r.str("id");
  EXPECT_EQ(r.str("status"), "RECORDING");
  // Everyone in the room is told.
  EXPECT_EQ(field(host.ws->wait_for("recording-started"), "recordingId"), rid);
  EXPECT_EQ(field(guest.ws->wait_for("recording-started"), "recordingId"), rid);
  EXPECT_EQ(host.http.post("/rooms/" + room + "/recordings").error_code(), "already_recording");

  wait_ms(3000);
  server.on_loop([&] { server.media().open(room).add_participant("p-blue", "Blue", 2); });
  double join_s = (g_get_monotonic_time() - start) / 1e6;
  wait_ms(3000);
  server.on_loop([&] { server.media().open(room).remove_participant("p-green"); });
  double leave_s = (g_get_monotonic_time() - start) / 1e6;
  wait_ms(3000);
  double wall_s = (g_get_monotonic_time() - start) / 1e6;  // the answer comes once the file is final
  r = host.http.post("/rooms/" + room + "/recordings/" + rid + "/stop");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.str("status"), "READY");
  EXPECT_EQ(field(guest.ws->wait_for("recording-stopped"), "recordingId"), rid);

  r = guest.http.get("/recordings/" + rid);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.str("roomId"), room);
  EXPECT_EQ(r.str("startedBy"), host.user_id);
  EXPECT_NEAR(int_field(r, "durationMs") / 1000.0, wall_s, wall_s * 0.1);
  int64_t size = int_field(r, "fileSize");
  EXPECT_GT(size, 10000);
  EXPECT_EQ(guest.http.get("/rooms/" + room + "/recordings").json() ? 200 : 0, 200);

  // Download, whole and by range.
  auto file = guest.http.get("/recordings/" + rid + "/file");
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(static_cast<int64_t>(file.body.size()), size);
  EXPECT_EQ(file.headers["accept-ranges"], "bytes");
  auto part = guest.http.get("/recordings/" + rid + "/file", {{"Range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, file.body.substr(100, 100));
  EXPECT_EQ(part.headers["content-range"], "bytes 100-199/" + std::to_string(size));
  auto tail = guest.http.get("/recordings/" + rid + "/file", {{"Range", "bytes=-10"}});
  EXPECT_EQ(tail.body, file.body.substr(file.body.size() - 10));
  auto rest = guest.http.get("/recordings/" + rid + "/file", {{"Range", "bytes=100-999999999"}});  // end clamped
  EXPECT_EQ(rest.status, 206);
  EXPECT_EQ(rest.body, file.body.substr(100));
  EXPECT_EQ(rest.headers["content-range"], "bytes 100-" + std::to_string(size - 1) + "/" + std::to_string(size));
  auto two = guest.http.get("/recordings/" + rid + "/file", {{"Range", "bytes=0-1,100-199"}});  // answered whole
  EXPECT_EQ(two.status, 200);
  EXPECT_EQ(two.body.size(), file.body.size());
  auto outside = guest.http.get("/recordings/" + rid + "/file", {{"Range", "bytes=99999999-"}});
  EXPECT_EQ(outside.status, 416);
  EXPECT_EQ(outside.headers["content-range"], "bytes */" + std::to_string(size));
  EXPECT_EQ(outside.error_code(), "range_not_satisfiable") << outside.body;

  std::string dir = temp_dir();
  std::string path = save(dir, "meeting.webm", file.body);
  auto probe = convene::testing::ffprobe(path);
  EXPECT_EQ(probe.video_streams, 1);
  EXPECT_EQ(probe.audio_streams, 1);
  std::string errors;
  EXPECT_TRUE(convene::testing::decodes_to_end(path, &errors)) << errors;
  double decoded = convene::testing::decoded_video_duration(path);
  EXPECT_NEAR(decoded, wall_s, wall_s * 0.1);
  // The grid re-flows: 2 tiles, 3 after the join, 2 (other colours) after the leave.
  using convene::testing::colours_at;
  double mid = (join_s + leave_s) / 2;
  EXPECT_EQ(colours_at(path, {join_s / 2 - 0.5, join_s / 2, join_s / 2 + 0.5}, participant_palette()),
            (std::set<std::string>{"red", "green"}));
  EXPECT_EQ(colours_at(path, {mid - 0.5, mid, mid + 0.5}, participant_palette()),
            (std::set<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(colours_at(path, {leave_s + 1.5, leave_s + 2.0, leave_s + 2.5}, participant_palette()),
            (std::set<std::string>{"red", "blue"}));

  // Per-track files: every track that was published during the recording, as published.
  auto meta = guest.http.get("/recordings/" + rid).json();
  JsonArray* tracks = json_object_get_array_member(json_node_get_object(meta.get()), "tracks");
  ASSERT_NE(tracks, nullptr);
  EXPECT_EQ(json_array_get_length(tracks), 6u);  // red and green from the start, blue joining: camera + mic each
  std::set<std::string> kinds;
  for (guint i = 0; i < json_array_get_length(tracks); ++i) {
    JsonObject* t = json_array_get_object_element(tracks, i);
    std::string kind = json_object_get_string_member(t, "kind");
    if (kinds.count(kind)) continue;
    kinds.insert(kind);
    auto f = guest.http.get("/recordings/" + rid + "/tracks/" + std::to_string(i) + "/file");
    ASSERT_EQ(f.status, 200) << f.body.substr(0, 200);
    auto p = convene::testing::ffprobe(save(dir, "track" + std::to_string(i) + ".mkv", f.body));
    EXPECT_EQ(p.video_streams, kind == "video" ? 1 : 0) << p.error;
    EXPECT_EQ(p.audio_streams, kind == "audio" ? 1 : 0) << p.error;
    EXPECT_EQ(kind == "video" ? p.video_codec : p.audio_codec, kind == "video" ? "vp8" : "opus");
  }
  EXPECT_EQ(kinds.size(), 2u);
  EXPECT_EQ(guest.http.get("/recordings/" + rid + "/tracks/99/file").status, 404);

  EXPECT_EQ(guest.http.request("DELETE", "/recordings/" + rid).status, 403);
  EXPECT_EQ(host.http.request("DELETE", "/recordings/" + rid).status, 204);
  EXPECT_EQ(host.http.get("/recordings/" + rid).status, 404);
  server.stop();
}

TEST(Recording, SigtermAndLastLeaveFinishTheFile) {
  std::string data = temp_dir();
  std::string rid, rid2, room, token;
  {
    InProcessServer server(data);
    Person host(server.base_url(), "host3");
    token = host.http.token();
    room = create_room(host, {});
    std::string room2 = create_room(host, {});
    server.on_loop([&] {
      server.media().open(room).add_participant("p-red", "Red", 0);
      server.media().open(room2).add_participant("p-blue", "Blue", 2);
    });
    auto r = host.http.post("/rooms/" + room + "/recordings");
    ASSERT_EQ(r.status, 201) << r.body;
    rid = r.str("id");
    r = host.http.post("/rooms/" + room2 + "/recordings");
    ASSERT_EQ(r.status, 201) << r.body;
    rid2 = r.str("id");
    wait_ms(3000);
    // The last participant of room2 leaves: its media closes and the recording ends.
    server.on_loop([&] { server.media().close(room2); });
    for (int i = 0; i < 100 && host.http.get("/recordings/" + rid2).str("status") != "READY"; ++i) wait_ms(100);
    EXPECT_EQ(host.http.get("/recordings/" + rid2).str("status"), "READY");
    server.stop();  // SIGTERM while room 1 records
  }
  InProcessServer again(data);
  HttpClient http(again.base_url());
  std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  for (const std::string& id : {rid, rid2}) {
    auto r = http.get("/recordings/" + id, auth);
    EXPECT_EQ(r.str("status"), "READY") << r.body;
    auto file = http.get("/recordings/" + id + "/file", auth);
    ASSERT_EQ(file.status, 200);
    std::string path = save(temp_dir(), "f.webm", file.body);
    auto probe = convene::testing::ffprobe(path);
    EXPECT_EQ(probe.video_streams, 1);
    EXPECT_EQ(probe.audio_streams, 1);
    std::string errors;
    EXPECT_TRUE(convene::testing::decodes_to_end(path, &errors)) << errors;
    EXPECT_GT(convene::testing::decoded_video_duration(path), 2.0);
  }
}

// A recording process killed with SIGKILL leaves a file that plays, and the
// next start marks such a recording READY (or FAILED when nothing is there).
TEST(Recording, SigkillLeavesAPlayableFileAndRestartMarksIt) {
  std::string dir = temp_dir();
  std::string killed = dir + "/killed.webm";
  // The shipped recording pipeline in a process of its own, killed mid-stream.
  g_autofree char* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(CONVENE_DEFAULT_PIPELINES_DIR "/recording-webm.pipeline", &text, nullptr, nullptr));
  std::string desc;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char** l = lines; *l; ++l)
    if (**l != '#') desc += std::string(*l) + " ";
  desc.replace(desc.find("{location}"), 10, killed);
  std::string cmd = "exec gst-launch-1.0 -q videotestsrc is-live=true pattern=solid-color foreground-color=4294901760 ! "
                    "video/x-raw,width=640,height=360,framerate=30/1 ! video. "
                    "audiotestsrc is-live=true ! audio. " + desc;
  GError* err = nullptr;
  const char* argv[] = {"sh", "-c", cmd.c_str(), nullptr};
  GSubprocess* proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &err);
  ASSERT_NE(proc, nullptr);
  // Kill it once 3 s of it decode (start-up takes a varying time on a busy machine).
  for (int i = 0; i < 60 && convene::testing::decoded_video_duration(killed) < 3.0; ++i) wait_ms(500);
  g_subprocess_send_signal(proc, SIGKILL);
  g_subprocess_wait(proc, nullptr, nullptr);
  g_object_unref(proc);
  auto probe = convene::testing::ffprobe(killed);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;
  EXPECT_EQ(probe.audio_streams, 1);
  // What was written before the kill still plays: no index or trailer is needed.
  EXPECT_GE(convene::testing::decoded_video_duration(killed), 3.0);

  std::string data = temp_dir();
  std::string room, token;
  {
    InProcessServer server(data);
    Person host(server.base_url(), "host4");
    room = create_room(host, {});
    token = host.http.token();
    server.stop();
  }
  // What a SIGKILL leaves in the store: rows still RECORDING.
  {
    store::Store st({"sqlite:" + data + "/convene.db", 1, 5});
    auto c = st.connect();
    recording::RecordingRow row;
    row.id = "killed-1";
    row.room_id = room;
    row.filename = "killed.webm";
    row.path = killed;
    row.status = "RECORDING";
    row.layout = "grid";
    row.started_at = timeutil::now_ms() - 5000;
    recording::recording_store::insert(*c, row);
    row.id = "killed-2";
    row.path = dir + "/never-written.webm";
    recording::recording_store::insert(*c, row);
    st.close();
  }
  InProcessServer again(data);
  HttpClient http(again.base_url());
  std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  std::string s1, s2;
  for (int i = 0; i < 50; ++i) {
    s1 = http.get("/recordings/killed-1", auth).str("status");
    s2 = http.get("/recordings/killed-2", auth).str("status");
    if (s1 != "RECORDING" && s2 != "RECORDING") break;
    wait_ms(100);
  }
  EXPECT_EQ(s1, "READY");
  EXPECT_EQ(s2, "FAILED");
}

// nginx with the RTMP module on 127.0.0.1, started and stopped by the test.
class Nginx {
 public:
  explicit Nginx(int port) : port_(port), dir_(temp_dir()) {
    std::string conf = "daemon off;\nmaster_process off;\npid " + dir_ + "/nginx.pid;\nerror_log " + dir_ +
                       "/error.log;\nload_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\nevents {}\n"
                       "rtmp { server { listen 127.0.0.1:" + std::to_string(port_) +
                       "; application live { live on; record off; } } }\n";
    conf_ = save(dir_, "nginx.conf", conf);
    start();
  }
  ~Nginx() { stop(); }
  void start() {
    std::string err_log = dir_ + "/startup.log";
    const char* argv[] = {"nginx", "-e", err_log.c_str(), "-p", dir_.c_str(), "-c", conf_.c_str(), nullptr};
    proc_ = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, nullptr);
    for (int i = 0; i < 100 && !listening(); ++i) wait_ms(50);
  }
  void stop() {
    if (!proc_) return;
    g_subprocess_send_signal(proc_, SIGKILL);
    g_subprocess_wait(proc_, nullptr, nullptr);
    g_clear_object(&proc_);
  }
  bool listening() const {
    g_autoptr(GSocketClient) c = g_socket_client_new();
    g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host(c, "127.0.0.1", port_, nullptr, nullptr);
    return conn != nullptr;
  }

 private:
  int port_;
  std::string dir_, conf_;
  GSubprocess* proc_ = nullptr;
};

// ffprobe on a live stream; a reader may connect in a gap, so up to three tries.
convene::testing::Probe probe_live(const std::string& url) {
  convene::testing::Probe p;
  for (int i = 0; i < 3 && p.video_streams == 0; ++i) p = convene::testing::ffprobe(url, 20);
  return p;
}

// The next egress-status message with `status` (skipping others), or "".
std::string wait_status(WsClient& ws, const std::string& status, int timeout_ms) {
  gint64 end = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (g_get_monotonic_time() < end) {
    auto m = ws.wait_for("egress-status", 1000);
    if (m && field(m, "status") == status) return status;
  }
  return "";
}

TEST(Egress, RtmpToNginxReconnectsAfterTheReceiverDrops) {
  int port = convene::testing::free_tcp_port();
  Nginx nginx(port);
  ASSERT_TRUE(nginx.listening());
  InProcessServer server(temp_dir());
  Person host(server.base_url(), "host5");
  std::string room = create_room(host, {});
  host.join_call(room);
  server.on_loop([&] {
    server.media().open(room).add_participant("p-red", "Red", 0);
    server.media().open(room).add_participant("p-blue", "Blue", 2);
  });
  std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/convene";
  auto r = host.http.post("/rooms/" + room + "/egress", R"({"kind":"rtmp","url":")" + url + "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string eid = r.str("id");
  EXPECT_EQ(wait_status(*host.ws, "LIVE", 15000), "LIVE");
  auto probe = probe_live(url);
  EXPECT_EQ(probe.video_codec, "h264") << probe.error;
  EXPECT_EQ(probe.audio_codec, "aac");

  nginx.stop();  // the receiver goes away mid-stream
  EXPECT_EQ(wait_status(*host.ws, "RETRYING", 15000), "RETRYING");
  nginx.start();
  EXPECT_EQ(wait_status(*host.ws, "LIVE", 30000), "LIVE");
  EXPECT_EQ(host.http.get("/rooms/" + room + "/egress/" + eid).str("status"), "LIVE");
  probe = probe_live(url);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;

  EXPECT_EQ(host.http.request("DELETE", "/rooms/" + room + "/egress/" + eid).status, 204);
  EXPECT_EQ(host.http.get("/rooms/" + room + "/egress/" + eid).status, 404);
  server.stop();
}

TEST(Egress, HlsPlaylistAndSegmentsServedToMembersAndViewLinks) {
  InProcessServer server(temp_dir());
  Person host(server.base_url(), "host6"), outsider(server.base_url(), "out6");
  std::string room = create_room(host, {});
  server.on_loop([&] { server.media().open(room).add_participant("p-green", "Green", 1); });
  auto r = host.http.post("/rooms/" + room + "/egress", R"({"kind":"hls","viewLink":true})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string eid = r.str("id");
  std::string view = r.str("viewUrl");
  ASSERT_FALSE(view.empty());
  // Wait for a playlist with at least two segments (up to 40 s: x264 on a busy 2-core machine).
  std::string playlist;
  for (int i = 0; i < 400; ++i) {
    auto p = host.http.get("/live/" + room + "/index.m3u8");
    if (p.status == 200 && p.body.find("segment00001.ts") != std::string::npos) {
      playlist = p.body;
      break;
    }
    wait_ms(100);
  }
  ASSERT_FALSE(playlist.empty());
  EXPECT_EQ(host.http.get("/rooms/" + room + "/egress/" + eid).str("status"), "LIVE");
  EXPECT_EQ(outsider.http.get("/live/" + room + "/index.m3u8").status, 403);
  EXPECT_EQ(outsider.http.get("/live/" + room + "/index.m3u8?view=wrong").status, 403);
  auto seg = host.http.get("/live/" + room + "/segment00000.ts");
  EXPECT_EQ(seg.status, 200);
  auto first_packet = host.http.get("/live/" + room + "/segment00000.ts", {{"Range", "bytes=0-187"}});
  EXPECT_EQ(first_packet.status, 206);
  EXPECT_EQ(first_packet.body, seg.body.substr(0, 188));
  EXPECT_EQ(first_packet.headers["content-range"], "bytes 0-187/" + std::to_string(seg.body.size()));
  auto probe = convene::testing::ffprobe(save(temp_dir(), "s.ts", seg.body));
  EXPECT_EQ(probe.video_codec, "h264") << probe.error;
  EXPECT_EQ(probe.audio_codec, "aac");
  // Anyone with the view link: ffprobe reads the playlist and its segments over HTTP.
  probe = convene::testing::ffprobe(server.base_url() + view, 30);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;
  EXPECT_EQ(probe.audio_streams, 1);
  EXPECT_EQ(host.http.request("DELETE", "/rooms/" + room + "/egress/" + eid).status, 204);
  server.stop();
}

}  // namespace
