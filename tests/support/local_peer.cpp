#include "local_peer.h"
#include "ice_setup.h"

#include <gst/sdp/sdp.h>

namespace convene::testing {

bool loop_until(int timeout_ms, const std::function<bool()>& done) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (g_get_monotonic_time() < deadline) {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    if (done()) return true;
    g_usleep(2000);
  }
  return false;
}

LocalPeer::LocalPeer() {
  pipeline_ = gst_pipeline_new(nullptr);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  gather_only_on(webrtc_, "127.0.0.1");
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

LocalPeer::~LocalPeer() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

std::string LocalPeer::publish_offer() {
  g_autoptr(GstCaps) caps =
      gst_caps_from_string("application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, caps, &trans);
  if (trans) gst_object_unref(trans);
  return describe("create-offer", "offer", "");
}

std::string LocalPeer::answer(const std::string& offer) { return describe("create-answer", "answer", offer); }

std::string LocalPeer::describe(const char* create, const char* field, const std::string& remote_offer) {
  GstPromise* p = nullptr;
  if (!remote_offer.empty()) {
    GstSDPMessage* msg = nullptr;
    gst_sdp_message_new_from_text(remote_offer.c_str(), &msg);
    GstWebRTCSessionDescription* desc = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, msg);
    p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-remote-description", desc, p);
    gst_promise_wait(p);
    gst_promise_unref(p);
    gst_webrtc_session_description_free(desc);
  }
  p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, create, nullptr, p);
  if (gst_promise_wait(p) != GST_PROMISE_RESULT_REPLIED) return "";
  GstWebRTCSessionDescription* desc = nullptr;
  gst_structure_get(gst_promise_get_reply(p), field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  gst_promise_unref(p);
  if (!desc) return "";
  p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-local-description", desc, p);
  gst_promise_wait(p);
  gst_promise_unref(p);
  g_autofree char* text = gst_sdp_message_as_text(desc->sdp);
  gst_webrtc_session_description_free(desc);
  return text;
}

}  // namespace convene::testing
