#include "media/congestion_feedback.h"

#include <algorithm>
#include <memory>
#include <string>

#include "media/pad_util.h"
#include "media/sdp_streams.h"
#include "transport_cc.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

using Weak = std::weak_ptr<CongestionFeedback*>;

// What the probes on rtpsession's send pads need.
struct Watch {
  Weak weak;
  std::shared_ptr<DirectSender> sender;  // null when rtpsession numbers every packet
};

void delete_watch(gpointer data, GClosure*) { delete static_cast<Watch*>(data); }

// Packets numbered by a DirectSender: when and how large each was sent is
// its record, not rtpsession's (which numbered at most the retransmissions,
// with numbers the sender then replaced).
void take_send_records(DirectSender& sender, std::vector<CongestionFeedback::Reported>* packets) {
  for (auto& p : *packets) {
    DirectSender::Record record;
    if (sender.record_of(p.sequence, &record)) {
      p.local_ns = static_cast<guint64>(record.sent_us) * 1000;
      p.size = record.size;
    } else {
      p.local_ns = GST_CLOCK_TIME_NONE;
    }
  }
}

// rtpsession pushes the receiver's feedback, matched with what it sent, up
// from its send_rtp_sink pad: taken here, and no further.
GstPadProbeReturn on_upstream_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM || !gst_event_has_name(event, "RTPTWCCPackets"))
    return GST_PAD_PROBE_OK;
  const auto* watch = static_cast<const Watch*>(data);
  auto packets = CongestionFeedback::parse(gst_event_get_structure(event));
  if (watch->sender && watch->sender->numbering()) take_send_records(*watch->sender, &packets);
  MainThreadHandle<CongestionFeedback>::post(watch->weak,
                                             [packets = std::move(packets)](CongestionFeedback& self) {
                                               self.on_reported(packets, g_get_monotonic_time() / 1000);
                                             });
  return GST_PAD_PROBE_DROP;
}

void watch_send_pad(GstPad* pad, const Watch& watch) {
  static GQuark watched = g_quark_from_static_string("convene-twcc-watched");
  if (g_strcmp0(GST_PAD_NAME(pad), "send_rtp_sink") || g_object_get_qdata(G_OBJECT(pad), watched)) return;
  g_object_set_qdata(G_OBJECT(pad), watched, GINT_TO_POINTER(1));
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, new Watch(watch),
                    [](gpointer data) { delete static_cast<Watch*>(data); });
}

}  // namespace

CongestionFeedback::CongestionFeedback(GstElement* webrtcbin, std::shared_ptr<DirectSender> sender,
                                       BandwidthEstimatorConfig config)
    : name_(GST_OBJECT_NAME(webrtcbin)), estimator_(config) {
  if (sender) sender->number_transport_cc(kExtensionId, in_use_);
  // The RTP session's send pad appears with the first negotiated stream.
  g_signal_connect_data(
      webrtcbin, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer data) {
        if (g_strcmp0(factory_name(element), "rtpsession")) return;
        const Watch& watch = *static_cast<Watch*>(data);
        g_signal_connect_data(element, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer d) {
                                watch_send_pad(pad, *static_cast<Watch*>(d));
                              }),
                              new Watch(watch), delete_watch, static_cast<GConnectFlags>(0));
        g_autoptr(GstPad) existing = gst_element_get_static_pad(element, "send_rtp_sink");
        if (existing) watch_send_pad(existing, watch);
      }),
      new Watch{handle_.weak(), std::move(sender)}, delete_watch, static_cast<GConnectFlags>(0));
}

void CongestionFeedback::tag(GstPad* pad) { rtp::tag_transport_cc(pad, kExtensionId, in_use_); }

void CongestionFeedback::offer_in(GstCaps* caps) {
  const std::string field = "extmap-" + std::to_string(kExtensionId);
  for (guint i = 0; i < gst_caps_get_size(caps); ++i)
    gst_structure_set(gst_caps_get_structure(caps, i), field.c_str(), G_TYPE_STRING, rtp::kTransportCcUri,
                      "rtcp-fb-transport-cc", G_TYPE_BOOLEAN, TRUE, nullptr);
}

