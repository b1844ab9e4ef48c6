// Churn bench (issue #13, "Resource bounds, shown"): on one `convene serve`,
// waves of people join several rooms at once, publish (webrtcbin clients from
// tests/support/sfu_client, replaying a small VP8 clip and Opus), chat, draw
// (hand-sized strokes and one maximum-size stroke per room), then leave: half
// with leave-room, half by dropping their WebSocket, who reconnect (a fresh
// HTTP client fetching a WebSocket token, as a reloaded page) for the next wave. Every 30 s it prints the server's RSS, open descriptors and
// threads (from /proc); after each wave, with every room empty, the same
// figures "at rest", which should come back to their level. It prints; it
// never asserts (the machine is shared and noisy).
//
// Usage (in a namespace with only lo):
//   scripts/lib/netns-run build/bench/churn-bench [--minutes 10] [--rooms 3] [--people 3]
//       [--active-sec 60] [--interval-sec 30] [--hold-sec 0]
#include <gst/gst.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "encoded_clip.h"
#include "http_client.h"
#include "process_figures.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

using namespace convene::testing;

namespace {

struct Member {
  std::unique_ptr<TestPerson> person;
  std::unique_ptr<SfuClient> media;
  bool in_room = false;
};

struct Room {
  std::string id;
  std::vector<Member> members;  // [0] created the room
};

class Bench {
 public:
  Bench(ServerProcess& server, int interval_sec) : server_(server), interval_us_(interval_sec * 1000000LL) {
    start_us_ = g_get_monotonic_time();
    next_print_us_ = start_us_ + interval_us_;
    std::printf("%7s  %-8s %9s %5s %7s %7s\n", "time", "phase", "RSS kB", "fds", "threads", "in call");
  }

  // Prints the figures when the next 30 s mark has passed.
  void tick() {
    gint64 now = g_get_monotonic_time();
    if (now < next_print_us_) return;
    next_print_us_ += interval_us_;
    print_line(phase_);
  }
  void print_line(const char* label) {
    ProcessFigures f = process_figures(server_.pid());
    long s = (g_get_monotonic_time() - start_us_) / 1000000;
    std::printf("%4ld:%02ld  %-8s %9ld %5ld %7ld %7d\n", s / 60, s % 60, label, f.rss_kb, f.fds, f.threads, in_call_);
    std::fflush(stdout);
  }
  bool time_left(gint64 end_us) const { return g_get_monotonic_time() < end_us; }
  void set_phase(const char* phase) { phase_ = phase; }
  void set_in_call(int n) { in_call_ = n; }

  // Lets every client handle its messages for `ms`.
  void pump(std::vector<Room>& rooms, int ms) {
    gint64 end = g_get_monotonic_time() + ms * 1000LL;
    do {
      bool any = false;
      for (Room& r : rooms)
        for (Member& m : r.members) {
          if (m.media) {
            m.media->pump(2);
            m.media->others().clear();
            any = true;
          } else if (m.person->ws) {
            while (m.person->ws->next(0)) {
            }
          }
        }
      if (!any) g_main_context_iteration(nullptr, FALSE), g_usleep(2000);
      tick();
    } while (g_get_monotonic_time() < end);
  }

 private:
  ServerProcess& server_;
  gint64 interval_us_;
  gint64 start_us_ = 0;
  gint64 next_print_us_ = 0;
  const char* phase_ = "start";
  int in_call_ = 0;
};

std::string stroke(int points, int seed) {
  std::string t = R"({"type":"whiteboard-draw","stroke":{"tool":"pen","color":"#2563eb","width":4,"points":[)";
  for (int i = 0; i < points; ++i) {
    if (i) t += ',';
    t += '[' + std::to_string((seed * 37 + i * 3) % 1280) + ',' + std::to_string((seed * 11 + i * 2) % 720) + ']';
  }
  return t + "]}}";
}

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const int minutes = arg_int(argc, argv, "--minutes", 10);
  const int room_count = arg_int(argc, argv, "--rooms", 3);
  const int people = arg_int(argc, argv, "--people", 3);
  const int active_sec = arg_int(argc, argv, "--active-sec", 60);
  const int interval_sec = arg_int(argc, argv, "--interval-sec", 30);
  const int hold_sec = arg_int(argc, argv, "--hold-sec", 0);

  EncodedClip::Spec spec;
  spec.width = 320;
  spec.height = 240;
  spec.bitrate = 300000;
  std::shared_ptr<const EncodedClip> clip = EncodedClip::encode(spec);
  SfuClientOptions media_options;
  media_options.camera_clip = clip;
  media_options.decode = false;  // subscribers count frames: the clients stay cheap

  ServerOptions so;
  so.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  so.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  so.env["CONVENE_AUTH_ACCESS_TTL_SEC"] = "86400";  // reconnects reuse the sign-in token
  ServerProcess server(so);
  std::printf("churn bench: %d min, %d rooms of %d people (each publishing 320x240 VP8 + Opus), %d s in the "
              "call a wave; server pid %d\n", minutes, room_count, people, active_sec, server.pid());

