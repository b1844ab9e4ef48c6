#include "media/send_stream_announcer.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

constexpr char kAnnouncerData[] = "convene-send-stream-announcer";

struct SendStream {
  guint ssrc;
  gint clock_rate;
  gint payload;  // -1: not named
};

// What rtpsession needs of an input's caps: its SSRC and clock rate.
std::optional<SendStream> stream_named_by(GstCaps* caps) {
  if (!caps || gst_caps_is_empty(caps)) return std::nullopt;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  SendStream stream{0, 0, -1};
  if (!gst_structure_get_uint(s, "ssrc", &stream.ssrc) || !gst_structure_get_int(s, "clock-rate", &stream.clock_rate) ||
      stream.clock_rate <= 0)
    return std::nullopt;
  gst_structure_get_int(s, "payload", &stream.payload);
  return stream;
}

class SendStreamAnnouncer {
 public:
  // `output`: the funnel's src pad; the funnel owns it and every probe.
  explicit SendStreamAnnouncer(GstPad* output) : output_(output) {}

  // An input's caps, on their way into rtpfunnel (which keeps them).
  void input_caps(GstCaps* caps) {
    const auto stream = stream_named_by(caps);
    if (!stream) return;
    GST_PAD_STREAM_LOCK(output_);
    g_autoptr(GstEvent) sent = gst_pad_get_sticky_event(output_, GST_EVENT_CAPS, 0);
    if (!sent) {
      std::lock_guard<std::mutex> hold(lock_);
      pending_.push_back(*stream);  // told when the funnel's first caps go out
    } else if (g_autoptr(GstPad) peer = gst_pad_get_peer(output_)) {
      GstCaps* own = nullptr;
      gst_event_parse_caps(sent, &own);
      tell(peer, own, *stream, "the funnel has sent its caps");
      // The funnel's own caps again: every pad downstream ends as it was.
      gst_pad_send_event(peer, gst_event_ref(sent));
    }
    GST_PAD_STREAM_UNLOCK(output_);
  }

  // rtpfunnel's own caps, on their way out (before its first packet).
  void output_caps(GstCaps* own) {
    std::vector<SendStream> streams;
    {
      std::lock_guard<std::mutex> hold(lock_);
      streams.swap(pending_);
    }
    if (streams.empty()) return;
    g_autoptr(GstPad) peer = gst_pad_get_peer(output_);
    if (!peer) return;
    for (const SendStream& stream : streams) tell(peer, own, stream, "before the funnel's first caps");
    // rtpfunnel's caps follow at once, as the probe returns.
  }

 private:
  static void tell(GstPad* peer, GstCaps* own, const SendStream& stream, const char* when) {
    g_autoptr(GstCaps) named = gst_caps_copy(own);
    gst_caps_set_simple(named, "ssrc", G_TYPE_UINT, stream.ssrc, "clock-rate", G_TYPE_INT, stream.clock_rate, nullptr);
    if (stream.payload >= 0) gst_caps_set_simple(named, "payload", G_TYPE_INT, stream.payload, nullptr);
    GstEvent* event = gst_event_new_caps(named);
    if (gst_pad_send_event(peer, event))
      GST_DEBUG_OBJECT(peer, "told rtpsession of SSRC %u at %d Hz (%s)", stream.ssrc, stream.clock_rate, when);
    else
      GST_INFO_OBJECT(peer, "could not tell rtpsession of SSRC %u: its first report asks for the clock rate",
                      stream.ssrc);
  }

  GstPad* output_;
  std::mutex lock_;
  std::vector<SendStream> pending_;
};

using SharedAnnouncer = std::shared_ptr<SendStreamAnnouncer>;

void release(gpointer data) { delete static_cast<SharedAnnouncer*>(data); }

// A probe handing the caps events it sees to `Take` (the input's or the output's side).
template <void (SendStreamAnnouncer::*Take)(GstCaps*)>
GstPadProbeReturn on_caps(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    ((**static_cast<SharedAnnouncer*>(data)).*Take)(caps);
  }
  return GST_PAD_PROBE_OK;
}

void watch_input(GstPad* pad, const SharedAnnouncer& announcer) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SINK) return;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_caps<&SendStreamAnnouncer::input_caps>,
                    new SharedAnnouncer(announcer), release);
}

}  // namespace

bool announce_send_streams(GstElement* rtpfunnel) {
  if (g_object_get_data(G_OBJECT(rtpfunnel), kAnnouncerData)) return false;
  g_autoptr(GstPad) output = gst_element_get_static_pad(rtpfunnel, "src");
  if (!output) return false;
  g_object_set_data(G_OBJECT(rtpfunnel), kAnnouncerData, GINT_TO_POINTER(1));
  auto announcer = std::make_shared<SendStreamAnnouncer>(output);
  gst_pad_add_probe(output, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_caps<&SendStreamAnnouncer::output_caps>,
                    new SharedAnnouncer(announcer), release);
  g_signal_connect_data(rtpfunnel, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                          watch_input(pad, *static_cast<SharedAnnouncer*>(data));
                        }),
                        new SharedAnnouncer(announcer), [](gpointer data, GClosure*) { release(data); },
                        static_cast<GConnectFlags>(0));
  gst_element_foreach_sink_pad(
      rtpfunnel,
      [](GstElement*, GstPad* pad, gpointer data) -> gboolean {
        watch_input(pad, *static_cast<SharedAnnouncer*>(data));
        return TRUE;
      },
      &announcer);
  return true;
}

}  // namespace convene::media
