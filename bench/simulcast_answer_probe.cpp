// Can webrtcbin 1.22 receive real simulcast (one m-line, a=rid/a=simulcast)
// when its answer is completed by hand? A probe for issue #15 section 1, not a
// test. Driven by bench/simulcast-answer-probe.mjs (Chromium publishes three
// encodings q/h/f of one camera):
//   stdin:  Chromium's offer (every candidate in it), ended by EOF
//   stdout: webrtcbin's own answer between BEFORE-BEGIN/-END, the answer sent
//           (all candidates in it) between ANSWER-BEGIN/-END, then
//           "REPORT ..." lines after `seconds` (argv[1], default 8)
// The answer is webrtcbin's own from create-answer, completed with
// GstSDPMessage: the offer's rid and repaired-rid extmaps, `a=rid:<id> recv`
// for each `a=rid:<id> send` of the offer, and `a=simulcast:recv <ids>`.
// `--twcc` (argv[2]) also copies the transport-cc extmap.
// What it prints: every SSRC rtpbin saw, every src pad webrtcbin added (its
// SSRC and transceiver), packets per SSRC reaching each pad and the RID /
// repaired-RID header extension values they carry, and what a VP8 decoder
// behind each pad decoded.
//   scripts/lib/netns-run node bench/simulcast-answer-probe.mjs   (from the worktree)
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ice_setup.h"

namespace {

struct Seen {
  std::mutex lock;
  std::set<guint> rtpbin_ssrcs;                    // on-new-ssrc of the internal session
  std::vector<std::string> pads;                   // "src_N ssrc=... mid=..."
  std::map<std::string, std::map<guint, guint64>> packets;  // pad → ssrc → packets
  std::map<std::string, std::pair<guint64, int>> frames;  // pad → frames decoded, width
  std::map<guint, std::string> rid_of;             // ssrc → RID extension value
  std::map<guint, std::string> rrid_of;            // ssrc → repaired-RID value
  int rid_ext = 0, rrid_ext = 0;
};
Seen seen;

std::string ext_string(GstRTPBuffer* rtp, int id) {
  gpointer data = nullptr;
  guint size = 0;
  if (id > 0 && gst_rtp_buffer_get_extension_onebyte_header(rtp, id, 0, &data, &size))
    return std::string(static_cast<const char*>(data), size);
  return "";
}

GstPadProbeReturn count_packet(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
  guint ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  std::lock_guard<std::mutex> g(seen.lock);
  std::string rid = ext_string(&rtp, seen.rid_ext), rrid = ext_string(&rtp, seen.rrid_ext);
  gst_rtp_buffer_unmap(&rtp);
  seen.packets[GST_PAD_NAME(pad)][ssrc]++;
  if (!rid.empty()) seen.rid_of[ssrc] = rid;
  if (!rrid.empty()) seen.rrid_of[ssrc] = rrid;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn count_frame(GstPad* pad, GstPadProbeInfo*, gpointer data) {
  int width = 0;
  if (g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad))
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &width);
  std::lock_guard<std::mutex> g(seen.lock);
  auto& f = seen.frames[static_cast<const char*>(data)];
  f.first++;
  f.second = width;
  return GST_PAD_PROBE_OK;
}

void on_pad_added(GstElement* webrtc, GstPad* pad, gpointer) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  guint session = 0, ssrc = 0, pt = 0;
  if (GST_IS_GHOST_PAD(pad))
    if (g_autoptr(GstPad) target = gst_ghost_pad_get_target(GST_GHOST_PAD(pad)))
      sscanf(GST_PAD_NAME(target), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt);
  g_autofree char* mid = nullptr;
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(pad, "transceiver", &trans, nullptr);
  if (trans) {
    g_object_get(trans, "mid", &mid, nullptr);
    gst_object_unref(trans);
  }
  {
    std::lock_guard<std::mutex> g(seen.lock);
    seen.pads.push_back(std::string(GST_PAD_NAME(pad)) + " ssrc=" + std::to_string(ssrc) + " pt=" +
                        std::to_string(pt) + " mid=" + (mid ? mid : "?"));
  }
  // Each stream decoded on its own: frames and their width per pad.
  GstElement* sink = gst_parse_bin_from_description(
      "rtpvp8depay ! vp8dec name=dec ! fakesink sync=false async=false", TRUE, nullptr);
  g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(webrtc));
  gst_bin_add(GST_BIN(parent), sink);
  gst_element_sync_state_with_parent(sink);
  g_autoptr(GstElement) dec = gst_bin_get_by_name(GST_BIN(sink), "dec");
  g_autoptr(GstPad) decoded = gst_element_get_static_pad(dec, "src");
  gst_pad_add_probe(decoded, GST_PAD_PROBE_TYPE_BUFFER, count_frame, g_strdup(GST_PAD_NAME(pad)), g_free);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_packet, nullptr, nullptr);
  gst_pad_link(pad, sinkpad);
}

void on_new_ssrc(GstElement*, guint, guint ssrc, gpointer) {
  std::lock_guard<std::mutex> g(seen.lock);
  seen.rtpbin_ssrcs.insert(ssrc);
}

GstWebRTCSessionDescription* wait_reply(GstPromise* p, const char* field) {
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
  if (const GstStructure* reply = gst_promise_get_reply(p)) {
    GError* error = nullptr;
    if (gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr) && error) {
      std::printf("REPORT %s failed: %s\n", signal, error->message);
      g_error_free(error);
    }
  }
  gst_promise_unref(p);
}

