#include "playback/viewer.h"

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <algorithm>

#include "ingest/whip_sdp.h"
#include "media/pad_util.h"
#include "playback/playback_log.h"

#define GST_CAT_DEFAULT convene_playback_debug

namespace convene::playback {
namespace {

// What one send-only m-line carries, in the viewer's payload type. The SSRC
// is named so the answer can signal it.
GstCaps* send_caps(const WantedLine& line, unsigned ssrc) {
  g_autofree char* text = nullptr;
  if (line.encoding == "OPUS")
    text = g_strdup_printf(
        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=%d,encoding-params=(string)2,"
        "ssrc=(uint)%u",
        line.payload_type, ssrc);
  else if (line.encoding == "H264")
    text = g_strdup_printf(
        "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=%d,rtcp-fb-nack-pli=(boolean)true,"
        "ssrc=(uint)%u",
        line.payload_type, ssrc);
  else
    text = g_strdup_printf(
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d,rtcp-fb-nack-pli=(boolean)true,"
        "ssrc=(uint)%u",
        line.payload_type, ssrc);
  return gst_caps_from_string(text);
}

}  // namespace

Viewer::Viewer(GstBin* bin, std::string name, const media::MediaSettings& settings, int timeout_sec,
               std::vector<ViewerSource> sources, Events events)
    : bin_(bin), name_(std::move(name)), timeout_sec_(std::max(1, timeout_sec)), sources_(std::move(sources)),
      events_(std::move(events)) {
  endpoint_ = std::make_unique<media::WebRtcEndpoint>(
      bin_, name_, settings, media::PeerConnection::Subscribe, [this](unsigned mline, const std::string& candidate) {
        if (candidate.empty()) {
          gathered_ = true;
        } else {
          candidates_.emplace_back(mline, candidate);
        }
        maybe_answer();
      });
  endpoint_->on_connected([this] {
    GST_INFO("%s: connected", name_.c_str());
    connected_ = true;
    for (auto& slot : slots_) {
      g_object_set(slot->forward, "connected", TRUE, nullptr);
      if (slot->source->keyframe) slot->source->keyframe();
    }
  });
  endpoint_->on_failed([this] { fail("connection_failed", "the viewer's connection failed"); });
}

Viewer::~Viewer() {
  // Off the tees first, while every branch still accepts data; then webrtcbin
  // (a push racing it returns FLUSHING, which the forwarder keeps from the
  // tee: "isolate"); then the forwarders.
  for (auto& slot : slots_) {
    if (!slot->tee_pad) continue;
    g_autoptr(GstElement) tee = gst_pad_get_parent_element(slot->tee_pad);
    if (tee) media::release_tee_pad(tee, slot->tee_pad);
    gst_object_unref(slot->tee_pad);
    slot->tee_pad = nullptr;
  }
  endpoint_->stop();
  for (auto& slot : slots_) {
    media::remove_from_bin(slot->forward);
    gst_object_unref(slot->forward);
    gst_object_unref(slot->webrtc_pad);
  }
  endpoint_.reset();
}

void Viewer::start(const std::string& offer, const std::vector<WantedLine>& lines) {
  endpoint_->answer(
      offer,
      [this](const std::string& sdp, const std::string& error) {
        if (!error.empty()) return fail("invalid_sdp", error);
        answer_ = sdp;
        link_sources();
        last_heard_us_ = g_get_monotonic_time();
        handle_.start_timer(alive_timer_, 1000, [](Viewer& self) { self.check_alive(); }, true);
        maybe_answer();
      },
      [this, lines] { prepare(lines); });
}

// The offer is set: each wanted m-line gets its transceiver a sink pad, the
// send-only direction and codec, and a forwarder.
void Viewer::prepare(const std::vector<WantedLine>& lines) {
  GstElement* webrtcbin = endpoint_->element();
  std::vector<bool> used(sources_.size(), false);
  for (const WantedLine& line : lines) {
    size_t s = 0;
    while (s < sources_.size() && (used[s] || sources_[s].kind != line.kind)) ++s;
    if (s == sources_.size()) continue;  // nothing of that kind to play: the m-line stays unused
    used[s] = true;
    auto slot = std::make_unique<Slot>();
    slot->source = &sources_[s];
    slot->ssrc = g_random_int();
    // Named after the m-line: webrtcbin gives the pad the transceiver the offer made there.
    g_autofree char* pad_name = g_strdup_printf("sink_%u", line.mline);
    slot->webrtc_pad = gst_element_request_pad_simple(webrtcbin, pad_name);
    if (!slot->webrtc_pad) {
      GST_WARNING("%s: webrtcbin gave no pad for m-line %u", name_.c_str(), line.mline);
      continue;
    }
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(slot->webrtc_pad, "transceiver", &trans, nullptr);
    if (trans) {
      g_autoptr(GstCaps) caps = send_caps(line, slot->ssrc);
      g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
                   "do-nack", line.kind == "video", nullptr);
      gst_object_unref(trans);
    }
    slot->forward = gst_element_factory_make("convenertpforward", nullptr);
    g_object_set(slot->forward, "ssrc", slot->ssrc, "payload-type", line.payload_type, "connected", FALSE, nullptr);
    gst_object_ref(slot->forward);
    gst_bin_add(bin_, slot->forward);
    g_autoptr(GstPad) fsrc = gst_element_get_static_pad(slot->forward, "src");
    gst_pad_link(fsrc, slot->webrtc_pad);
    // The viewer's PLIs and FIRs reach the forwarder straight from its RTCP
    // (media/keyframe_feedback.h).
    if (const auto& keyframes = endpoint_->keyframe_feedback()) keyframes->add_stream(slot->ssrc, slot->forward);
    gst_element_sync_state_with_parent(slot->forward);
    slots_.push_back(std::move(slot));
  }
}

