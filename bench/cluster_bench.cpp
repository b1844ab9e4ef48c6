// Cluster benchmark (issue #16, "Measure"): three `convene serve` nodes on
// one PostgreSQL, rooms of webrtcbin participants (tests/support/sfu_client)
// who all open their WebSockets on node n0 and follow `redirect` to the
// room's node. Prints, never asserts:
//   - which node carries each room, and per node its rooms, participants and
//     forwarded streams (GET /cluster, GET /rooms/:id/media on the room's node);
//   - join-room → room-joined in ms, direct (the room is on n0) and through a
//     redirect (including the second WebSocket to the room's node);
//   - after SIGKILL of the first room's node: for every participant of the
//     rooms it carried, the time until they are in the call again and until
//     they decode video from everyone else again. Each one rejoins through a
//     surviving node, retrying in turn as web clients do, and starts its media once back.
//
// Usage: bench/cluster-bench [rooms] [people_per_room] [seconds]
// (the wrapper starts a throwaway PostgreSQL and runs this binary in a network
// namespace with only lo; PostgreSQL is reached over its Unix socket, as in
// tests/media/cluster_sfu_test.cpp).
#include <gst/gst.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "process_figures.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {
namespace {

double ms_since(gint64 t0) { return (g_get_monotonic_time() - t0) / 1000.0; }

// join-room following redirects: join-room → room-joined in ms (-1: none
// came); `redirected` says whether a redirect was followed.
double enter(TestPerson& p, const std::string& room, bool* redirected, int timeout_ms = 8000) {
  gint64 t0 = g_get_monotonic_time();
  return p.join_following_redirects(room, timeout_ms, redirected) ? ms_since(t0) : -1;
}

struct Room {
  std::string id;
  std::vector<std::unique_ptr<TestPerson>> people;
  std::vector<std::unique_ptr<SfuClient>> clients;
  std::string node;  // node id carrying it
};

// Every client of the room decodes at least `frames` more frames from every other one than at `base`.
bool all_decode(Room& room, int frames, std::map<SfuClient*, std::map<std::string, int>>* base = nullptr) {
  for (auto& c : room.clients)
    for (auto& p : room.people) {
      if (p->peer_id == c->person().peer_id) continue;
      int b = base ? (*base)[c.get()][p->peer_id] : 0;
      if (c->frames_from(p->peer_id) < b + frames) return false;
    }
  return true;
}

bool decodes_everyone(SfuClient& c, Room& room, int frames) {
  for (auto& p : room.people)
    if (p->peer_id != c.person().peer_id && c.frames_from(p->peer_id) < frames) return false;
  return true;
}

// Person i's client: publishes test video and audio, decodes what it is offered.
void start_client(Room& room, size_t i) {
  const char* patterns[] = {"smpte", "ball", "snow", "red", "green"};
  SfuClientOptions o;
  o.video_pattern = patterns[i % 5];
  room.clients.resize(room.people.size());
  room.clients[i] = std::make_unique<SfuClient>(*room.people[i], o);
  room.clients[i]->publish();
}

void start_media(Room& room) {
  room.clients.clear();
  for (size_t i = 0; i < room.people.size(); ++i) start_client(room, i);
}

std::vector<SfuClient*> all_clients(std::vector<Room>& rooms) {
  std::vector<SfuClient*> v;
  for (auto& r : rooms)
    for (auto& c : r.clients) v.push_back(c.get());
  return v;
}

void print_stats(const char* label, std::vector<double> v) {
  if (v.empty()) {
    std::printf("  %-26s none\n", label);
    return;
  }
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  std::printf("  %-26s n=%zu  min %.0f  median %.0f  max %.0f  mean %.0f ms\n", label, v.size(), v.front(),
              v[v.size() / 2], v.back(), sum / v.size());
}

int run(int n_rooms, int size, int seconds) {
  if (postgres_socket_url("postgres").empty())
    throw std::runtime_error("no PostgreSQL: run bench/cluster-bench (it starts one)");
  std::string db = create_postgres_socket_database("convene_bench_");
  const int heartbeat = 1, dead_after = 3;
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < 3; ++i) {
    ServerOptions o;
    o.database = db;
    o.env = {{"CONVENE_CLUSTER_ENABLED", "true"},
             {"CONVENE_CLUSTER_NODE_ID", "n" + std::to_string(i)},
             {"CONVENE_CLUSTER_HEARTBEAT_SEC", std::to_string(heartbeat)},
             {"CONVENE_CLUSTER_DEAD_AFTER_SEC", std::to_string(dead_after)},
             {"CONVENE_CLUSTER_ADMINS", "benchadmin@example.test"},
             {"CONVENE_AUTH_SECRET", "cluster-bench-secret-0123456789abcdef0123456789"},
             {"CONVENE_MEDIA_ICE_ADDRESSES", "127.0.0.1"},
             {"CONVENE_MEDIA_ANSWER_TIMEOUT_SEC", "3"},
             {"CONVENE_RATELIMIT_ENABLED", "false"}};
    nodes.push_back(std::make_unique<ServerProcess>(o));
  }
  std::map<std::string, int> node_index = {{"n0", 0}, {"n1", 1}, {"n2", 2}};
  std::printf("3 nodes (n0 n1 n2) on one PostgreSQL, heartbeat %d s, dead after %d s; %d rooms of %d, "
              "everyone enters through n0\n",
              heartbeat, dead_after, n_rooms, size);
  HttpClient admin(nodes[0]->base_url());
  admin.register_user("benchadmin");

