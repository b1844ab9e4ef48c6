// One published track of a room: who sends it (peer, mid, source), the `tee`
// every subscriber branch hangs off, and for audio the level meter that feeds
// active-speaker detection.
//
// Keyframe requests (every subscriber's, and request_keyframe()) all pass
// one KeyframeLimiter per track on their way to the publisher.
//
// Threads: main loop only, except the tee's upstream-event probe, which runs
// on whichever subscriber's thread asks for a keyframe (the limiter is
// shared under a mutex). The tee is created by the publish connection on
// the streaming thread that announced the pad (it must be linked before the
// first buffer); from then on this object owns what hangs off it.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "media/keyframe_limiter.h"
#include "media/room_media.h"

namespace convene::media {

class Publication {
 public:
  // `tee` is already in `pipeline` and linked to the publisher's webrtcbin.
  Publication(GstBin* pipeline, TrackInfo info, GstElement* tee, std::string encoding_name, unsigned serial);
  ~Publication();
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  const TrackInfo& info() const { return info_; }
  void set_muted(bool muted) { info_.muted = muted; }
  const std::string& encoding_name() const { return encoding_name_; }
  GstElement* tee() const { return tee_; }
  // The bin measuring loudness (audio only), named "level-<serial>" on the bus.
  unsigned serial() const { return serial_; }

  // A new src pad of the tee (a reference the caller owns).
  GstPad* request_pad();
  // Unlinks `pad` once no buffer passes and releases it (asynchronously).
  void release_pad(GstPad* pad);
  // Asks the publisher for a keyframe (webrtcbin turns it into RTCP PLI),
  // unless one was asked for within the limiter's interval.
  void request_keyframe();
  // Keyframe requests passed to the publisher / combined with one already sent.
  uint64_t keyframe_requests_sent() const;
  uint64_t keyframe_requests_combined() const;
  // RTP packets received from the publisher so far.
  uint64_t packets_received() const { return counter_->load(); }

 private:
  TrackInfo info_;
  GstElement* tee_;  // our reference; the publish connection stops it
  std::string encoding_name_;
  unsigned serial_;
  GstPad* level_pad_ = nullptr;      // the tee pad feeding the level meter
  GstElement* level_bin_ = nullptr;  // depay ! decode ! level ! fakesink, on the publisher thread
  // Counted by a probe on the tee (a streaming thread); shared so a probe
  // that outlives this object still writes to live memory.
  std::shared_ptr<std::atomic<uint64_t>> counter_ = std::make_shared<std::atomic<uint64_t>>(0);
  struct KeyframeGate {
    std::mutex mutex;
    KeyframeLimiter limiter;
  };
  // Shared with the probe for the same reason as counter_.
  std::shared_ptr<KeyframeGate> keyframes_ = std::make_shared<KeyframeGate>();
};

}  // namespace convene::media
