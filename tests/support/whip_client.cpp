#include "whip_client.h"

#include <cstring>

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "ice_setup.h"
#include "non_trickle_sdp.h"

namespace convene::testing {
namespace {

constexpr const char* kVp8Caps = "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96";
// No profile-level-id: rtph264pay derives it from the stream's SPS.
constexpr const char* kH264Caps =
    "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102,packetization-mode=(string)1";
constexpr const char* kOpusCaps =
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,encoding-params=(string)2";

}  // namespace

WhipClient::WhipClient(WhipClientOptions options) : options_(std::move(options)) {
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gather_only_on(webrtc_, "127.0.0.1");
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  if (options_.audio)
    add_source("audiotestsrc is-live=true samplesperbuffer=960 wave=sine freq=440 volume=0.3 ! audio/x-raw,rate=48000,channels=2 ! "
               "opusenc ! rtpopuspay pt=111 ! " + std::string(kOpusCaps),
               kOpusCaps);
  const std::string raw = "videotestsrc is-live=true pattern=" + options_.video_pattern +
                          " ! video/x-raw,width=320,height=240,framerate=30/1 ! ";
  if (options_.video && options_.video_codec == "H264")
    add_source(raw + "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bframes=0 ! "
                     "video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=102 ! " + kH264Caps,
               kH264Caps);
  else if (options_.video)
    add_source(raw + "vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay picture-id-mode=15-bit pt=96 ! " + kVp8Caps,
               kVp8Caps);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

WhipClient::~WhipClient() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

void WhipClient::add_source(const std::string& description_text, const char* caps_base) {
  // Each stream names its SSRC in the offer (a=ssrc), as OBS and browsers do,
  // so the server tells the bundled streams apart.
  guint ssrc = g_random_int();
  std::string caps_str = std::string(caps_base) + ",ssrc=(uint)" + std::to_string(ssrc);
  const char* caps_text = caps_str.c_str();
  std::string description = description_text;
  description.replace(description.find(caps_base), strlen(caps_base), caps_str);
  description.insert(description.find(" pt="), " ssrc=" + std::to_string(ssrc));
  GstElement* src = gst_parse_bin_from_description(description.c_str(), TRUE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), src);
  GstPad* sink = gst_element_request_pad_simple(webrtc_, "sink_%u");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(sink, "transceiver", &trans, nullptr);
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps, nullptr);
  gst_object_unref(trans);
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(src, "src");
  gst_pad_link(src_pad, sink);
  gst_object_unref(sink);
}

std::string WhipClient::offer() { return non_trickle_offer(webrtc_); }

Response WhipClient::publish(const std::string& base_url, const std::string& path, const std::string& key) {
  std::string sdp = offer();
  HttpClient http(base_url);
  Response r = http.request("POST", path, sdp, {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + key}});
  if (r.status != 201) return r;
  location_ = r.headers.count("location") ? r.headers["location"] : "";
  apply_answer(webrtc_, r.body);
  return r;
}

Response WhipClient::stop(const std::string& base_url) {
  return HttpClient(base_url).request("DELETE", location_);
}

}  // namespace convene::testing
