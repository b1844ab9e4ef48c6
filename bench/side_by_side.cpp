#include "side_by_side.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "http_client.h"
#include "janus_participant.h"
#include "janus_server.h"
#include "process_figures.h"
#include "prometheus_text.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::bench {

namespace {

using testing::EncodedClip;
using testing::ProcessFigures;
using testing::process_figures;

constexpr int kRoomSize = 4;

struct Setup {
  int seconds = 10;
  std::string server_address, client_address, server_interface;
  std::vector<std::shared_ptr<const EncodedClip>> clips;
};

// One server's figures over the measured window of one run.
struct Figures {
  double cpu_pct = 0;             // server process, % of one core
  double cpu_per_stream = 0;      // % of a core per forwarded stream
  // The same split into user space (the server's code and its libraries)
  // and the kernel (system calls: sockets, poll, futex waits): where the two
  // servers differ.
  double user_per_stream = 0, system_per_stream = 0;
  double rss_kb_per_person = 0;   // delta from the empty server
  double anon_kb_per_person = 0;  // the same for RssAnon
  double threads_per_person = 0;  // delta from the empty server
  double fps_per_video = 0;       // frames per second per subscribed video track
  double join_ms = -1;            // slowest of all: join request → first remote frame
  double latency_p50 = -1, latency_p99 = -1;  // SFU-added, where the server tells it (the room's whole life)
  // SFU-added over the measured window only (from /metrics' histogram, whose
  // bounds are 0.5, 1, 2, 5, 10, 20, 50 ms...): the bound under which 99 % of
  // the window's samples fell, and the share of them above 5 ms.
  double window_p99_at_most_ms = -1, window_over_5ms = -1;
  double window_samples = 0;
  std::string log;  // what the server printed during the run
  int streams = 0, people = 0;
  double udp_per_s = 0, tcp_per_s = 0;  // datagrams and segments received in the namespace
};

double seconds_between(gint64 from_us, gint64 to_us) { return (to_us - from_us) / 1e6; }

constexpr const char* kMetricsToken = "side-by-side-metrics";

// convene_sfu_latency_seconds' cumulative buckets (bound in seconds → count; +Inf as HUGE_VAL).
std::map<double, double> latency_buckets(const std::string& scrape) {
  std::map<double, double> out;
  const std::string prefix = "convene_sfu_latency_seconds_bucket{le=\"";
  for (const auto& [series, value] : testing::prometheus_samples(scrape)) {
    if (series.rfind(prefix, 0) != 0) continue;
    const std::string le = series.substr(prefix.size(), series.find('"', prefix.size()) - prefix.size());
    out[le == "+Inf" ? HUGE_VAL : std::stod(le)] = value;
  }
  return out;
}

// The window's share of samples by bound, from two scrapes of the cumulative histogram.
void window_latency(const std::string& before, const std::string& after, Figures* f) {
  std::map<double, double> a = latency_buckets(before), b = latency_buckets(after);
  if (b.empty() || !b.count(HUGE_VAL)) return;
  const double total = b[HUGE_VAL] - a[HUGE_VAL];
  f->window_samples = total;
  if (total <= 0) return;
  for (const auto& [bound, count] : b) {
    const double in_window = count - a[bound];
    if (f->window_p99_at_most_ms < 0 && in_window >= 0.99 * total) f->window_p99_at_most_ms = bound * 1000;
    if (bound == 0.005) f->window_over_5ms = (total - in_window) / total;
  }
}

// RssAnon from /proc/PID/status, kB: the process's own heap and stacks,
// without the libraries it mapped (Convene maps GStreamer's plugins at its
// first call, Janus its libraries at start).
long rss_anon_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  return -1;
}

// What the namespace's kernel received: UDP datagrams and TCP segments
// (/proc/net/snmp is per network namespace, and only this benchmark's
// clients and server live in it). Tells which transport ICE settled on.
struct TransportCounts {
  long udp_in = 0, tcp_in = 0;
};
TransportCounts transport_counts() {
  TransportCounts c;
  std::ifstream snmp("/proc/net/snmp");
  std::string names, values;
  while (std::getline(snmp, names) && std::getline(snmp, values)) {
    auto field = [&](const char* proto, const char* name) -> long {
      if (names.rfind(std::string(proto) + ":", 0) != 0) return -1;
      std::istringstream n(names), v(values);
      for (std::string key, value; n >> key && v >> value;)
        if (key == name) return std::stol(value);
      return -1;
    };
    if (long u = field("Udp", "InDatagrams"); u >= 0) c.udp_in = u;
    if (long t = field("Tcp", "InSegs"); t >= 0) c.tcp_in = t;
  }
  return c;
}

