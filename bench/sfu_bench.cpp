// SFU benchmark: rooms of 4 participants (webrtcbin test clients, each
// publishing VP8 video and Opus) on one `convene serve`, all on loopback.
// Prints, per number of rooms: the server's CPU (per forwarded stream), RSS
// and threads per participant, frames decoded per second by the clients, and
// the time from join-room to the first decoded remote frame.
//
// Usage (in a namespace with only lo):
//   scripts/lib/netns-run build/bench/sfu-bench [max_rooms] [seconds] [width height] [--replay]
// Side by side with Janus (bench/side_by_side.h; bench/sfu-bench makes the namespace):
//   bench/sfu-bench --against janus [--pairs N] [--rooms 1,2] [--seconds S]
// By default the clients encode and decode in the same process, so on a small
// machine they, not the SFU, saturate the CPU first. With --replay every
// camera replays a clip encoded once (720p VP8, three temporal layers,
// ~1 Mbps) and subscribers count frames without decoding: the clients then
// cost about what the server does (SRTP both ways), rooms are added until
// frames stop arriving on time, and the figure to read is where that happens
// and the server's CPU per room.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "convene_ice_src.h"
#include "process_figures.h"
#include "side_by_side.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

using namespace convene::testing;

namespace {

// The server's threads by kind (/proc/PID/task/*/comm without digits), most frequent first.
std::string thread_names(int pid) {
  std::map<std::string, int> names;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (GDir* d = g_dir_open(dir.c_str(), 0, nullptr)) {
    while (const char* tid = g_dir_read_name(d)) {
      std::ifstream comm(dir + "/" + tid + "/comm");
      std::string name;
      std::getline(comm, name);
      // "queue12:src" and "queue7:src" are one kind: numbers out.
      name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return g_ascii_isdigit(c); }), name.end());
      names[name]++;
    }
    g_dir_close(d);
  }
  std::vector<std::pair<int, std::string>> sorted;
  for (auto& [name, n] : names) sorted.push_back({n, name});
  std::sort(sorted.rbegin(), sorted.rend());
  std::string out;
  for (auto& [n, name] : sorted) out += name + " " + std::to_string(n) + ", ";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  // The clients' DTLS certificate before any join is timed: GStreamer makes
  // one RSA 2048 key per process with its first dtlsdec (0.1-0.6 s here).
  // A browser has its certificate before it joins, and in a side-by-side
  // pair whichever server went first would otherwise pay for it.
  if (GstElement* dtls = gst_element_factory_make("dtlsdec", nullptr)) gst_object_unref(gst_object_ref_sink(dtls));
  // The clients receive as the server does, on their ICE agents' threads
  // (conveneicesrc): libnice's nicesrc costs each client connection a thread
  // and an eventfd write, a poll and a read per packet, and on a small
  // machine the clients' cost is what takes the cores from the server.
  // --stock-nicesrc keeps libnice's element (the figures before 2026-12-05).
  bool stock_nicesrc = false;
  for (int i = 1; i < argc; ++i) stock_nicesrc |= std::string(argv[i]) == "--stock-nicesrc";
  if (!stock_nicesrc && !convene_ice_src_register_as("nicesrc")) {
    std::fprintf(stderr, "sfu-bench: conveneicesrc could not be registered as nicesrc\n");
    return 1;
  }
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--against") {
      try {
        return convene::bench::run_side_by_side(std::vector<std::string>(argv + 1, argv + argc));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "sfu-bench: %s\n", e.what());
        return 1;
      }
    }
  bool replay = false;
  int big = 10;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--replay") replay = true;
    else if (std::string(argv[i]) == "--big-room" && i + 1 < argc) big = atoi(argv[++i]);
    else if (std::string(argv[i]) == "--stock-nicesrc") continue;
    else args.push_back(argv[i]);
  }
  int max_rooms = args.size() > 0 ? atoi(args[0].c_str()) : 2;
  int seconds = args.size() > 1 ? atoi(args[1].c_str()) : 10;
  SfuClientOptions opt;
  // As browsers do, every microphone packet carries an RFC 6464 audio level
  // (a constant here), so the server takes active-speaker levels from it
  // instead of decoding (a server that does not negotiate it ignores it).
  opt.audio_level = 40;
  opt.width = args.size() > 3 ? atoi(args[2].c_str()) : 1280;
  opt.height = args.size() > 3 ? atoi(args[3].c_str()) : 720;
  std::vector<std::shared_ptr<const EncodedClip>> clips;
  if (replay) {
    for (const char* pattern : {"smpte", "ball"}) {
      EncodedClip::Spec spec;
      spec.width = opt.width;
      spec.height = opt.height;
      spec.pattern = pattern;
      clips.push_back(EncodedClip::encode(spec));
    }
    opt.decode = false;
    std::printf("replaying %dx%d VP8 clips (three temporal layers); subscribers count frames without decoding\n",
                opt.width, opt.height);
  }
  ServerOptions so;
  so.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  so.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  ServerProcess server(so);
  int pid = server.pid();
  ProcessFigures idle = process_figures(pid);
  std::printf("server idle: RSS %ld kB, %ld threads (%s)\n", idle.rss_kb, idle.threads, thread_names(pid).c_str());
  std::printf("%5s %6s %8s %10s %12s %12s %10s %12s %9s\n", "rooms", "people", "streams", "server%", "%/stream",
              "kB/person", "thr/person", "frames/s/sub", "clients%");

  std::vector<std::unique_ptr<TestPerson>> people;
  std::vector<std::unique_ptr<SfuClient>> clients;
  // Adds a room of `size` people, all publishing; returns its id. The
  // accounts, the room and its members are made first: `joins_started` is
  // when the first join-room leaves.
  gint64 joins_started = 0;
  auto add_room = [&](int size, const std::string& tag) {
    std::vector<TestPerson*> room;
    for (int i = 0; i < size; ++i) {
      people.push_back(std::make_unique<TestPerson>(server, "p" + tag + "x" + std::to_string(i)));
      room.push_back(people.back().get());
    }
    // meet(), for any number of guests.
    auto created = room[0]->http.post("/rooms", R"({"name":"Bench"})");
    std::string room_id = created.str("id");
    for (size_t i = 1; i < room.size(); ++i) room[i]->become_member(room_id);
    joins_started = g_get_monotonic_time();
    for (TestPerson* p : room)
      if (!p->join(room_id)) std::fprintf(stderr, "%s could not join\n", p->user_id.c_str());
    const char* patterns[] = {"smpte", "ball", "snow", "red"};
    for (int i = 0; i < size; ++i) {
      SfuClientOptions o = opt;
      o.video_pattern = patterns[i % 4];
      if (replay) o.camera_clip = clips[i % clips.size()];
      clients.push_back(std::make_unique<SfuClient>(*room[i], o));
      clients.back()->publish();
    }
    return room_id;
  };
  // Frames every client decoded from the others in its room.
  auto frames_now = [&](size_t room_size) {
    std::vector<int> n(clients.size(), 0);
    for (size_t i = 0; i < clients.size(); ++i)
      for (size_t j = i - i % room_size; j < i - i % room_size + room_size && j < clients.size(); ++j)
        if (j != i) n[i] += clients[i]->frames_from(clients[j]->person().peer_id);
    return n;
  };
  for (int rooms = 1; rooms <= max_rooms; ++rooms) {
    std::string room_id = add_room(4, std::to_string(rooms));
    std::vector<TestPerson*> room{people[people.size() - 4].get()};
    pump_as_they_arrive(clients, 3000);  // connect and settle
    std::vector<int> before = frames_now(4);
    ProcessFigures a = process_figures(pid), clients_a = process_figures(getpid());
    pump_as_they_arrive(clients, seconds * 1000);
    ProcessFigures b = process_figures(pid), clients_b = process_figures(getpid());
    long frames = 0;
    std::vector<int> after = frames_now(4);
    for (size_t i = 0; i < clients.size(); ++i) frames += after[i] - before[i];
    int participants = rooms * 4;
    int streams = rooms * 4 * 3 * 2;  // each subscriber gets 3 peers × (video + audio)
    double cpu = 100.0 * (b.cpu_s - a.cpu_s) / seconds;
    std::printf("%5d %6d %8d %9.1f%% %11.2f%% %12ld %10.1f %12.1f %8.0f%%\n", rooms, participants, streams, cpu,
                cpu / streams, (b.rss_kb - idle.rss_kb) / participants,
                static_cast<double>(b.threads - idle.threads) / participants,
                static_cast<double>(frames) / seconds / (participants * 3),
                100.0 * (clients_b.cpu_s - clients_a.cpu_s) / seconds);
    const double delivered = static_cast<double>(frames) / seconds / (participants * 3) / 30.0;
    // The slowest of the new room, and where its time went: up to its
    // subscribe answer (signaling, both negotiations), then to the frame
    // (ICE, DTLS, the keyframe request and the keyframe, the decoder).
    double slowest = -1, slowest_offer = -1, slowest_answer = -1;
    auto since_joins = [joins_started](gint64 at) { return at ? (at - joins_started) / 1000.0 : -1; };
    for (size_t i = clients.size() - 4; i < clients.size(); ++i) {
      gint64 at = clients[i]->first_frame_at_us();
      if (!at || since_joins(at) <= slowest) continue;
      slowest = since_joins(at);
      slowest_offer = since_joins(clients[i]->offered_at_us());
      slowest_answer = since_joins(clients[i]->answered_at_us());
    }
    std::printf("      join-room → first decoded remote frame, slowest of the new room: %.0f ms"
                " (its subscribe offer read at %.0f ms, answered at %.0f ms)\n", slowest, slowest_offer, slowest_answer);
    if (rooms == 1) std::printf("      server threads by name: %s\n", thread_names(pid).c_str());
    auto media = room[0]->http.get("/rooms/" + room_id + "/media");
    convene::JsonNodePtr body = media.json();
    if (JsonObject* o = body ? json_node_get_object(body.get()) : nullptr) {
      JsonObject* l = json_object_get_object_member(o, "forwardingLatencyMs");
      std::printf("      SFU-added latency (newest room): p50 %.2f ms, p99 %.2f ms over %" G_GINT64_FORMAT " packets\n",
                  json_object_get_double_member(l, "p50"), json_object_get_double_member(l, "p99"),
                  json_object_get_int_member(l, "samples"));
    }
    std::fflush(stdout);
    if (replay && delivered < 0.95) {
      std::printf("saturated at %d rooms: subscribers get %.0f %% of the frames (machine load: the clients' SRTP "
                  "costs about what the server's does)\n", rooms, delivered * 100);
      break;
    }
  }

  // Threads must not grow with the room: one room of `big` on its own.
  if (big > 0) {
    clients.clear();
    people.clear();
    pump_as_they_arrive(clients, 3000);  // the server lets the rooms go
    ProcessFigures idle_big = process_figures(pid);
    add_room(big, "big");
    pump_as_they_arrive(clients, 6000);
    std::vector<int> before = frames_now(big);
    ProcessFigures a = process_figures(pid), clients_a = process_figures(getpid());
    pump_as_they_arrive(clients, seconds * 1000);
    ProcessFigures b = process_figures(pid), clients_b = process_figures(getpid());
    std::vector<int> after = frames_now(big);
    long frames = 0;
    for (size_t i = 0; i < clients.size(); ++i) frames += after[i] - before[i];
    std::printf("one room of %d (server at %ld threads before it): %.1f threads per participant, %ld kB RSS per "
                "participant, %.1f frames/s per subscribed video\n",
                big, idle_big.threads, static_cast<double>(b.threads - idle_big.threads) / big,
                (b.rss_kb - idle_big.rss_kb) / big, static_cast<double>(frames) / seconds / (big * (big - 1)));
    // Who had the cores: the clients (one process here) decrypt every
    // forwarded stream, so on a small machine they saturate before the server.
    std::printf("      CPU over that window: server %.0f %% of a core, this bench's clients %.0f %%\n",
                100.0 * (b.cpu_s - a.cpu_s) / seconds, 100.0 * (clients_b.cpu_s - clients_a.cpu_s) / seconds);
    std::printf("      server threads by name: %s\n", thread_names(pid).c_str());
    std::fflush(stdout);
  }
  return 0;
}
