// The server CPU one SRT ingest adds (issue #17, Measure): a room with one
// webrtcbin subscriber, first idle, then receiving an SRT publisher (ffmpeg
// pushing H.264 + AAC in MPEG-TS), which the server demuxes, decodes and
// re-encodes to VP8 + Opus (the room's codecs) before forwarding. Prints the
// server's CPU (user + system, from /proc) over the same window in both
// phases; ffmpeg's own CPU is its process, not the server's.
//
//   scripts/lib/netns-run build/bench/srt-ingest-bench [seconds=10] [size=1280x720]
//
// The room's codec is VP8 (the default; the test subscriber decodes VP8
// only), so this is the transcoding case, the costly one.
//
// Printed, never asserted: these machines are shared and noisy.
#include <gio/gio.h>
#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ffmpeg_push.h"
#include "free_port.h"
#include "process_figures.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

using namespace convene::testing;

namespace {


// Server CPU seconds spent over `seconds` while the viewer is pumped.
double cpu_over(const ServerProcess& server, SfuClient& viewer, int seconds) {
  double before = process_figures(server.pid()).cpu_s;
  pump_for({&viewer}, seconds * 1000);
  return process_figures(server.pid()).cpu_s - before;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const int seconds = argc > 1 ? atoi(argv[1]) : 10;
  const std::string size = argc > 2 ? argv[2] : "1280x720";
  try {
    ServerOptions o;
    const int port = free_udp_port();
    o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
    o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
    o.env["CONVENE_INGEST_SRT_PORT"] = std::to_string(port);
    ServerProcess server(o);
    TestPerson host(server, "host");
    std::string room = meet(host, {});
    SfuClient viewer(host);
    auto key = host.http.post("/rooms/" + room + "/ingest-keys", R"({"name":"Encoder"})");
    if (key.status != 201) throw std::runtime_error("ingest key: " + key.body);
    pump_for({&viewer}, 2000);

    const double idle = cpu_over(server, viewer, seconds);
    FfmpegPush ffmpeg(key.str("srtUrl"), seconds + 60, size);
    // Warm up: the publisher joined and frames reach the viewer.
    std::string peer;
    bool flowing = pump_until({&viewer}, 20000, [&] {
      for (auto& m : viewer.others())
        if (str_field(m.get(), "type") == "peer-joined") {
          JsonObject* p = json_object_get_object_member(obj(m.get()), "peer");
          if (p) peer = json_object_get_string_member_with_default(p, "peerId", "");
        }
      return !peer.empty() && viewer.frames_from(peer) > 30;
    });
    if (!flowing) throw std::runtime_error("no SRT frames reached the viewer: " + viewer.describe());
    pump_for({&viewer}, 2000);
    const int frames_before = viewer.frames_from(peer);
    const double ffmpeg_before = process_figures(ffmpeg.pid()).cpu_s;
    const double busy = cpu_over(server, viewer, seconds);
    const double ffmpeg_cpu = process_figures(ffmpeg.pid()).cpu_s - ffmpeg_before;
    const int frames = viewer.frames_from(peer) - frames_before;
    g_autofree char* load = nullptr;
    g_file_get_contents("/proc/loadavg", &load, nullptr, nullptr);
    std::printf("SRT ingest, %s H.264 30 fps + AAC -> VP8 + Opus (transcoded), %d s windows\n", size.c_str(),
                seconds);
    std::printf("  server CPU idle room:   %5.1f %% of a core\n", 100.0 * idle / seconds);
    std::printf("  server CPU with SRT:    %5.1f %% of a core (viewer decoded %d frames, %.1f fps)\n",
                100.0 * busy / seconds, frames, static_cast<double>(frames) / seconds);
    std::printf("  added by one SRT ingest: %5.1f %% of a core\n", 100.0 * (busy - idle) / seconds);
    std::printf("  (ffmpeg, the encoder:   %5.1f %% of a core)\n", 100.0 * ffmpeg_cpu / seconds);
    std::printf("  load average: %s", load ? load : "?\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "srt-ingest-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