void count_transport(Figures& f, const TransportCounts& a, const TransportCounts& b, gint64 a_us, gint64 b_us) {
  double window = seconds_between(a_us, b_us);
  f.udp_per_s = (b.udp_in - a.udp_in) / window;
  f.tcp_per_s = (b.tcp_in - a.tcp_in) / window;
}

Figures figures_over(long idle_anon_kb, const ProcessFigures& idle, const ProcessFigures& a, const ProcessFigures& b,
                     long anon_kb, gint64 a_us, gint64 b_us, int rooms, long frames) {
  Figures f;
  f.people = rooms * kRoomSize;
  f.streams = f.people * (kRoomSize - 1) * 2;  // every subscriber gets 3 peers × (video + audio)
  double window = seconds_between(a_us, b_us);
  f.cpu_pct = 100.0 * (b.cpu_s - a.cpu_s) / window;
  f.cpu_per_stream = f.cpu_pct / f.streams;
  f.user_per_stream = 100.0 * (b.user_s - a.user_s) / window / f.streams;
  f.system_per_stream = 100.0 * (b.system_s - a.system_s) / window / f.streams;
  f.rss_kb_per_person = static_cast<double>(b.rss_kb - idle.rss_kb) / f.people;
  f.anon_kb_per_person = static_cast<double>(anon_kb - idle_anon_kb) / f.people;
  f.threads_per_person = static_cast<double>(b.threads - idle.threads) / f.people;
  f.fps_per_video = frames / window / (f.people * (kRoomSize - 1));
  return f;
}

// Waits (pumping) until done() or timeout; returns whether done.
bool pump_until(const std::function<void(int)>& pump, int timeout_ms, const std::function<bool()>& done) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (g_get_monotonic_time() < deadline) {
    pump(2);
    if (done()) return true;
  }
  return false;
}