// The answer's video m-line completed from the offer's: rid extmaps, rid
// lines (send → recv), simulcast (send → recv).
void complete_simulcast(const GstSDPMessage* offer, GstSDPMessage* answer, bool with_twcc) {
  for (guint i = 0; i < gst_sdp_message_medias_len(answer) && i < gst_sdp_message_medias_len(offer); ++i) {
    const GstSDPMedia* om = gst_sdp_message_get_media(offer, i);
    auto* am = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(answer, i));
    if (g_strcmp0(gst_sdp_media_get_media(om), "video") != 0) continue;
    std::set<std::string> answer_extmaps;
    for (guint a = 0; a < gst_sdp_media_attributes_len(am); ++a) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(am, a);
      if (g_strcmp0(attr->key, "extmap") == 0 && attr->value) answer_extmaps.insert(attr->value);
    }
    std::vector<std::string> rids;
    for (guint a = 0; a < gst_sdp_media_attributes_len(om); ++a) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(om, a);
      std::string key = attr->key, value = attr->value ? attr->value : "";
      // With --twcc: the transport-cc extmap too (webrtcbin's answer keeps
      // `rtcp-fb transport-cc` but no extmap), so that the browser's
      // estimate can grow past its start value.
      if (with_twcc && key == "extmap" && value.find("transport-wide-cc") != std::string::npos) {
        if (!answer_extmaps.count(value)) gst_sdp_media_add_attribute(am, "extmap", value.c_str());
      } else if (key == "extmap" && (value.find("rtp-stream-id") != std::string::npos)) {
        int id = std::stoi(value);
        std::lock_guard<std::mutex> g(seen.lock);
        (value.find("repaired-rtp-stream-id") != std::string::npos ? seen.rrid_ext : seen.rid_ext) = id;
        if (!answer_extmaps.count(value)) gst_sdp_media_add_attribute(am, "extmap", value.c_str());
      } else if (key == "rid") {
        auto space = value.find(' ');
        std::string id = value.substr(0, space);
        rids.push_back(id);
        gst_sdp_media_add_attribute(am, "rid", (id + " recv").c_str());
      }
    }
    if (!rids.empty()) {
      std::string list;
      for (const auto& r : rids) list += (list.empty() ? "" : ";") + r;
      gst_sdp_media_add_attribute(am, "simulcast", ("recv " + list).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int seconds = argc > 1 ? std::atoi(argv[1]) : 8;
  bool with_twcc = argc > 2 && std::string(argv[2]) == "--twcc";
  std::string offer_text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());

  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* webrtc = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  convene::testing::gather_only_on(webrtc, "127.0.0.1");
  gst_bin_add(GST_BIN(pipeline), webrtc);
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_pad_added), nullptr);
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(webrtc));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    if (GstElementFactory* f = gst_element_get_factory(e); f && g_strcmp0(GST_OBJECT_NAME(f), "rtpbin") == 0)
      g_signal_connect(e, "on-new-ssrc", G_CALLBACK(on_new_ssrc), nullptr);
    g_value_reset(&item);
  }
  gst_iterator_free(it);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  GstSDPMessage* offer_sdp = nullptr;
  gst_sdp_message_new_from_text(offer_text.c_str(), &offer_sdp);
  GstSDPMessage* offer_copy = nullptr;
  gst_sdp_message_copy(offer_sdp, &offer_copy);
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, offer_sdp);
  set_description(webrtc, "set-remote-description", offer);

  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "create-answer", nullptr, p);
  GstWebRTCSessionDescription* answer = wait_reply(p, "answer");
  if (!answer) {
    std::printf("REPORT create-answer gave nothing\n");
    return 1;
  }
  g_autofree char* before = gst_sdp_message_as_text(answer->sdp);
  complete_simulcast(offer_copy, answer->sdp, with_twcc);
  set_description(webrtc, "set-local-description", answer);
  gst_webrtc_session_description_free(answer);

  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  while (g_get_monotonic_time() < deadline && state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) {
    g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
    g_usleep(10000);
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc, "local-description", &local, nullptr);
  g_autofree char* text = gst_sdp_message_as_text(local->sdp);
  gst_webrtc_session_description_free(local);
  std::printf("BEFORE-BEGIN\n%sBEFORE-END\n", before);
  std::printf("ANSWER-BEGIN\n%sANSWER-END\n", text);
  std::fflush(stdout);

  g_usleep(seconds * G_USEC_PER_SEC);
  {
    std::lock_guard<std::mutex> g(seen.lock);
    std::printf("REPORT rid extension id %d, repaired-rid id %d\n", seen.rid_ext, seen.rrid_ext);
    std::printf("REPORT rtpbin saw %zu ssrcs:", seen.rtpbin_ssrcs.size());
    for (guint s : seen.rtpbin_ssrcs) std::printf(" %u", s);
    std::printf("\n");
    for (const auto& pad : seen.pads) std::printf("REPORT pad %s\n", pad.c_str());
    for (const auto& [pad, per_ssrc] : seen.packets)
      for (const auto& [ssrc, n] : per_ssrc)
        std::printf("REPORT pad %s: ssrc %u packets %lu rid=%s repaired-rid=%s\n", pad.c_str(), ssrc,
                    static_cast<unsigned long>(n), seen.rid_of.count(ssrc) ? seen.rid_of[ssrc].c_str() : "-",
                    seen.rrid_of.count(ssrc) ? seen.rrid_of[ssrc].c_str() : "-");
    for (const auto& [pad, f] : seen.frames)
      std::printf("REPORT pad %s: %lu frames decoded, %d wide\n", pad.c_str(), static_cast<unsigned long>(f.first),
                  f.second);
  }
  std::fflush(stdout);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  gst_sdp_message_free(offer_copy);
  return 0;
}