  // Rooms, joined one after the other through n0.
  std::vector<Room> rooms(n_rooms);
  std::vector<double> direct_ms, redirect_ms;
  for (int r = 0; r < n_rooms; ++r) {
    Room& room = rooms[r];
    for (int i = 0; i < size; ++i)
      room.people.push_back(
          std::make_unique<TestPerson>(nodes[0]->base_url(), "r" + std::to_string(r) + "p" + std::to_string(i)));
    auto res = room.people[0]->http.post("/rooms", R"({"name":"Bench room"})");
    if (res.status != 201) throw std::runtime_error("creating a room failed: " + res.body);
    room.id = res.str("id");
    for (int i = 1; i < size; ++i) room.people[i]->become_member(room.id);
    for (auto& p : room.people) {
      bool redirected = false;
      double ms = enter(*p, room.id, &redirected);
      if (ms < 0) throw std::runtime_error("a join through n0 failed");
      (redirected ? redirect_ms : direct_ms).push_back(ms);
    }
    start_media(room);
  }
  auto clients = all_clients(rooms);
  gint64 t_media = g_get_monotonic_time();
  bool flowing = pump_until(clients, 60000, [&] {
    for (auto& r : rooms)
      if (!all_decode(r, 10)) return false;
    return true;
  });
  std::printf("media: %s after %.1f s; forwarding for %d s more\n",
              flowing ? "every participant decodes everyone else" : "NOT everyone decodes everyone (60 s)",
              ms_since(t_media) / 1000, seconds);
  std::vector<ProcessFigures> before;
  for (auto& n : nodes) before.push_back(process_figures(n->pid()));
  pump_for(clients, seconds * 1000);

  // Placement as the cluster reports it.
  auto cl = admin.get("/cluster");
  if (cl.status != 200) throw std::runtime_error("GET /cluster: " + std::to_string(cl.status) + " " + cl.body);
  auto cj = cl.json();
  std::map<std::string, std::string> owner;  // room id → node id
  std::map<std::string, long> node_participants, node_rooms;
  JsonArray* ns = json_object_get_array_member(json_node_get_object(cj.get()), "nodes");
  for (guint i = 0; i < json_array_get_length(ns); ++i) {
    JsonObject* n = json_array_get_object_element(ns, i);
    std::string id = json_object_get_string_member(n, "nodeId");
    node_participants[id] = json_object_get_int_member(n, "participants");
    JsonArray* rs = json_object_get_array_member(n, "rooms");
    node_rooms[id] = json_array_get_length(rs);
    for (guint k = 0; k < json_array_get_length(rs); ++k) owner[json_array_get_string_element(rs, k)] = id;
  }
  std::printf("\n%-6s %-38s %6s %8s %12s %12s\n", "room", "id", "node", "people", "sub.tracks", "pkts fwd");
  std::map<std::string, long> node_streams, node_packets;
  for (int r = 0; r < n_rooms; ++r) {
    Room& room = rooms[r];
    room.node = owner.count(room.id) ? owner[room.id] : "?";
    long tracks = -1, packets = -1, participants = -1;
    if (node_index.count(room.node)) {
      HttpClient on_node(nodes[node_index[room.node]]->base_url());
      on_node.set_token(room.people[0]->http.token());
      auto m = on_node.get("/rooms/" + room.id + "/media");
      if (m.status == 200) {
        auto mj = m.json();
        JsonObject* o = json_node_get_object(mj.get());
        tracks = json_object_get_int_member(o, "subscriberTracks");
        packets = json_object_get_int_member(o, "packetsForwarded");
        participants = json_object_get_int_member(o, "participants");
        node_streams[room.node] += tracks;
        node_packets[room.node] += packets;
      }
    }
    std::printf("%-6d %-38s %6s %8ld %12ld %12ld\n", r, room.id.c_str(), room.node.c_str(), participants, tracks,
                packets);
  }
  std::printf("\n%-5s %6s %13s %19s %12s %9s %10s\n", "node", "rooms", "participants", "forwarded streams",
              "pkts fwd", "CPU %", "RSS MB");
  for (int i = 0; i < 3; ++i) {
    std::string id = "n" + std::to_string(i);
    ProcessFigures now = process_figures(nodes[i]->pid());
    double window = seconds > 0 ? seconds : 1;
    std::printf("%-5s %6ld %13ld %19ld %12ld %9.0f %10.0f\n", id.c_str(), node_rooms[id], node_participants[id],
                node_streams[id], node_packets[id], 100.0 * (now.cpu_s - before[i].cpu_s) / window,
                now.rss_kb / 1024.0);
  }

