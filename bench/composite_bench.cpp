// composite_bench: the cost of Convene's composite against ffmpeg doing the
// same grid, from the same inputs, on the same machine, in one run.
//
// Inputs: N WebM files (VP8 640×360 at 30 fps + Opus), made once with
// gst-launch. Convene: each file demuxed and payloaded to RTP, paced in real
// time (as the SFU delivers it) into convenecomposite at 1280×720 at 30 fps,
// then the default recording pipeline (pipelines/recording-webm.pipeline:
// VP8 + Opus in WebM). ffmpeg: the same files through xstack + amix into
// libvpx (realtime, cpu-used 8, 2 Mb/s) + libopus in WebM, once as fast as it
// can (real-time factor) and once paced with -re (CPU at meeting pace).
// Prints figures; asserts nothing.
//
// Usage: composite_bench [seconds=10]   (GST_PLUGIN_PATH is not needed)
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include "convene-build-config.h"
#include "convene_composite.h"

namespace {

double cpu_seconds(int who) {
  struct rusage u {};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double now_s() { return g_get_monotonic_time() / 1e6; }

bool run(const std::vector<std::string>& argv) {
  std::vector<const char*> a;
  for (auto& s : argv) a.push_back(s.c_str());
  a.push_back(nullptr);
  g_autoptr(GError) err = nullptr;
  g_autoptr(GSubprocess) p = g_subprocess_newv(a.data(), G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err);
  if (!p) return false;
  return g_subprocess_wait_check(p, nullptr, nullptr);
}

std::string make_input(const std::string& dir, int i, int seconds) {
  static const char* patterns[] = {"smpte", "ball", "snow", "pinwheel", "spokes", "gradient", "colors", "bar", "zone-plate"};
  std::string path = dir + "/in" + std::to_string(i) + ".webm";
  std::string frames = std::to_string(seconds * 30);
  std::string samples = std::to_string(seconds * 48000 / 1024 + 1);
  bool ok = run({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=" + frames, std::string("pattern=") + patterns[i % 9],
                 "!", "video/x-raw,width=640,height=360,framerate=30/1", "!", "vp8enc", "deadline=1", "cpu-used=8",
                 "target-bitrate=800000", "keyframe-max-dist=60", "!", "webmmux", "name=m", "!", "filesink",
                 "location=" + path, "audiotestsrc", "num-buffers=" + samples, "freq=" + std::to_string(300 + 50 * i),
                 "!", "audio/x-raw,rate=48000,channels=2", "!", "opusenc", "!", "m."});
  if (!ok) fprintf(stderr, "cannot make %s\n", path.c_str());
  return path;
}

std::string recording_description(const std::string& location) {
  g_autofree char* text = nullptr;
  g_file_get_contents(CONVENE_DEFAULT_PIPELINES_DIR "/recording-webm.pipeline", &text, nullptr, nullptr);
  std::string out;
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char** l = lines; *l; ++l)
    if (**l != '#') out += std::string(*l) + " ";
  out.replace(out.find("{location}"), 10, location);
  return out;
}

struct Figures {
  double wall = 0, cpu = 0;
  guint64 frames = 0;  // composite output frames (convene)
};

GstPadProbeReturn count_frame(GstPad*, GstPadProbeInfo*, gpointer n) {
  g_atomic_pointer_add(static_cast<gssize*>(n), 1);
  return GST_PAD_PROBE_OK;
}

Figures convene_run(const std::vector<std::string>& inputs, int seconds, const std::string& out) {
  std::string d = "convenecomposite name=c width=1280 height=720 ";
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string n = std::to_string(i);
    // identity sync=true delivers the packets in real time, as the SFU would.
    d += "filesrc location=" + inputs[i] + " ! matroskademux name=d" + n + " d" + n +
         ".video_0 ! queue ! rtpvp8pay ! identity sync=true ! c.video_" + n + " d" + n +
         ".audio_0 ! queue ! rtpopuspay ! identity sync=true ! c.audio_" + n + " ";
  }
  d += "c.video ! video. c.audio ! audio. " + recording_description(out);
  g_autoptr(GError) err = nullptr;
  GstElement* p = gst_parse_launch(d.c_str(), &err);
  if (!p) {
    fprintf(stderr, "convene pipeline: %s\n", err ? err->message : "?");
    return {};
  }
  static gssize frames;
  frames = 0;
  GstElement* c = gst_bin_get_by_name(GST_BIN(p), "c");
  GstPad* vpad = gst_element_get_static_pad(c, "video");
  gst_pad_add_probe(vpad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &frames, nullptr);
  gst_object_unref(vpad);
  gst_object_unref(c);
  double cpu0 = cpu_seconds(RUSAGE_SELF), t0 = now_s();
  gst_element_set_state(p, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(p);
  // The composite is live: it runs until we stop it after the inputs' length.
  GstMessage* m = gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(seconds) * GST_SECOND, GST_MESSAGE_ERROR);
  if (m) {
    GError* e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    fprintf(stderr, "convene pipeline error: %s\n", e->message);
    g_error_free(e);
    gst_message_unref(m);
  }
  gst_element_send_event(p, gst_event_new_eos());
  m = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (m) gst_message_unref(m);
  Figures f{now_s() - t0, cpu_seconds(RUSAGE_SELF) - cpu0, static_cast<guint64>(frames)};
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  return f;
}