void CongestionFeedback::answered(const std::string& sdp) {
  const bool taken = sdp_takes_extension(sdp, rtp::kTransportCcUri);
  if (taken != in_use_->exchange(taken))
    GST_INFO("%s: the receiver %s transport-cc", name_.c_str(), taken ? "takes" : "does not take");
}

std::vector<CongestionFeedback::Reported> CongestionFeedback::parse(const GstStructure* s) {
  std::vector<Reported> out;
  const GValue* list = s ? gst_structure_get_value(s, "packets") : nullptr;
  if (!list) return out;
  // A GValueArray: deprecated, but what rtpsession builds.
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  auto* array = G_VALUE_TYPE(list) == g_value_array_get_type() ? static_cast<GValueArray*>(g_value_get_boxed(list))
                                                               : nullptr;
  std::vector<const GValue*> values;
  for (guint i = 0; array && i < array->n_values; ++i) values.push_back(g_value_array_get_nth(array, i));
  G_GNUC_END_IGNORE_DEPRECATIONS
  for (const GValue* v : values) {
    if (!GST_VALUE_HOLDS_STRUCTURE(v)) continue;
    const GstStructure* p = gst_value_get_structure(v);
    guint sequence = 0, size = 0;
    guint64 local = GST_CLOCK_TIME_NONE, remote = GST_CLOCK_TIME_NONE;
    gboolean lost = FALSE;
    if (!gst_structure_get_uint(p, "seqnum", &sequence)) continue;
    gst_structure_get_uint64(p, "local-ts", &local);
    gst_structure_get_uint64(p, "remote-ts", &remote);
    gst_structure_get_uint(p, "size", &size);
    gst_structure_get_boolean(p, "lost", &lost);
    out.push_back(Reported{static_cast<guint16>(sequence), local, remote, size, lost || remote == GST_CLOCK_TIME_NONE});
  }
  return out;
}

void CongestionFeedback::on_reported(const std::vector<Reported>& packets, int64_t now_ms) {
  std::vector<PacketFeedback> feedback;
  feedback.reserve(packets.size());
  for (const Reported& r : packets) {
    int64_t sequence = r.sequence;
    if (highest_sequence_ >= 0)
      sequence = highest_sequence_ + static_cast<int16_t>(r.sequence - static_cast<guint16>(highest_sequence_));
    if (r.local_ns == GST_CLOCK_TIME_NONE) continue;  // not one rtpsession remembers sending
    if (sequence > highest_sequence_) {
      highest_sequence_ = sequence;
      ++interval_packets_;
      if (r.lost) ++interval_lost_;
    }
    PacketFeedback p;
    p.sequence = sequence;
    p.send_time_us = static_cast<int64_t>(r.local_ns / 1000);
    p.arrival_time_us = r.lost ? 0 : static_cast<int64_t>(r.remote_ns / 1000);
    p.lost = r.lost;
    p.size_bytes = r.size;
    // What tests/unit/data/twcc-*.csv hold: "now_ms,sequence,send_us,arrival_us,lost,size".
    GST_TRACE("%s twcc %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%d,%zu",
              name_.c_str(), now_ms, p.sequence, p.send_time_us, p.arrival_time_us, p.lost ? 1 : 0, p.size_bytes);
    feedback.push_back(p);
  }
  std::sort(feedback.begin(), feedback.end(),
            [](const PacketFeedback& a, const PacketFeedback& b) { return a.sequence < b.sequence; });
  packets_reported_ += feedback.size();
  estimator_.on_feedback(feedback, now_ms);
  if (interval_start_ms_ < 0) interval_start_ms_ = now_ms;
  if (now_ms - interval_start_ms_ >= kLossIntervalMs && interval_packets_ > 0) {
    estimator_.on_loss_report(static_cast<double>(interval_lost_) / static_cast<double>(interval_packets_), now_ms);
    interval_packets_ = interval_lost_ = 0;
    interval_start_ms_ = now_ms;
  }
  GST_LOG("%s transport-cc: %zu packets, estimate %.0f bps (delay %.0f, loss %.0f, acked %.0f), %s, trend %.2f/%.2f",
          name_.c_str(), feedback.size(), estimator_.estimate_bps(), estimator_.delay_based_bps(), estimator_.loss_based_bps(),
          estimator_.acked_bps(), to_string(estimator_.state()), estimator_.trend(), estimator_.threshold());
}

}  // namespace convene::media
