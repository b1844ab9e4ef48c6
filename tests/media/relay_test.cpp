// A published VP8 track relayed without decoding: client webrtcbin →
// server publish webrtcbin → tee → queue → convenertpforward → server
// subscribe webrtcbin → client webrtcbin → vp8dec. Counts decoded frames and
// forwarded packets. Runs in a netns with only lo (scripts/lib/netns-run).
//
// Threads: webrtcbin promise callbacks, on-ice-candidate and pad-added run
// on GStreamer threads; the test only touches atomics and GStreamer objects
// (thread-safe) from them, and the main loop waits.
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include "convene_rtp_forward.h"

namespace {

struct Relay {
  GstElement* pipeline = nullptr;
  GstElement* pub_client = nullptr;   // offers, sends VP8
  GstElement* pub_server = nullptr;   // answers, receives
  GstElement* sub_server = nullptr;   // offers, sends the forwarded track
  GstElement* sub_client = nullptr;   // answers, decodes
  GstElement* tee = nullptr;
  GstElement* forward = nullptr;
  std::atomic<int> frames{0};
  std::atomic<bool> sub_started{false};
  std::chrono::steady_clock::time_point sub_answered;
  std::atomic<double> first_frame_ms{-1};
};

GstElement* make_webrtcbin(GstElement* pipeline, const char* name) {
  GstElement* w = gst_element_factory_make("webrtcbin", name);
  g_object_set(w, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 50u, nullptr);
  gst_bin_add(GST_BIN(pipeline), w);
  GstWebRTCICE* ice = nullptr;
  g_object_get(w, "ice-agent", &ice, nullptr);
  gboolean ok = FALSE;
  g_signal_emit_by_name(ice, "add-local-ip-address", "127.0.0.1", &ok);
  g_object_unref(ice);
  return w;
}

// Trickle ICE straight into the other webrtcbin.
void connect_ice(GstElement* a, GstElement* b) {
  auto cb = +[](GstElement*, guint mline, gchar* candidate, gpointer other) {
    g_signal_emit_by_name(GST_ELEMENT(other), "add-ice-candidate", mline, candidate);
  };
  g_signal_connect(a, "on-ice-candidate", G_CALLBACK(cb), b);
  g_signal_connect(b, "on-ice-candidate", G_CALLBACK(cb), a);
}

GstWebRTCSessionDescription* reply_sdp(GstPromise* p, const char* field) {
  const GstStructure* r = gst_promise_get_reply(p);
  GstWebRTCSessionDescription* desc = nullptr;
  gst_structure_get(r, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, nullptr);
  return desc;
}

// offerer creates an offer, answerer answers; all on webrtcbin threads.
struct Negotiation {
  GstElement* offerer;
  GstElement* answerer;
  Relay* relay;
  bool is_subscribe;
};

void on_answer(GstPromise* p, gpointer data) {
  auto* n = static_cast<Negotiation*>(data);
  GstWebRTCSessionDescription* answer = reply_sdp(p, "answer");
  gst_promise_unref(p);
  ASSERT_NE(answer, nullptr);
  g_signal_emit_by_name(n->answerer, "set-local-description", answer, nullptr);
  g_signal_emit_by_name(n->offerer, "set-remote-description", answer, nullptr);
  if (n->is_subscribe) n->relay->sub_answered = std::chrono::steady_clock::now();
  gst_webrtc_session_description_free(answer);
  delete n;
}

void on_offer(GstPromise* p, gpointer data) {
  auto* n = static_cast<Negotiation*>(data);
  GstWebRTCSessionDescription* offer = reply_sdp(p, "offer");
  gst_promise_unref(p);
  ASSERT_NE(offer, nullptr);
  g_signal_emit_by_name(n->offerer, "set-local-description", offer, nullptr);
  g_signal_emit_by_name(n->answerer, "set-remote-description", offer, nullptr);
  gst_webrtc_session_description_free(offer);
  g_signal_emit_by_name(n->answerer, "create-answer", nullptr,
                        gst_promise_new_with_change_func(on_answer, n, nullptr));
}

void negotiate(Relay* r, GstElement* offerer, GstElement* answerer, bool is_subscribe) {
  auto* n = new Negotiation{offerer, answerer, r, is_subscribe};
  g_signal_emit_by_name(offerer, "create-offer", nullptr, gst_promise_new_with_change_func(on_offer, n, nullptr));
}

void on_frame(GstElement*, GstBuffer*, GstPad*, gpointer d) {
  using Ms = std::chrono::duration<double, std::milli>;
  auto* relay = static_cast<Relay*>(d);
  if (relay->frames.fetch_add(1) == 0)
    relay->first_frame_ms = Ms(std::chrono::steady_clock::now() - relay->sub_answered).count();
}

// The subscriber client decodes what arrives.
void on_sub_client_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* r = static_cast<Relay*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement* bin = gst_parse_bin_from_description(
      "rtpvp8depay ! vp8dec ! fakesink name=count signal-handoffs=true sync=false", TRUE, nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "count");
  g_signal_connect(sink, "handoff", G_CALLBACK(on_frame), r);
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(r->pipeline), bin);
  gst_element_sync_state_with_parent(bin);
  GstPad* sinkpad = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

