// A subscriber's keyframe requests (RTCP PLI and FIR), each taken straight
// to the forwarder of the stream it names.
//
// Why: rtpsession (GStreamer 1.22) acts on a receiver's PLI or FIR only when
// that receiver's previous one, about any stream, came at least two round
// trips earlier (`rtp_session_request_local_key_unit` keeps one time per
// sending source). A browser asks for each stream in an RTCP packet of its
// own, all from the connection's one SSRC, so when several pictures break
// at once (a loss on the subscriber's link, several publishers starting) it
// passed on the first request and dropped the others: those pictures
// stayed broken until the browser asked again, which could meet the same
// fate. (Reproduced by `SfuSendPath.ThreeParticipants…` in sfu_test: three
// PLIs in one RTCP packet, one passed on.) Its requests also reached a forwarder
// only through rtpfunnel, which drops an upstream event for an SSRC it has
// not mapped to an input.
//
// How: rtpsession emits "on-feedback-rtcp" for every feedback packet it
// receives, before deciding anything; each PLI, and each FIR entry, about a
// stream a forwarder sends here becomes a keyframe request on that
// forwarder's src pad, where the forwarder applies its own limit (one
// request per keyframe-min-interval, per layer) and the publication's
// limiter combines the subscribers' requests. rtpsession's own request for
// such a stream (the same PLI, if it let it through) is dropped at its send
// input, so each request takes one way.
//
// Threads: add_stream() runs on the main loop (a slot is made); the signal
// handler and the probe on rtpsession's RTCP receiving thread; a mutex keeps
// the streams.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace convene::media {

class KeyframeFeedback {
 public:
  KeyframeFeedback() = default;
  ~KeyframeFeedback();
  KeyframeFeedback(const KeyframeFeedback&) = delete;
  KeyframeFeedback& operator=(const KeyframeFeedback&) = delete;

  // The connection's rtpsession (webrtcbin's thread, as rtpbin makes it).
  static void watch(const std::shared_ptr<KeyframeFeedback>& self, GstElement* rtpsession);
  // `forward` sends the stream `ssrc` on this connection (held weakly: the
  // forwarder lives as long as the subscriber's slot).
  void add_stream(guint32 ssrc, GstElement* forward);
  // Requests taken to a forwarder so far (before its own limit).
  guint64 requests() const { return requests_.load(std::memory_order_relaxed); }

 private:
  // The forwarder of `ssrc` (a new reference), or null.
  GstElement* forwarder_of(guint32 ssrc);
  // A keyframe request on the forwarder of `ssrc`, when a forwarder sends it.
  void ask(guint32 ssrc);
  // Drops rtpsession's own keyframe requests about a forwarder's stream on
  // their way up its send input.
  static void drop_own_requests_at(const std::shared_ptr<KeyframeFeedback>& self, GstPad* send_input);

  struct Stream {
    guint32 ssrc;
    GWeakRef forward;
  };
  std::mutex mutex_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::atomic<guint64> requests_{0};
};

}  // namespace convene::media
