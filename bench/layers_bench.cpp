// Per-viewer quality (issue #15): a room where everyone watches everyone
// else as small tiles (track-settings 320x180), first with every camera
// published as one 1280x720 stream (as before layers), then as three layer
// tracks (q/h/f). Publishers replay pre-encoded clips and subscribers count
// without decoding, so the figures are the server's. Prints bytes forwarded
// per subscriber (video, from GET /rooms/:id/media) and server CPU, and the
// time from a track-settings asking for 1280x720 (or back to 320x180) to the
// first decoded frame of that width. Figures are printed, never asserted.
//
// scripts/lib/netns-run build/bench/layers-bench [people=6] [seconds=10]
#include <gst/gst.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "encoded_clip.h"
#include "process_figures.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

using namespace convene::testing;

namespace {

void pump_all(std::vector<std::unique_ptr<SfuClient>>& clients, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end)
    for (auto& c : clients) c->pump(2);
}

// Video bytes the server has forwarded to each subscriber so far.
std::vector<int64_t> video_bytes(TestPerson& asker, const std::string& room, const std::vector<std::string>& peers) {
  std::vector<int64_t> out(peers.size(), 0);
  convene::JsonNodePtr body = asker.http.get("/rooms/" + room + "/media").json();
  if (!body) return out;
  JsonArray* subs = json_object_get_array_member(json_node_get_object(body.get()), "subscribers");
  for (guint i = 0; subs && i < json_array_get_length(subs); ++i) {
    JsonObject* sub = json_array_get_object_element(subs, i);
    const std::string peer = json_object_get_string_member(sub, "peerId");
    JsonArray* receives = json_object_get_array_member(sub, "receives");
    for (size_t k = 0; k < peers.size(); ++k) {
      if (peers[k] != peer) continue;
      for (guint j = 0; j < json_array_get_length(receives); ++j) {
        JsonObject* r = json_array_get_object_element(receives, j);
        if (!g_strcmp0(json_object_get_string_member(r, "kind"), "video"))
          out[k] += json_object_get_int_member(r, "bytesForwarded");
      }
    }
  }
  return out;
}

struct Clips {
  std::shared_ptr<const EncodedClip> single;
  std::array<std::shared_ptr<const EncodedClip>, 3> layers;
};

void run(const char* label, bool layered, int people, int seconds, const Clips& clips) {
  ServerOptions so;
  so.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  so.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  ServerProcess server(so);
  std::vector<std::unique_ptr<TestPerson>> persons;
  for (int i = 0; i < people; ++i) persons.push_back(std::make_unique<TestPerson>(server, "viewer" + std::to_string(i)));
  std::string room = persons[0]->http.post("/rooms", R"({"name":"Bench"})").str("id");
  for (int i = 1; i < people; ++i) persons[i]->become_member(room);
  for (auto& p : persons)
    if (!p->join(room)) std::fprintf(stderr, "%s could not join\n", p->user_id.c_str());
  std::vector<std::unique_ptr<SfuClient>> clients;
  std::vector<std::string> peers;
  for (int i = 0; i < people; ++i) {
    SfuClientOptions o;
    o.audio = false;
    // The first subscriber decodes (for the switch timing, layered only).
    o.decode = layered && i == 0;
    if (layered) {
      o.camera_layers = true;
      o.camera_layer_clips = clips.layers;
    } else {
      o.camera_clip = clips.single;
    }
    clients.push_back(std::make_unique<SfuClient>(*persons[i], o));
    clients.back()->publish();
    peers.push_back(persons[i]->peer_id);
  }
  pump_all(clients, 4000);
  // Everyone shows everyone else in a small tile.
  for (int i = 0; i < people; ++i)
    for (int j = 0; j < people; ++j)
      if (i != j) clients[i]->track_settings(peers[j], "camera", 320, 180);
  pump_all(clients, 3000);
  const int pid = server.pid();
  std::vector<int64_t> before = video_bytes(*persons[0], room, peers);
  ProcessFigures a = process_figures(pid);
  pump_all(clients, seconds * 1000);
  ProcessFigures b = process_figures(pid);
  std::vector<int64_t> after = video_bytes(*persons[0], room, peers);
  double total = 0;
  for (int i = 0; i < people; ++i) total += static_cast<double>(after[i] - before[i]);
  const double per_sub_kbps = total * 8 / 1000.0 / seconds / people;
  std::printf("%-28s %d people, %d s: video forwarded per subscriber %.0f kbps (%d tiles), server CPU %.1f %%\n",
              label, people, seconds, per_sub_kbps, people - 1, 100.0 * (b.cpu_s - a.cpu_s) / seconds);
  if (!layered) return;
  // The time a tile takes to show the new layer.
  SfuClient& viewer = *clients[0];
  {
    convene::JsonNodePtr body = persons[0]->http.get("/rooms/" + room + "/media").json();
    JsonArray* subs = body ? json_object_get_array_member(json_node_get_object(body.get()), "subscribers") : nullptr;
    for (guint i = 0; subs && i < json_array_get_length(subs); ++i) {
      JsonObject* sub = json_array_get_object_element(subs, i);
      if (peers[0] == json_object_get_string_member(sub, "peerId"))
        std::printf("  the viewer's bandwidth estimate before switching up: %.0f kbps\n",
                    json_object_get_double_member(sub, "estimateBps") / 1000.0);
    }
  }
  for (int round = 0; round < 3; ++round) {
    for (int width : {1280, 320}) {
      const gint64 asked = g_get_monotonic_time();
      viewer.track_settings(peers[1], "camera", width, width * 9 / 16);
      bool seen = false;
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!seen && std::chrono::steady_clock::now() < end) {
        for (auto& c : clients) c->pump(2);
        seen = viewer.frame_width_from(peers[1]) == width;
      }
      if (seen)
        std::printf("  track-settings → first %d-wide frame: %.0f ms\n", width, (g_get_monotonic_time() - asked) / 1000.0);
      else
        std::printf("  track-settings → no %d-wide frame within 10 s\n", width);
      pump_all(clients, 1000);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const int people = argc > 1 ? atoi(argv[1]) : 6;
  const int seconds = argc > 2 ? atoi(argv[2]) : 10;
  Clips clips;
  auto spec = [](int w, int h, int bitrate) {
    EncodedClip::Spec s;
    s.width = w;
    s.height = h;
    s.bitrate = bitrate;
    return s;
  };
  clips.single = EncodedClip::encode(spec(1280, 720, 900000));
  clips.layers = {EncodedClip::encode(spec(320, 180, 100000)), EncodedClip::encode(spec(640, 360, 300000)),
                  EncodedClip::encode(spec(1280, 720, 900000))};
  std::printf("clips: 30 fps VP8 in three temporal layers; one 720p camera at 900 kbps, or q/h/f at 100/300/900 kbps\n");
  run("one 1280x720 stream:", false, people, seconds, clips);
  run("three layer tracks (q/h/f):", true, people, seconds, clips);
  return 0;
}