// The answer is set: the forwarders are fed (they drop until connected).
void Viewer::link_sources() {
  for (auto& slot : slots_) {
    if (slot->tee_pad) continue;
    slot->tee_pad = slot->source->request_pad ? slot->source->request_pad() : nullptr;
    if (!slot->tee_pad) continue;
    g_autoptr(GstPad) fsink = gst_element_get_static_pad(slot->forward, "sink");
    if (gst_pad_link(slot->tee_pad, fsink) != GST_PAD_LINK_OK) {
      GST_WARNING("%s: cannot feed its %s slot", name_.c_str(), slot->source->kind.c_str());
      g_autoptr(GstElement) tee = gst_pad_get_parent_element(slot->tee_pad);
      if (tee) media::release_tee_pad(tee, slot->tee_pad);
      gst_object_unref(slot->tee_pad);
      slot->tee_pad = nullptr;
    }
  }
}

void Viewer::maybe_answer() {
  if (answered_ || answer_.empty() || !gathered_) return;
  answered_ = true;
  std::string full;
  try {
    full = ingest::answer_with_candidates(answer_, candidates_);
  } catch (const std::exception& e) {
    return fail("media_failed", std::string("the answer: ") + e.what());
  }
  if (events_.answered) events_.answered(full);
}

// Once a second: has the receiver said anything (RTCP) lately?
void Viewer::check_alive() {
  const int64_t now = g_get_monotonic_time();
  if (feedback_->attach(endpoint_->element())) {
    media::RtcpFeedback::Reports reports = feedback_->take(now);
    if (!reports.fraction_lost.empty()) last_heard_us_ = now;
  }
  if (now - last_heard_us_ > static_cast<int64_t>(timeout_sec_) * G_USEC_PER_SEC)
    fail("timeout", connected_ ? "the viewer stopped reporting (gone without DELETE)"
                               : "the viewer's connection did not come up");
}

void Viewer::fail(const std::string& code, const std::string& message) {
  alive_timer_.reset();
  GST_INFO("%s: %s (%s)", name_.c_str(), message.c_str(), code.c_str());
  // Later, on a fresh main-loop turn: the owner destroys the viewer there,
  // never inside one of its own (or its endpoint's) callbacks.
  media::MainThreadHandle<Viewer>::post(handle_.weak(), [code, message](Viewer& self) {
    if (self.events_.failed) self.events_.failed(code, message);  // may destroy self
  });
}

uint64_t Viewer::packets_forwarded() const {
  uint64_t total = 0;
  for (const auto& slot : slots_) {
    guint64 n = 0;
    g_object_get(slot->forward, "packets-forwarded", &n, nullptr);
    total += n;
  }
  return total;
}

}  // namespace convene::playback
