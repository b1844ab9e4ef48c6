#include "media/keyframe_feedback.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/video/video.h>

#include "media/feedback_signal.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

using SelfRef = std::weak_ptr<KeyframeFeedback>;

}  // namespace

KeyframeFeedback::~KeyframeFeedback() {
  for (auto& stream : streams_) g_weak_ref_clear(&stream->forward);
}

void KeyframeFeedback::add_stream(guint32 ssrc, GstElement* forward) {
  auto stream = std::make_unique<Stream>();
  stream->ssrc = ssrc;
  g_weak_ref_init(&stream->forward, forward);
  std::lock_guard hold(mutex_);
  streams_.push_back(std::move(stream));
}

GstElement* KeyframeFeedback::forwarder_of(guint32 ssrc) {
  std::lock_guard hold(mutex_);
  for (auto& stream : streams_)
    if (stream->ssrc == ssrc) return static_cast<GstElement*>(g_weak_ref_get(&stream->forward));
  return nullptr;
}

void KeyframeFeedback::ask(guint32 ssrc) {
  g_autoptr(GstElement) forward = forwarder_of(ssrc);
  if (!forward) return;
  g_autoptr(GstPad) src = gst_element_get_static_pad(forward, "src");
  if (!src) return;
  requests_.fetch_add(1, std::memory_order_relaxed);
  GST_LOG_OBJECT(forward, "the subscriber asks for a keyframe of %08x", ssrc);
  gst_pad_send_event(src, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void KeyframeFeedback::drop_own_requests_at(const std::shared_ptr<KeyframeFeedback>& self, GstPad* send_input) {
  gst_pad_add_probe(
      send_input, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (!gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
        auto self = static_cast<SelfRef*>(data)->lock();
        guint ssrc = 0;
        if (!self || !gst_structure_get_uint(gst_event_get_structure(event), "ssrc", &ssrc)) return GST_PAD_PROBE_OK;
        g_autoptr(GstElement) forward = self->forwarder_of(ssrc);
        // Taken to its forwarder from "on-feedback-rtcp" already.
        return forward ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
      },
      new SelfRef(self), [](gpointer d) { delete static_cast<SelfRef*>(d); });
}

void KeyframeFeedback::watch(const std::shared_ptr<KeyframeFeedback>& self, GstElement* rtpsession) {
  on_feedback_rtcp(rtpsession, [weak = SelfRef(self)](const FeedbackMessage& message) {
    if (message.type != GST_RTCP_TYPE_PSFB) return;
    auto self = weak.lock();
    if (!self) return;
    if (message.fbtype == GST_RTCP_PSFB_TYPE_PLI) {
      self->ask(message.media_ssrc);
    } else if (message.fbtype == GST_RTCP_PSFB_TYPE_FIR && message.fci) {
      // Each FCI entry: the SSRC asked for, a sequence number, padding (RFC 5104).
      GstMapInfo map;
      if (!gst_buffer_map(message.fci, &map, GST_MAP_READ)) return;
      for (gsize at = 0; at + 8 <= map.size; at += 8) self->ask(GST_READ_UINT32_BE(map.data + at));
      gst_buffer_unmap(message.fci, &map);
    }
  });
  // rtpsession sends its own requests up its send input (rtpfunnel's
  // output), which it makes when rtpbin links the sending stream.
  if (g_autoptr(GstPad) input = gst_element_get_static_pad(rtpsession, "send_rtp_sink")) {
    drop_own_requests_at(self, input);
    return;
  }
  g_signal_connect_data(rtpsession, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                          if (g_strcmp0(GST_PAD_NAME(pad), "send_rtp_sink")) return;
                          if (auto self = static_cast<SelfRef*>(data)->lock()) drop_own_requests_at(self, pad);
                        }),
                        new SelfRef(self), [](gpointer data, GClosure*) { delete static_cast<SelfRef*>(data); },
                        static_cast<GConnectFlags>(0));
}

}  // namespace convene::media