  std::printf("\njoin-room -> room-joined through n0 (ms):\n");
  print_stats("direct (room on n0)", direct_ms);
  print_stats("through a redirect", redirect_ms);

  // SIGKILL the first room's node; everyone in its rooms comes back through a survivor.
  std::string dead_id = rooms[0].node;
  if (!node_index.count(dead_id)) throw std::runtime_error("the first room has no node in GET /cluster");
  int dead = node_index[dead_id];
  std::vector<Room*> hit;
  for (auto& r : rooms)
    if (r.node == dead_id) hit.push_back(&r);
  std::printf("\nSIGKILL %s (carries %zu room(s), %zu participants); each rejoins through a surviving node\n",
              dead_id.c_str(), hit.size(), hit.size() * size);
  for (Room* r : hit) r->clients.clear();  // their connections are on the dead node
  gint64 killed_at = g_get_monotonic_time();
  nodes[dead]->kill_hard();
  // Everyone retries in turn (as many browsers would at once), each starting
  // its media as soon as it is back; the others' clients are pumped meanwhile.
  struct Rejoin {
    Room* room;
    size_t i;
    double at_s = -1;
  };
  std::vector<Rejoin> rejoins;
  for (Room* r : hit)
    for (size_t i = 0; i < r->people.size(); ++i) rejoins.push_back({r, i});
  auto live_clients = [&] {
    std::vector<SfuClient*> v;
    for (Room* r : hit)
      for (auto& c : r->clients)
        if (c) v.push_back(c.get());
    return v;
  };
  for (int pass = 0; ms_since(killed_at) < 30000; ++pass) {
    bool all_back = true;
    for (size_t k = 0; k < rejoins.size(); ++k) {
      Rejoin& j = rejoins[k];
      if (j.at_s >= 0) continue;
      TestPerson& p = *j.room->people[j.i];
      p.ws = WsClient::connect(nodes[(dead + 1 + (k + pass) % 2) % 3]->base_url(), p.http.token());
      bool redirected = false;
      if (p.ws && enter(p, j.room->id, &redirected, 3000) >= 0) {
        j.at_s = ms_since(killed_at) / 1000;
        start_client(*j.room, j.i);
      } else {
        all_back = false;
      }
    }
    if (all_back) break;
    pump_for(live_clients(), 300);  // the web client's retry delay is of this order
  }
  std::vector<double> rejoin_s, media_s;
  for (auto& j : rejoins) rejoin_s.push_back(j.at_s);
  std::map<SfuClient*, double> flowing_at;
  std::vector<SfuClient*> hit_clients = live_clients();
  pump_until(hit_clients, 40000, [&] {
    for (Room* r : hit)
      for (auto& c : r->clients)
        if (c && !flowing_at.count(c.get()) && decodes_everyone(*c, *r, 5))
          flowing_at[c.get()] = ms_since(killed_at) / 1000;
    return flowing_at.size() == hit_clients.size();
  });
  std::printf("%-6s %-8s %6s %14s %22s\n", "room", "person", "node", "in call (s)", "decodes everyone (s)");
  int k = 0;
  for (Room* r : hit) {
    std::string node = "?";
    auto cl2 = HttpClient(nodes[(dead + 1) % 3]->base_url());
    cl2.set_token(admin.token());
    auto res = cl2.get("/cluster");
    if (res.status == 200) {
      auto j = res.json();
      JsonArray* a = json_object_get_array_member(json_node_get_object(j.get()), "nodes");
      for (guint i = 0; i < json_array_get_length(a); ++i) {
        JsonObject* n = json_array_get_object_element(a, i);
        JsonArray* rs = json_object_get_array_member(n, "rooms");
        for (guint q = 0; q < json_array_get_length(rs); ++q)
          if (r->id == json_array_get_string_element(rs, q)) node = json_object_get_string_member(n, "nodeId");
      }
    }
    for (auto& c : r->clients) {
      double f = c && flowing_at.count(c.get()) ? flowing_at[c.get()] : -1;
      if (f >= 0) media_s.push_back(f * 1000);
      std::printf("%-6zu %-8s %6s %14.1f %22.1f\n", size_t(r - rooms.data()),
                  r->people[k % size]->user_id.substr(0, 8).c_str(), node.c_str(), rejoin_s[k], f);
      ++k;
    }
  }
  std::printf("SIGKILL -> media flowing again: %zu of %zu participants", media_s.size(), rejoins.size());
  if (!media_s.empty())
    std::printf(", last after %.1f s (dead_after_sec is %d)", *std::max_element(media_s.begin(), media_s.end()) / 1000,
                dead_after);
  std::printf("\n");
  return 0;
}

}  // namespace
}  // namespace convene::testing

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int rooms = argc > 1 ? atoi(argv[1]) : 3;
  int size = argc > 2 ? atoi(argv[2]) : 3;
  int seconds = argc > 3 ? atoi(argv[3]) : 5;
  try {
    return convene::testing::run(std::max(rooms, 1), std::clamp(size, 2, 8), std::max(seconds, 0));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster-bench: %s\n", e.what());
    return 1;
  }
}
