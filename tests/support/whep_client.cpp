#include "whep_client.h"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "ice_setup.h"
#include "non_trickle_sdp.h"
#include "media/pad_util.h"

namespace convene::testing {
namespace {

void add_recvonly(GstElement* webrtc, const char* caps_text) {
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  if (trans) gst_object_unref(trans);
}

}  // namespace

WhepClient::WhepClient(WhepClientOptions options) : options_(options) {
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 50, nullptr);
  gather_only_on(webrtc_, "127.0.0.1");
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  if (options_.video)
    add_recvonly(webrtc_,
                 "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,"
                 "rtcp-fb-nack-pli=(boolean)true");
  if (options_.audio)
    add_recvonly(webrtc_,
                 "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,"
                 "encoding-params=(string)2");
  g_signal_connect(webrtc_, "pad-added", G_CALLBACK(on_pad_added), this);
  // Receiver reports about every second, as browsers send them (rtpsession's
  // default is every 5 s or so): the server hears from a viewer that often.
  if (g_autoptr(GstElement) rtpbin = media::child_by_factory(GST_BIN(webrtc_), "rtpbin"))
    g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(+[](GstElement* bin, guint session_id, guint, gpointer) {
                       GObject* session = nullptr;
                       g_signal_emit_by_name(bin, "get-internal-session", session_id, &session);
                       if (!session) return;
                       g_object_set(session, "rtcp-min-interval", static_cast<guint64>(GST_SECOND), nullptr);
                       g_object_unref(session);
                     }),
                     nullptr);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

WhepClient::~WhepClient() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

// On webrtcbin's streaming thread: depayload (and decode) what arrives, counting.
void WhepClient::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<WhepClient*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* encoding = gst_structure_get_string(s, "encoding-name");
  const bool video = encoding && g_ascii_strcasecmp(encoding, "VP8") == 0;
  std::string description;
  if (video)
    description = self->options_.decode ? "rtpvp8depay ! vp8dec name=counted ! fakesink async=false sync=false"
                                        : "rtpvp8depay name=counted ! fakesink async=false sync=false";
  else
    description = "rtpopusdepay ! opusdec name=counted ! fakesink async=false sync=false";
  GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, nullptr);
  g_autoptr(GstElement) counted = gst_bin_get_by_name(GST_BIN(bin), "counted");
  g_autoptr(GstPad) out = gst_element_get_static_pad(counted, "src");
  gst_pad_add_probe(
      out, GST_PAD_PROBE_TYPE_BUFFER,
      video ? static_cast<GstPadProbeCallback>([](GstPad* p, GstPadProbeInfo* info, gpointer d) {
        auto* me = static_cast<WhepClient*>(d);
        me->video_frames_++;
        if (me->width_.load() == 0 || me->options_.on_frame) {
          g_autoptr(GstCaps) c = gst_pad_get_current_caps(p);
          int w = 0;
          if (c && gst_structure_get_int(gst_caps_get_structure(c, 0), "width", &w)) me->width_ = w;
          if (me->options_.on_frame && c)
            me->options_.on_frame(GST_PAD_PROBE_INFO_BUFFER(info), c, me->options_.on_frame_data);
        }
        return GST_PAD_PROBE_OK;
      })
            : static_cast<GstPadProbeCallback>([](GstPad*, GstPadProbeInfo*, gpointer d) {
                static_cast<WhepClient*>(d)->audio_buffers_++;
                return GST_PAD_PROBE_OK;
              }),
      self, nullptr);
  gst_bin_add(GST_BIN(self->pipeline_), bin);
  gst_element_sync_state_with_parent(bin);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, sink);
}

std::string WhepClient::offer() { return non_trickle_offer(webrtc_); }

Response WhepClient::play(const std::string& base_url, const std::string& path,
                          const std::map<std::string, std::string>& headers) {
  std::string sdp = offer();
  std::map<std::string, std::string> h = headers;
  h["Content-Type"] = "application/sdp";
  Response r = HttpClient(base_url).request("POST", path, sdp, h);
  if (r.status != 201) return r;
  location_ = r.headers.count("location") ? r.headers["location"] : "";
  apply_answer(webrtc_, r.body);
  return r;
}

Response WhepClient::stop(const std::string& base_url) { return HttpClient(base_url).request("DELETE", location_); }

void WhepClient::vanish() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

}  // namespace convene::testing