Figures run_convene(const Setup& s, int rooms) {
  testing::ServerOptions so;
  // The server and its webrtcbin clients gather on the veth address, like
  // Janus and its clients.
  so.env["CONVENE_MEDIA_ICE_ADDRESSES"] = s.server_address;
  so.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  so.env["CONVENE_METRICS_TOKEN"] = kMetricsToken;
  testing::ServerProcess server(so);
  int pid = server.pid();
  testing::HttpClient metrics(server.base_url());
  auto scrape = [&metrics] {
    return metrics.get("/metrics", {{"Authorization", std::string("Bearer ") + kMetricsToken}}).body;
  };
  g_usleep(1000 * 1000);
  ProcessFigures idle = process_figures(pid);
  long idle_anon = rss_anon_kb(pid);

  std::vector<std::unique_ptr<testing::TestPerson>> people;
  std::vector<std::string> room_ids;
  for (int r = 0; r < rooms; ++r) {
    for (int i = 0; i < kRoomSize; ++i)
      people.push_back(std::make_unique<testing::TestPerson>(server, "r" + std::to_string(r) + "p" + std::to_string(i)));
    testing::TestPerson* host = people[r * kRoomSize].get();
    room_ids.push_back(host->http.post("/rooms", R"({"name":"Bench"})").str("id"));
    for (int i = 1; i < kRoomSize; ++i) people[r * kRoomSize + i]->become_member(room_ids.back());
  }
  std::vector<std::unique_ptr<testing::SfuClient>> clients;
  // Each client's messages as they arrive, as Janus's participants (whose
  // HTTP answers are handled in the context's callbacks) get theirs.
  auto pump = [&](int ms) { testing::pump_as_they_arrive(clients, ms); };
  const char* patterns[] = {"smpte", "ball", "snow", "red"};
  gint64 t0 = g_get_monotonic_time();
  for (int r = 0; r < rooms; ++r) {
    for (int i = 0; i < kRoomSize; ++i) {
      testing::TestPerson& p = *people[r * kRoomSize + i];
      if (!p.join(room_ids[r])) std::fprintf(stderr, "convene: %s could not join\n", p.user_id.c_str());
      testing::SfuClientOptions o;
      o.width = 1280;
      o.height = 720;
      o.decode = false;
      // As browsers do (and sfu-bench): every microphone packet carries an
      // RFC 6464 level, so Convene reads active-speaker levels from the
      // header instead of decoding. Janus's clients do not send it: Janus
      // reads it only for talking events, which the bench does not enable.
      o.audio_level = 40;
      o.video_pattern = patterns[i];
      o.camera_clip = s.clips[i % s.clips.size()];
      // Where Janus's clients gather too: from 127.0.0.1, ICE to the
      // server's address settled on ICE-TCP for every connection.
      o.ice_address = s.client_address;
      clients.push_back(std::make_unique<testing::SfuClient>(p, o));
      clients.back()->publish();
    }
  }
  // Frames every client counted from the others of its room.
  auto frames_now = [&] {
    long total = 0;
    int silent = 0;  // (subscriber, publisher) pairs with no frame yet
    for (size_t i = 0; i < clients.size(); ++i)
      for (size_t j = i - i % kRoomSize; j < i - i % kRoomSize + kRoomSize; ++j) {
        if (j == i) continue;
        int n = clients[i]->frames_from(clients[j]->person().peer_id);
        total += n;
        if (n <= 0) silent++;
      }
    return std::make_pair(total, silent);
  };
  if (!pump_until(pump, 20000, [&] { return frames_now().second == 0; }))
    std::fprintf(stderr, "convene: %d subscriptions without frames after 20 s\n", frames_now().second);
  pump(2000);  // settle
  long before = frames_now().first;
  ProcessFigures a = process_figures(pid);
  TransportCounts ta = transport_counts();
  const std::string metrics_before = scrape();
  gint64 a_us = g_get_monotonic_time();
  pump(s.seconds * 1000);
  ProcessFigures b = process_figures(pid);
  TransportCounts tb = transport_counts();
  const std::string metrics_after = scrape();
  long anon = rss_anon_kb(pid);
  gint64 b_us = g_get_monotonic_time();
  long after = frames_now().first;
  Figures f = figures_over(idle_anon, idle, a, b, anon, a_us, b_us, rooms, after - before);
  count_transport(f, ta, tb, a_us, b_us);
  window_latency(metrics_before, metrics_after, &f);
  for (auto& c : clients)
    if (gint64 at = c->first_frame_at_us()) f.join_ms = std::max(f.join_ms, (at - t0) / 1000.0);
  // SFU-added latency as the server measures it (the newest room's).
  auto media = people[(rooms - 1) * kRoomSize]->http.get("/rooms/" + room_ids.back() + "/media");
  JsonNodePtr body = media.json();
  if (JsonObject* o = body && JSON_NODE_HOLDS_OBJECT(body.get()) ? json_node_get_object(body.get()) : nullptr)
    if (json_object_has_member(o, "forwardingLatencyMs")) {
      JsonObject* l = json_object_get_object_member(o, "forwardingLatencyMs");
      f.latency_p50 = json_object_get_double_member(l, "p50");
      f.latency_p99 = json_object_get_double_member(l, "p99");
    }
  clients.clear();
  people.clear();
  f.log = server.log();
  return f;
}

