// What a subscriber's receiver reports about the streams the server sends
// it: the fraction lost per stream (RTCP receiver report blocks, RFC 3550)
// and, from receivers that estimate bandwidth themselves (Chromium, when
// the offer has goog-remb), the REMB estimate. Read from the internal RTP
// session of the subscribe connection's webrtcbin.
//
// Threads: the RTCP handler runs on webrtcbin's RTCP receiving thread and
// only writes this object's fields under its mutex; attach() and take()
// run on the main loop.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace convene::media {

class RtcpFeedback : public std::enable_shared_from_this<RtcpFeedback> {
 public:
  struct Reports {
    std::map<uint32_t, double> fraction_lost;  // per media SSRC, reports since the last take()
    double remb_bps = 0;                       // the latest estimate, 0: none (or older than 5 s)
  };

  // Hooks into webrtcbin's RTP session once it exists; false until then
  // (call again later).
  bool attach(GstElement* webrtcbin);
  bool attached() const { return attached_; }
  Reports take(int64_t now_us = g_get_monotonic_time());

  // Parses one compound RTCP packet (exposed for tests).
  void on_rtcp(GstBuffer* buffer);

 private:
  bool attached_ = false;
  std::mutex mutex_;
  Reports pending_;
  double remb_bps_ = 0;
  int64_t remb_at_us_ = 0;
};

}  // namespace convene::media