  std::vector<Room> rooms(room_count);
  for (int r = 0; r < room_count; ++r) {
    for (int p = 0; p < people; ++p)
      rooms[r].members.push_back(
          Member{std::make_unique<TestPerson>(server, "churn" + std::to_string(r) + "x" + std::to_string(p)), nullptr});
    auto created = rooms[r].members[0].person->http.post("/rooms", R"({"name":"Churn"})");
    rooms[r].id = created.str("id");
    for (int p = 1; p < people; ++p) rooms[r].members[p].person->become_member(rooms[r].id);
  }

  Bench bench(server, interval_sec);
  bench.pump(rooms, 2000);
  ProcessFigures base = process_figures(server.pid());
  bench.print_line("baseline");
  const gint64 end_us = g_get_monotonic_time() + minutes * 60 * 1000000LL;
  int wave = 0;
  ProcessFigures first_rest;
  while (bench.time_left(end_us)) {
    ++wave;
    // Everyone joins (all rooms at once) and publishes.
    bench.set_phase("join");
    int in_call = 0;
    for (Room& r : rooms)
      for (Member& m : r.members) {
        if (!m.person->ws) m.person->ws = WsClient::connect(server.base_url(), m.person->http.token());
        m.in_room = m.person->ws && m.person->join(r.id);
        in_call += m.in_room;
        bench.tick();
      }
    bench.set_in_call(in_call);
    for (Room& r : rooms)
      for (Member& m : r.members)
        if (m.in_room) {
          m.media = std::make_unique<SfuClient>(*m.person, media_options);
          m.media->publish();
        }
    bench.pump(rooms, 8000);
    int flowing = 0, expected = 0;
    for (Room& r : rooms)
      for (Member& m : r.members)
        for (Member& o : r.members)
          if (&m != &o && m.media && o.in_room) {
            ++expected;
            flowing += m.media->frames_from(o.person->peer_id) > 0;
          }
    std::printf("wave %d: %d in the call, %d of %d video subscriptions flowing\n", wave, in_call, flowing, expected);

    // In the call: chat and drawing, and one maximum-size stroke per room.
    bench.set_phase("active");
    gint64 active_end = g_get_monotonic_time() + active_sec * 1000000LL;
    int step = 0;
    while (g_get_monotonic_time() < active_end && bench.time_left(end_us)) {
      for (Room& r : rooms) {
        Member& m = r.members[step % r.members.size()];
        if (!m.in_room) continue;
        m.person->ws->send(std::move(convene::json::Object()
                                         .set("type", "chat-message")
                                         .set("kind", "text")
                                         .set("content", "wave " + std::to_string(wave) + " message " + std::to_string(step))));
        m.person->ws->send_text(stroke(step == 3 ? 10000 : 150, step));
        if (step % 10 == 9) m.person->ws->send(std::move(convene::json::Object().set("type", "whiteboard-clear")));
      }
      ++step;
      bench.pump(rooms, 2000);
    }

    // Everyone goes: media closed, half say leave-room, half drop the WebSocket.
    bench.set_phase("leave");
    for (Room& r : rooms)
      for (size_t i = 0; i < r.members.size(); ++i) {
        Member& m = r.members[i];
        m.media.reset();
        if (!m.in_room) continue;
        if (i % 2 == 0) {
          m.person->ws->send(std::move(convene::json::Object().set("type", "leave-room")));
        } else {
          m.person->ws->close();
          m.person->ws->wait_closed(2000);
        }
        m.in_room = false;
      }
    bench.set_in_call(0);
    bench.pump(rooms, 1000);
    // Who dropped comes back as a reloaded page would: a new HTTP client (its
    // keep-alive connection closed afterwards) fetches a WebSocket token.
    bench.set_phase("reconnect");
    for (Room& r : rooms)
      for (Member& m : r.members)
        if (!m.person->ws || m.person->ws->is_closed()) {
          std::string token;
          {
            HttpClient page(server.base_url());
            page.set_token(m.person->http.token());
            token = page.get("/auth/ws-token").str("token");
          }
          m.person->ws = WsClient::connect(server.base_url(), token.empty() ? m.person->http.token() : token);
          if (!m.person->ws) std::printf("a reconnection was refused\n");
        }
    bench.set_phase("rest");
    bench.pump(rooms, 10000);
    ProcessFigures rest = process_figures(server.pid());
    if (wave == 1) first_rest = rest;
    std::printf("wave %d at rest: RSS %ld kB (%+ld since the baseline, %+ld since wave 1), fds %ld (%+ld, %+ld), "
                "threads %ld (%+ld, %+ld)\n",
                wave, rest.rss_kb, rest.rss_kb - base.rss_kb, rest.rss_kb - first_rest.rss_kb, rest.fds,
                rest.fds - base.fds, rest.fds - first_rest.fds, rest.threads, rest.threads - base.threads,
                rest.threads - first_rest.threads);
    std::fflush(stdout);
  }
  bench.print_line("end");
  if (hold_sec > 0) {
    // Time to look at the idle server from outside (/proc, gdb) before it stops.
    std::printf("holding the server (pid %d) for %d s\n", server.pid(), hold_sec);
    std::fflush(stdout);
    bench.pump(rooms, hold_sec * 1000);
    bench.print_line("held");
  }
  return 0;
}