Figures run_janus(const Setup& s, int rooms, SoupSession* http) {
  JanusServer janus(http, s.server_interface, s.server_address);
  int pid = janus.pid();
  g_usleep(1000 * 1000);
  ProcessFigures idle = process_figures(pid);
  long idle_anon = rss_anon_kb(pid);

  std::vector<std::unique_ptr<JanusParticipant>> people;
  for (int r = 0; r < rooms; ++r) {
    for (int i = 0; i < kRoomSize; ++i) {
      JanusParticipantOptions o;
      o.camera_clip = s.clips[i % s.clips.size()];
      o.ice_address = s.client_address;
      people.push_back(std::make_unique<JanusParticipant>(http, janus.api_url(), o));
      people.back()->connect();
    }
    people[r * kRoomSize]->create_room(1000 + r);
  }
  auto pump = [&](int ms) {
    gint64 end = g_get_monotonic_time() + ms * 1000LL;
    do {
      for (auto& p : people) p->pump(1);
    } while (g_get_monotonic_time() < end);
  };
  gint64 t0 = g_get_monotonic_time();
  for (int r = 0; r < rooms; ++r)
    for (int i = 0; i < kRoomSize; ++i) people[r * kRoomSize + i]->publish(1000 + r, "p" + std::to_string(i));
  // Janus's subscriber handle takes its feeds by id, and only feeds whose
  // connection is up: subscribe once every publisher of the room is
  // (Convene offers tracks to subscribers as publishers come).
  if (!pump_until(pump, 20000, [&] {
        for (auto& p : people)
          if (!p->feed_id() || !p->publishing()) return false;
        return true;
      }))
    std::fprintf(stderr, "janus: not every publisher connected within 20 s\n");
  for (int r = 0; r < rooms; ++r)
    for (int i = 0; i < kRoomSize; ++i) {
      std::vector<guint64> feeds;
      for (int j = 0; j < kRoomSize; ++j)
        if (j != i && people[r * kRoomSize + j]->feed_id()) feeds.push_back(people[r * kRoomSize + j]->feed_id());
      people[r * kRoomSize + i]->subscribe(1000 + r, feeds);
    }
  auto frames_now = [&] {
    long total = 0;
    for (auto& p : people) total += p->video_frames();
    return total;
  };
  if (!pump_until(pump, 20000, [&] {
        for (auto& p : people)
          if (p->video_tracks() < kRoomSize - 1 || p->video_frames() == 0) return false;
        return true;
      }))
    std::fprintf(stderr, "janus: not every subscriber receives video after 20 s\n");
  pump(2000);  // settle
  long before = frames_now();
  ProcessFigures a = process_figures(pid);
  TransportCounts ta = transport_counts();
  gint64 a_us = g_get_monotonic_time();
  pump(s.seconds * 1000);
  ProcessFigures b = process_figures(pid);
  TransportCounts tb = transport_counts();
  long anon = rss_anon_kb(pid);
  gint64 b_us = g_get_monotonic_time();
  long after = frames_now();
  Figures f = figures_over(idle_anon, idle, a, b, anon, a_us, b_us, rooms, after - before);
  count_transport(f, ta, tb, a_us, b_us);
  for (auto& p : people)
    if (gint64 at = p->first_frame_at_us()) f.join_ms = std::max(f.join_ms, (at - t0) / 1000.0);
  f.log = janus.log();
  people.clear();
  // Let the session destroys go out before Janus stops.
  for (gint64 end = g_get_monotonic_time() + 200000; g_get_monotonic_time() < end;) g_main_context_iteration(nullptr, FALSE);
  return f;
}

// GLib criticals and warnings a server printed (a critical is a bug): how
// many, and the first few distinct ones.
void report_log_problems(const char* server, const std::string& log, const char* marker) {
  int n = 0;
  std::vector<std::string> seen;
  std::stringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(marker) == std::string::npos) continue;
    ++n;
    // Without the "(convene:PID): " prefix and timestamp, so repeats compare equal.
    std::string key = line.substr(line.find(marker));
    if (seen.size() < 3 && std::find(seen.begin(), seen.end(), key) == seen.end()) seen.push_back(key);
  }
  if (!n) return;
  std::printf("  %s printed %d line(s) with \"%s\", e.g.:\n", server, n, marker);
  for (auto& l : seen) std::printf("      %s\n", l.substr(0, 220).c_str());
}

