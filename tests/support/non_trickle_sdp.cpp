#include "non_trickle_sdp.h"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

namespace convene::testing {
namespace {

GstWebRTCSessionDescription* wait_sdp(GstPromise* p, const char* field) {
  GstWebRTCSessionDescription* desc = nullptr;
  if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED && gst_promise_get_reply(p))
    gst_structure_get(gst_promise_get_reply(p), field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  gst_promise_unref(p);
  return desc;
}

void set_description(GstElement* w, const char* signal, GstWebRTCSessionDescription* desc) {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(w, signal, desc, p);
  gst_promise_wait(p);
  gst_promise_unref(p);
}

}  // namespace

std::string non_trickle_offer(GstElement* webrtc) {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "create-offer", nullptr, p);
  GstWebRTCSessionDescription* desc = wait_sdp(p, "offer");
  if (!desc) return "";
  set_description(webrtc, "set-local-description", desc);
  gst_webrtc_session_description_free(desc);
  // Non-trickle: the offer goes out once every candidate is in it.
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  while (g_get_monotonic_time() < deadline) {
    g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
    if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) break;
    g_usleep(10000);
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc, "local-description", &local, nullptr);
  if (!local) return "";
  g_autofree char* text = gst_sdp_message_as_text(local->sdp);
  gst_webrtc_session_description_free(local);
  return text;
}

void apply_answer(GstElement* webrtc, const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &msg);
  GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  set_description(webrtc, "set-remote-description", answer);
  gst_webrtc_session_description_free(answer);
}

}  // namespace convene::testing
