// WHEP playback figures (issue #17 Measure), printed:
//  1. Glass-to-glass delay, publisher → room → composite → WHEP viewer: a
//     WHIP publisher (webrtcbin, written here) sends a black picture and
//     turns it white at a known instant; a WHEP viewer decodes the room's
//     composite and notes when its picture turns bright. Both ends live in
//     this process, so one monotonic clock times them. Includes encoding at
//     the publisher, the SFU, the composite (decode, mix), its encoder, the
//     viewer's jitter buffer and decoder.
//  2. WHEP viewers per core: the server's CPU with the composite running and
//     0, then N viewers (depayloading, not decoding) for 10 s each.
//
// Run inside a network namespace with only lo:
//   scripts/lib/netns-run build/bench/whep-bench [viewers...]   (default 10 20 40)
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "http_client.h"
#include "ice_setup.h"
#include "process_figures.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"
#include "whep_client.h"

using namespace convene::testing;

namespace {

// A WHIP publisher whose picture can be switched between black and white.
class FlashPublisher {
 public:
  FlashPublisher() {
    pipeline_ = gst_pipeline_new(nullptr);
    gst_object_ref_sink(pipeline_);
    webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
    g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
    gather_only_on(webrtc_, "127.0.0.1");
    gst_bin_add(GST_BIN(pipeline_), webrtc_);
    GstElement* src = gst_parse_bin_from_description(
        "videotestsrc name=flash is-live=true pattern=black ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "vp8enc deadline=1 keyframe-max-dist=30 lag-in-frames=0 ! rtpvp8pay picture-id-mode=15-bit pt=96 ssrc=1234 ! "
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,ssrc=(uint)1234",
        TRUE, nullptr);
    gst_bin_add(GST_BIN(pipeline_), src);
    flash_ = gst_bin_get_by_name(GST_BIN(src), "flash");
    GstPad* sink = gst_element_request_pad_simple(webrtc_, "sink_%u");
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(sink, "transceiver", &trans, nullptr);
    g_autoptr(GstCaps) caps = gst_caps_from_string(
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,ssrc=(uint)1234");
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps, nullptr);
    gst_object_unref(trans);
    g_autoptr(GstPad) src_pad = gst_element_get_static_pad(src, "src");
    gst_pad_link(src_pad, sink);
    gst_object_unref(sink);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~FlashPublisher() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(flash_);
    gst_object_unref(pipeline_);
  }
  void white(bool on) { gst_util_set_object_arg(G_OBJECT(flash_), "pattern", on ? "white" : "black"); }

  int publish(const std::string& base_url, const std::string& path, const std::string& key) {
    GstPromise* p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "create-offer", nullptr, p);
    gst_promise_wait(p);
    GstWebRTCSessionDescription* offer = nullptr;
    gst_structure_get(gst_promise_get_reply(p), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
    gst_promise_unref(p);
    p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-local-description", offer, p);
    gst_promise_wait(p);
    gst_promise_unref(p);
    gst_webrtc_session_description_free(offer);
    for (int i = 0; i < 500; ++i) {
      GstWebRTCICEGatheringState state;
      g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
      if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) break;
      g_usleep(10000);
    }
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc_, "local-description", &local, nullptr);
    g_autofree char* text = gst_sdp_message_as_text(local->sdp);
    gst_webrtc_session_description_free(local);
    Response r = HttpClient(base_url).request("POST", path, text,
                                              {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + key}});
    if (r.status != 201) return r.status;
    GstSDPMessage* msg = nullptr;
    gst_sdp_message_new_from_text(r.body.c_str(), &msg);
    GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
    p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-remote-description", answer, p);
    gst_promise_wait(p);
    gst_promise_unref(p);
    gst_webrtc_session_description_free(answer);
    return 201;
  }

 private:
  GstElement* pipeline_;
  GstElement* webrtc_;
  GstElement* flash_;
};