void print_row(const char* server, const Figures& f) {
  char latency[64] = "n/a";
  if (f.latency_p50 >= 0) std::snprintf(latency, sizeof latency, "%.2f / %.2f", f.latency_p50, f.latency_p99);
  std::printf("  %-8s %6d %7d %8.1f%% %9.3f%% %10.0f %10.0f %10.1f %8.1f %10.0f %14s\n", server, f.people, f.streams,
              f.cpu_pct, f.cpu_per_stream, f.rss_kb_per_person, f.anon_kb_per_person, f.threads_per_person,
              f.fps_per_video, f.join_ms, latency);
  std::printf("           received in the namespace: %.0f UDP datagrams/s, %.0f TCP segments/s\n", f.udp_per_s,
              f.tcp_per_s);
  std::printf("           CPU per stream in user space %.3f %%, in the kernel %.3f %%\n", f.user_per_stream,
              f.system_per_stream);
  if (f.window_p99_at_most_ms >= 0)
    std::printf("           SFU-added in the measured window: p99 at most %.1f ms, %.2f %% of %.0f timed packets "
                "over 5 ms\n", f.window_p99_at_most_ms, 100 * f.window_over_5ms, f.window_samples);
  // Media over ICE-TCP is another load (RFC 4571 framing, the kernel's TCP
  // path): such a pair would not compare like with like.
  if (f.tcp_per_s > f.udp_per_s / 10)
    std::printf("           WARNING: %s's media ran over TCP (ICE-TCP), not UDP: this pair compares different loads\n",
                server);
  if (!strcmp(server, "convene")) {
    report_log_problems(server, f.log, "CRITICAL");
    report_log_problems(server, f.log, "-WARNING **");
  } else {
    report_log_problems(server, f.log, "[ERR]");
  }
  std::fflush(stdout);
}

void print_header() {
  std::printf("  %-8s %6s %7s %9s %10s %10s %10s %10s %8s %10s %14s\n", "server", "people", "streams", "server",
              "/stream", "kB/person", "anon kB/p", "thr/person", "fps/sub", "join ms", "SFU p50/p99 ms");
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_summary(int rooms, const std::vector<std::pair<Figures, Figures>>& pairs) {
  auto column = [&](bool convene, double Figures::*field) {
    std::vector<double> v;
    for (auto& [c, j] : pairs) v.push_back((convene ? c : j).*field);
    return v;
  };
  std::printf("\nmedians over %zu paired runs, %d room(s) of %d (%d forwarded streams):\n", pairs.size(), rooms,
              kRoomSize, pairs.front().first.streams);
  std::printf("  %-36s %10s %10s %14s\n", "", "Convene", "Janus", "Convene/Janus");
  struct Row {
    const char* name;
    double Figures::*field;
    int decimals;
  };
  for (Row row : {Row{"server CPU, % of a core", &Figures::cpu_pct, 1},
                  Row{"CPU per forwarded stream, % of a core", &Figures::cpu_per_stream, 3},
                  Row{"  of it in user space", &Figures::user_per_stream, 3},
                  Row{"  of it in the kernel", &Figures::system_per_stream, 3},
                  Row{"RSS per participant, kB", &Figures::rss_kb_per_person, 0},
                  Row{"RssAnon per participant, kB", &Figures::anon_kb_per_person, 0},
                  Row{"threads per participant", &Figures::threads_per_person, 1},
                  Row{"frames/s per subscribed video", &Figures::fps_per_video, 1},
                  Row{"join -> first frame, slowest, ms", &Figures::join_ms, 0}}) {
    double c = median(column(true, row.field)), j = median(column(false, row.field));
    std::printf("  %-36s %10.*f %10.*f", row.name, row.decimals, c, row.decimals, j);
    if (j > 0 && c >= 0) std::printf(" %13.2fx", c / j);
    std::printf("\n");
  }
  auto print_pair_ratios = [&](const char* what, double Figures::*field) {
    std::vector<double> ratio;
    for (auto& [c, j] : pairs)
      if (j.*field > 0) ratio.push_back(c.*field / j.*field);
    if (ratio.empty()) return;
    auto [lo, hi] = std::minmax_element(ratio.begin(), ratio.end());
    std::printf("  %s, Convene/Janus per pair: median %.2fx (range %.2f-%.2fx)\n", what, median(ratio), *lo, *hi);
  };
  print_pair_ratios("CPU per stream", &Figures::cpu_per_stream);
  print_pair_ratios("  of it in user space", &Figures::user_per_stream);
  print_pair_ratios("  of it in the kernel", &Figures::system_per_stream);
  std::vector<double> p50, p99;
  for (auto& [c, j] : pairs)
    if (c.latency_p50 >= 0) {
      p50.push_back(c.latency_p50);
      p99.push_back(c.latency_p99);
    }
  if (!p50.empty())
    std::printf("  SFU-added latency, Convene's own measurement (GET /rooms/:id/media): p50 %.2f ms, p99 %.2f ms\n",
                median(p50), median(p99));
  std::printf("  SFU-added latency, Janus: not measured (it exposes none; the clients cannot match packets across its "
              "SSRC/sequence rewriting)\n");
  std::fflush(stdout);
}

std::string env_or_throw(const char* name) {
  const char* v = g_getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string(name) +
                             " is not set: run `bench/sfu-bench --against janus`, which makes the namespace");
  return v;
}

}  // namespace

