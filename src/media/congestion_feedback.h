// transport-cc on one subscribe connection: every packet the server sends
// carries a transport-wide sequence number, the receiver reports when each
// arrived (RTCP transport-cc feedback, Chromium and GStreamer alike), and a
// BandwidthEstimator turns those reports into an estimate of what the
// subscriber's link carries.
//
// How it rides webrtcbin 1.22: offer_in() names the extension in a send-only
// m-line's codec preferences (webrtcbin offers "rtcp-fb transport-cc" on
// every format by itself); every packet into the webrtcbin gets the empty
// extension (plugins/transport_cc.h: a probe on each slot's forwarder
// output, tag()), which rtpsession numbers; rtpsession matches the feedback with what it sent and pushes the
// result upstream as a custom event "RTPTWCCPackets" from its send_rtp_sink
// pad, where a probe takes it (and stops it: it would otherwise travel up
// every forwarder into the publishers' pipelines). With a DirectSender
// (direct_send.h), the forwarded packets never reach rtpsession: the sender
// numbers them as it sends them, and the times and sizes the feedback is
// matched with are its records (rtpsession still parses the feedback).
//
// Threads: constructed, fed and read on the main loop. webrtcbin's
// deep-element-added and pad-added run on whichever thread adds them; the
// feedback probe runs on webrtcbin's RTCP receiving thread and only posts
// the parsed packets to the main loop through a weak handle.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/bandwidth_estimator.h"
#include "media/direct_send.h"
#include "media/main_thread.h"

namespace convene::media {

class CongestionFeedback {
 public:
  // The one-byte header extension id offered for transport-cc.
  static constexpr guint8 kExtensionId = 3;
  // How often the share of packets reported lost becomes a loss report.
  static constexpr int64_t kLossIntervalMs = 1000;

  // Attaches to `webrtcbin` (a sending connection) before it has any pad.
  // With `sender`, forwarded packets are numbered there and its records say
  // when each was sent (direct_send.h).
  explicit CongestionFeedback(GstElement* webrtcbin, std::shared_ptr<DirectSender> sender = nullptr,
                              BandwidthEstimatorConfig config = {});
  CongestionFeedback(const CongestionFeedback&) = delete;
  CongestionFeedback& operator=(const CongestionFeedback&) = delete;

  // Adds the transport-cc extension to a send-only m-line's codec preferences.
  static void offer_in(GstCaps* caps);
  // Every packet leaving `pad` (a slot's forwarder output, linked into this
  // webrtcbin) carries the extension while the receiver takes it, and its
  // caps name it.
  void tag(GstPad* pad);
  // The receiver's answer: whether it took the extension. A receiver that
  // did not sends no feedback, and packets then go out without it (see
  // plugins/transport_cc.h: rtpsession would keep a record of each).
  void answered(const std::string& sdp);
  bool in_use() const { return in_use_->load(); }

  double estimate_bps() const { return estimator_.estimate_bps(); }
  const BandwidthEstimator& estimator() const { return estimator_; }
  uint64_t packets_reported() const { return packets_reported_; }

  // One feedback as rtpsession reports it (exposed for tests): the packets'
  // 16-bit sequence numbers are unwrapped here.
  struct Reported {
    guint16 sequence;
    guint64 local_ns;   // when rtpsession sent it (GST_CLOCK_TIME_NONE: not matched)
    guint64 remote_ns;  // the receiver's arrival time (GST_CLOCK_TIME_NONE: lost)
    guint size;
    bool lost;
  };
  void on_reported(const std::vector<Reported>& packets, int64_t now_ms);
  // Parses the "RTPTWCCPackets" structure (any thread).
  static std::vector<Reported> parse(const GstStructure* s);

 private:
  std::string name_;  // the webrtcbin's, for logs
  // Read by every sink pad's probe; until an answer says, in use.
  std::shared_ptr<std::atomic<bool>> in_use_ = std::make_shared<std::atomic<bool>>(true);
  BandwidthEstimator estimator_;
  int64_t highest_sequence_ = -1;  // unwrapped
  uint64_t packets_reported_ = 0;
  uint64_t interval_packets_ = 0, interval_lost_ = 0;
  int64_t interval_start_ms_ = -1;
  MainThreadHandle<CongestionFeedback> handle_{this};
};

}  // namespace convene::media