Figures ffmpeg_run(const std::vector<std::string>& inputs, bool paced, const std::string& out) {
  int n = static_cast<int>(inputs.size());
  int cols = n <= 4 ? 2 : 3;
  int w = 1280 / cols, h = 720 / cols;
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error", "-y"};
  for (auto& in : inputs) {
    if (paced) argv.push_back("-re");
    argv.insert(argv.end(), {"-i", in});
  }
  std::string filter, layout, amix;
  for (int i = 0; i < n; ++i) {
    filter += "[" + std::to_string(i) + ":v]scale=" + std::to_string(w) + ":" + std::to_string(h) + "[v" +
              std::to_string(i) + "];";
    layout += (i ? "|" : "") + std::to_string((i % cols) * w) + "_" + std::to_string((i / cols) * h);
    amix += "[" + std::to_string(i) + ":a]";
  }
  for (int i = 0; i < n; ++i) filter += "[v" + std::to_string(i) + "]";
  filter += "xstack=inputs=" + std::to_string(n) + ":layout=" + layout + ":fill=black,scale=1280:720[v];" + amix +
            "amix=inputs=" + std::to_string(n) + "[a]";
  argv.insert(argv.end(), {"-filter_complex", filter, "-map", "[v]", "-map", "[a]", "-c:v", "libvpx", "-deadline",
                           "realtime", "-cpu-used", "8", "-b:v", "2M", "-g", "60", "-c:a", "libopus", "-b:a", "96k", out});
  double cpu0 = cpu_seconds(RUSAGE_CHILDREN), t0 = now_s();
  if (!run(argv)) fprintf(stderr, "ffmpeg failed\n");
  return {now_s() - t0, cpu_seconds(RUSAGE_CHILDREN) - cpu0};
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  convene_composite_register(nullptr);
  int seconds = argc > 1 ? atoi(argv[1]) : 10;
  g_autofree char* dir = g_dir_make_tmp("composite-bench-XXXXXX", nullptr);
  printf("composite_bench: %d s of content per run, %u cores, output 1280x720@30, VP8 2 Mb/s + Opus in WebM\n",
         seconds, g_get_num_processors());
  std::vector<std::string> inputs;
  for (int i = 0; i < 9; ++i) inputs.push_back(make_input(dir, i, seconds));
  printf("%-8s %-34s %8s %8s %10s %12s\n", "inputs", "run", "wall s", "cpu s", "RTF", "cores used");
  for (int n : {4, 9}) {
    std::vector<std::string> in(inputs.begin(), inputs.begin() + n);
    std::string out = std::string(dir) + "/out.webm";
    Figures c = convene_run(in, seconds, out);
    printf("%-8d %-34s %8.2f %8.2f %10s %12.2f  (%" G_GUINT64_FORMAT " frames out in %.1f s: %.1f fps)\n", n,
           "convenecomposite (live, real time)", c.wall, c.cpu, "1 (live)", c.cpu / c.wall, c.frames, c.wall,
           c.frames / c.wall);
    Figures f = ffmpeg_run(in, false, out);
    printf("%-8d %-34s %8.2f %8.2f %10.2f %12.2f\n", n, "ffmpeg xstack+amix (as fast as it can)", f.wall, f.cpu,
           seconds / f.wall, f.cpu / f.wall);
    Figures r = ffmpeg_run(in, true, out);
    printf("%-8d %-34s %8.2f %8.2f %10.2f %12.2f\n", n, "ffmpeg xstack+amix (-re, real time)", r.wall, r.cpu,
           seconds / r.wall, r.cpu / r.wall);
    printf("%-8d %-34s %8.2f %8.2f\n", n, "cpu s per content s: convene / ffmpeg", c.cpu / seconds, f.cpu / seconds);
  }
  for (int i = 0; i < 9; ++i) g_remove((std::string(dir) + "/in" + std::to_string(i) + ".webm").c_str());
  g_remove((std::string(dir) + "/out.webm").c_str());
  g_rmdir(dir);
  return 0;
}