// The server's publish webrtcbin produced the track: tee it and build the
// subscriber branch, then negotiate the subscribe connection.
void on_pub_server_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* r = static_cast<Relay*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC || r->sub_started.exchange(true)) return;
  r->tee = gst_element_factory_make("tee", nullptr);
  g_object_set(r->tee, "allow-not-linked", TRUE, nullptr);
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  r->forward = gst_element_factory_make("convenertpforward", nullptr);
  g_object_set(r->forward, "ssrc", 424242u, nullptr);
  gst_bin_add_many(GST_BIN(r->pipeline), r->tee, queue, r->forward, nullptr);
  GstPad* teesink = gst_element_get_static_pad(r->tee, "sink");
  gst_pad_link(pad, teesink);
  gst_object_unref(teesink);
  gst_element_link_many(r->tee, queue, r->forward, nullptr);

  GstCaps* caps = gst_caps_from_string(
      "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
  GstPad* wsink = gst_element_request_pad_simple(r->sub_server, "sink_%u");
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(wsink, "transceiver", &trans, nullptr);
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               nullptr);
  gst_object_unref(trans);
  gst_caps_unref(caps);
  GstPad* fsrc = gst_element_get_static_pad(r->forward, "src");
  gst_pad_link(fsrc, wsink);
  gst_object_unref(fsrc);
  gst_object_unref(wsink);
  gst_element_sync_state_with_parent(r->forward);
  gst_element_sync_state_with_parent(queue);
  gst_element_sync_state_with_parent(r->tee);
  negotiate(r, r->sub_server, r->sub_client, true);
}

TEST(MediaRelay, ForwardsVp8ThroughTwoWebrtcbinsWithoutDecoding) {
  ASSERT_TRUE(convene_rtp_forward_register(nullptr));
  Relay r;
  r.pipeline = gst_pipeline_new("relay");
  r.pub_client = make_webrtcbin(r.pipeline, "pub_client");
  r.pub_server = make_webrtcbin(r.pipeline, "pub_server");
  r.sub_server = make_webrtcbin(r.pipeline, "sub_server");
  r.sub_client = make_webrtcbin(r.pipeline, "sub_client");
  connect_ice(r.pub_client, r.pub_server);
  connect_ice(r.sub_server, r.sub_client);

  GstElement* src = gst_parse_bin_from_description(
      "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp8enc deadline=1 keyframe-max-dist=3000 ! rtpvp8pay ! "
      "application/x-rtp,media=video,encoding-name=VP8,payload=96",
      TRUE, nullptr);
  gst_bin_add(GST_BIN(r.pipeline), src);
  {
    // Codec preferences make the offer independent of when caps arrive.
    GstPad* psink = gst_element_request_pad_simple(r.pub_client, "sink_%u");
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(psink, "transceiver", &trans, nullptr);
    GstCaps* caps = gst_caps_from_string(
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
                 nullptr);
    gst_caps_unref(caps);
    gst_object_unref(trans);
    GstPad* ssrc_pad = gst_element_get_static_pad(src, "src");
    ASSERT_EQ(gst_pad_link(ssrc_pad, psink), GST_PAD_LINK_OK);
    gst_object_unref(ssrc_pad);
    gst_object_unref(psink);
  }

  g_signal_connect(r.pub_server, "pad-added", G_CALLBACK(on_pub_server_pad), &r);
  g_signal_connect(r.sub_client, "pad-added", G_CALLBACK(on_sub_client_pad), &r);
  ASSERT_NE(gst_element_set_state(r.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  negotiate(&r, r.pub_client, r.pub_server, false);

  // Wait (bounded) for 60 decoded frames, iterating the default context.
  GMainContext* ctx = g_main_context_default();
  const gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (r.frames < 60 && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, FALSE);
    g_usleep(10000);
  }
  guint64 packets = 0, dropped = 0, kf = 0;
  if (r.forward) g_object_get(r.forward, "packets-forwarded", &packets, "packets-dropped", &dropped, "keyframe-requests", &kf, nullptr);
  std::printf("frames decoded %d, forwarded packets %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT
              ", keyframe requests %" G_GUINT64_FORMAT ", first frame %.0f ms after the subscribe answer\n",
              r.frames.load(), packets, dropped, kf, r.first_frame_ms.load());
  EXPECT_GE(r.frames.load(), 60);
  EXPECT_GT(packets, 0u);
  gst_element_set_state(r.pipeline, GST_STATE_NULL);
  gst_object_unref(r.pipeline);
}

}  // namespace