// The mean luma of the middle of a decoded I420 picture (streaming thread).
std::atomic<int> g_luma{0};
void on_frame(GstBuffer* buffer, GstCaps* caps, void*) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) return;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return;
  const int w = GST_VIDEO_FRAME_WIDTH(&frame), h = GST_VIDEO_FRAME_HEIGHT(&frame);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  const auto* y = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  long sum = 0, n = 0;
  for (int row = h / 3; row < 2 * h / 3; row += 4)
    for (int col = w / 3; col < 2 * w / 3; col += 4, ++n) sum += y[row * stride + col];
  gst_video_frame_unmap(&frame);
  if (n) g_luma = static_cast<int>(sum / n);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(atoi(argv[i]));
  if (counts.empty()) counts = {10, 20, 40};
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_RATELIMIT_ENABLED"] = "false";
  o.env["CONVENE_RECORDING_WIDTH"] = "640";
  o.env["CONVENE_RECORDING_HEIGHT"] = "360";
  ServerProcess server(o);
  TestPerson host(server, "host");
  std::string room = meet(host, {});
  SfuClient host_media(host, SfuClientOptions{"smpte", 320, 240, false, false});  // in the call, publishing nothing
  auto key = host.http.post("/rooms/" + room + "/ingest-keys", R"({"name":"Flash"})");
  FlashPublisher flash;
  if (flash.publish(server.base_url(), "/whip/" + room, key.str("key")) != 201) {
    std::fprintf(stderr, "the WHIP publisher was refused\n");
    return 1;
  }
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + host.http.token()}};
  WhepClientOptions vo;
  vo.on_frame = on_frame;
  WhepClient viewer(vo);
  if (viewer.play(server.base_url(), "/whep/" + room, auth).status != 201) {
    std::fprintf(stderr, "the WHEP viewer was refused\n");
    return 1;
  }
  pump_until({&host_media}, 20000, [&] { return viewer.video_frames() > 60; });

  // 1. Delay: 10 black → white → black flashes.
  std::vector<double> delays;
  for (int i = 0; i < 10; ++i) {
    pump_until({&host_media}, 5000, [&] { return g_luma.load() < 60; });
    pump_for({&host_media}, 700);
    const gint64 t0 = g_get_monotonic_time();
    flash.white(true);
    if (pump_until({&host_media}, 5000, [&] { return g_luma.load() > 180; }))
      delays.push_back((g_get_monotonic_time() - t0) / 1000.0);
    flash.white(false);
  }
  std::sort(delays.begin(), delays.end());
  if (delays.empty()) {
    std::printf("delay: no flash was seen (luma %d)\n", g_luma.load());
  } else {
    std::printf("glass-to-glass (WHIP publisher -> composite -> WHEP viewer), %zu flashes: min %.0f ms, median %.0f ms, "
                "max %.0f ms\n",
                delays.size(), delays.front(), delays[delays.size() / 2], delays.back());
  }

  // 2. CPU of the server per viewer of the one composite.
  auto cpu_over = [&](int seconds) {
    double before = process_figures(server.pid()).cpu_s;
    pump_for({&host_media}, seconds * 1000);
    return (process_figures(server.pid()).cpu_s - before) / seconds;
  };
  const double base = cpu_over(10);
  std::printf("server CPU, composite + 1 decoding viewer: %.1f %% of a core\n", base * 100);
  std::vector<std::unique_ptr<WhepClient>> many;
  for (int n : counts) {
    while (static_cast<int>(many.size()) < n) {
      many.push_back(std::make_unique<WhepClient>(WhepClientOptions{true, true, false}));
      if (many.back()->play(server.base_url(), "/whep/" + room, auth).status != 201) {
        std::fprintf(stderr, "viewer %zu refused\n", many.size());
        return 1;
      }
    }
    pump_until({&host_media}, 20000, [&] {
      for (auto& v : many)
        if (v->video_frames() < 10) return false;
      return true;
    });
    const double cpu = cpu_over(10);
    const double per = (cpu - base) / n;
    int receiving = 0;
    for (auto& v : many) receiving += v->video_frames() > 10;
    std::printf("%d more viewers: server %.1f %% of a core; %.2f %% per viewer -> about %.0f viewers per core "
                "(%d receiving); RSS %ld kB, threads %ld\n",
                n, cpu * 100, per * 100, per > 0 ? 1.0 / per : 0.0, receiving,
                process_figures(server.pid()).rss_kb, process_figures(server.pid()).threads);
  }
  return 0;
}