int run_side_by_side(const std::vector<std::string>& args) {
  Setup s;
  int pairs = 2;
  std::vector<int> room_counts{1, 2};
  int width = 1280, height = 720;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--against" && i + 1 < args.size()) {
      if (args[++i] != "janus") throw std::runtime_error("--against: only janus is known");
    } else if (args[i] == "--pairs" && i + 1 < args.size()) {
      pairs = std::max(1, atoi(args[++i].c_str()));
    } else if (args[i] == "--seconds" && i + 1 < args.size()) {
      s.seconds = std::max(1, atoi(args[++i].c_str()));
    } else if (args[i] == "--rooms" && i + 1 < args.size()) {
      room_counts.clear();
      std::stringstream list(args[++i]);
      for (std::string n; std::getline(list, n, ',');) room_counts.push_back(std::max(1, atoi(n.c_str())));
    } else if (args[i] == "--stock-nicesrc") {
      // read by main(): which element the clients receive through
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.size() >= 2) {
    width = atoi(rest[0].c_str());
    height = atoi(rest[1].c_str());
  }
  s.server_address = env_or_throw("BENCH_SERVER_ADDRESS");
  s.client_address = env_or_throw("BENCH_CLIENT_ADDRESS");
  s.server_interface = env_or_throw("BENCH_SERVER_INTERFACE");
  for (const char* pattern : {"smpte", "ball"}) {
    EncodedClip::Spec spec;
    spec.width = width;
    spec.height = height;
    spec.pattern = pattern;
    s.clips.push_back(EncodedClip::encode(spec));
  }
  GObjectPtr<SoupSession> http =
      adopt(soup_session_new_with_options("timeout", 60, "max-conns", 512, "max-conns-per-host", 512, nullptr));
  std::printf("side by side: Convene against Janus 1.1.2 videoroom; rooms of %d, every participant publishing a "
              "replayed %dx%d VP8 clip (3 temporal layers, ~1 Mbps, 30 fps) + Opus and subscribing to the others; "
              "%d paired run(s) per room count, %d s measured each; servers on %s (%s), clients on %s\n",
              kRoomSize, width, height, pairs, s.seconds, s.server_address.c_str(), s.server_interface.c_str(),
              s.client_address.c_str());
  std::fflush(stdout);
  std::vector<std::pair<int, std::vector<std::pair<Figures, Figures>>>> all;
  for (int rooms : room_counts) {
    std::vector<std::pair<Figures, Figures>> results;
    for (int p = 0; p < pairs; ++p) {
      bool convene_first = p % 2 == 0;
      std::printf("\n%d room(s), pair %d of %d (%s first):\n", rooms, p + 1, pairs, convene_first ? "Convene" : "Janus");
      print_header();
      Figures c, j;
      const char* only = g_getenv("BENCH_ONLY");  // while working on one side: "janus" or "convene"
      if (only) {
        if (!strcmp(only, "janus")) print_row("janus", j = run_janus(s, rooms, http.get()));
        else print_row("convene", c = run_convene(s, rooms));
      } else if (convene_first) {
        c = run_convene(s, rooms);
        print_row("convene", c);
        j = run_janus(s, rooms, http.get());
        print_row("janus", j);
      } else {
        j = run_janus(s, rooms, http.get());
        print_row("janus", j);
        c = run_convene(s, rooms);
        print_row("convene", c);
      }
      results.push_back({c, j});
    }
    print_summary(rooms, results);
    all.push_back({rooms, std::move(results)});
  }
  return 0;
}

}  // namespace convene::bench
