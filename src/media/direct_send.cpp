#include "media/direct_send.h"

#include <atomic>
#include <memory>
#include <string>

#include "media/pad_util.h"
#include "media/srtp_outbound.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

constexpr char kDirectSendData[] = "convene-direct-send";
constexpr char kFirstRtpInput[] = "rtp_sink_0";
// Larger than any RTP packet a WebRTC connection carries (an MTU's worth).
// One that is not is dropped, not left to srtpenc: srtpenc's own session,
// with the same key but its own rollover counters, could encrypt a sequence
// number this session already had with the same keystream.
constexpr size_t kLargestPacket = 4096;

class DirectSend {
 public:
  explicit DirectSend(FindIceTarget find) : find_(std::move(find)) {}

  GstPadProbeReturn on_data(GstPad* pad, GstPadProbeInfo* info) {
    if (!srtp_ && !start(pad)) return GST_PAD_PROBE_OK;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
      send(pad, GST_PAD_PROBE_INFO_BUFFER(info));
    } else {
      GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
      for (guint i = 0; i < gst_buffer_list_length(list); ++i) send(pad, gst_buffer_list_get(list, i));
    }
    return GST_PAD_PROBE_DROP;
  }

  guint64 sent() const { return sent_.load(std::memory_order_relaxed); }

 private:
  // Once srtpenc is keyed: the session and where to send (both for good).
  bool start(GstPad* pad) {
    if (given_up_) return false;
    g_autoptr(GstElement) srtpenc = gst_pad_get_parent_element(pad);
    if (!srtpenc) return false;
    std::string why;
    auto srtp = SrtpOutbound::like(srtpenc, &why);
    if (!srtp) {
      if (!why.empty()) give_up(srtpenc, why);
      return false;
    }
    if (!find_(srtpenc, &target_) || !target_.agent) {
      give_up(srtpenc, "no ICE agent beside it");
      return false;
    }
    srtp_ = std::move(srtp);
    GST_INFO_OBJECT(srtpenc, "RTP is encrypted and sent directly (ICE stream %u, component %u)", target_.stream,
                    target_.component);
    return true;
  }

  void give_up(GstElement* srtpenc, const std::string& why) {
    given_up_ = true;
    GST_WARNING_OBJECT(srtpenc, "RTP keeps srtpenc's way: %s", why.c_str());
  }

  void send(GstPad* pad, GstBuffer* buffer) {
    if (gst_buffer_get_size(buffer) > kLargestPacket) {
      GST_WARNING_OBJECT(pad, "dropped an RTP packet of %" G_GSIZE_FORMAT " bytes (at most %zu are sent)",
                         gst_buffer_get_size(buffer), kLargestPacket);
      return;
    }
    guint8 packet[kLargestPacket + SrtpOutbound::kTrailerRoom];
    size_t size = gst_buffer_extract(buffer, 0, packet, kLargestPacket);
    if (!srtp_->protect(packet, &size)) return;
    // Unsent when the component is not connected or the socket is full, as
    // nicesink's non-blocking send leaves it; RTP is allowed to be lost.
    const gint written = nice_agent_send(target_.agent, target_.stream, target_.component, static_cast<guint>(size),
                                         reinterpret_cast<const gchar*>(packet));
    if (written == static_cast<gint>(size)) sent_.fetch_add(1, std::memory_order_relaxed);
  }

  FindIceTarget find_;
  std::unique_ptr<SrtpOutbound> srtp_;
  IceTarget target_;
  bool given_up_ = false;
  std::atomic<guint64> sent_{0};
};

void install_on(GstPad* pad, const FindIceTarget& find) {
  if (g_strcmp0(GST_PAD_NAME(pad), kFirstRtpInput) || g_object_get_data(G_OBJECT(pad), kDirectSendData)) return;
  auto* direct = new DirectSend(find);
  // The pad owns it; the probe, which cannot outlive the pad, only uses it.
  g_object_set_data_full(G_OBJECT(pad), kDirectSendData, direct, [](gpointer d) { delete static_cast<DirectSend*>(d); });
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad* p, GstPadProbeInfo* info, gpointer d) { return static_cast<DirectSend*>(d)->on_data(p, info); }, direct,
      nullptr);
}

}  // namespace

bool ice_target_of_transport(GstElement* srtpenc, IceTarget* target) {
  g_autoptr(GstObject) dtlssrtpenc = gst_object_get_parent(GST_OBJECT(srtpenc));
  g_autoptr(GstObject) send_bin = dtlssrtpenc ? gst_object_get_parent(dtlssrtpenc) : nullptr;
  if (!send_bin || !GST_IS_BIN(send_bin)) return false;
  g_autoptr(GstElement) nicesink = child_by_factory(GST_BIN(send_bin), "nicesink");
  if (!nicesink) return false;
  g_clear_object(&target->agent);
  g_object_get(nicesink, "agent", &target->agent, "stream", &target->stream, "component", &target->component, nullptr);
  return target->agent != nullptr;
}

bool send_rtp_directly(GstElement* srtpenc, FindIceTarget find) {
  if (g_strcmp0(factory_name(srtpenc), "srtpenc")) return false;
  g_autoptr(GstPad) existing = gst_element_get_static_pad(srtpenc, kFirstRtpInput);
  if (existing) install_on(existing, find);
  g_signal_connect_data(srtpenc, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                          install_on(pad, *static_cast<FindIceTarget*>(data));
                        }),
                        new FindIceTarget(std::move(find)),
                        [](gpointer data, GClosure*) { delete static_cast<FindIceTarget*>(data); },
                        static_cast<GConnectFlags>(0));
  return true;
}

guint64 packets_sent_directly(GstPad* pad) {
  auto* direct = static_cast<DirectSend*>(g_object_get_data(G_OBJECT(pad), kDirectSendData));
  return direct ? direct->sent() : 0;
}

}  // namespace convene::media
