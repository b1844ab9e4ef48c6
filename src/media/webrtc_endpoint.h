// One server-side webrtcbin: a participant's publish or subscribe
// connection. Owns the element inside the room's pipeline, configures ICE
// from [media], and turns webrtcbin's asynchronous operations (promises,
// on-ice-candidate) into callbacks on the main loop.
//
// Threads: every method and every callback handed in runs on the main loop.
// webrtcbin's promise callbacks and on-ice-candidate run on webrtcbin's own
// thread. A promise callback there asks for the next operation of its chain
// at once (set-remote → create-answer → set-local; create-offer → set-local)
// and only the chain's result is posted to the main loop, through a weak
// handle, so a result that arrives after the endpoint is gone is dropped.
// A subscribe connection's RTX sender is made (rtpbin's request-aux-sender)
// and given its maps (after each set-local) on webrtcbin's thread too; it
// then runs on the streaming threads (convene_rtx_send.h).
#pragma once

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // webrtc headers warn without it
#endif

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <string>

#include "media/direct_send.h"
#include "media/main_thread.h"
#include "media/keyframe_feedback.h"
#include "media/media_settings.h"
#include "media/sfu.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class WebRtcEndpoint {
 public:
  // A local ICE candidate to trickle to the client; "" once gathering is
  // complete (every candidate was given before).
  using CandidateFn = std::function<void(unsigned mline, const std::string& candidate)>;
  // An SDP operation finished: the SDP text, or an error message.
  using SdpFn = std::function<void(const std::string& sdp, const std::string& error)>;
  using DoneFn = std::function<void(const std::string& error)>;

  // `leg`: a publish connection receives media (and asks for what is lost),
  // a subscribe connection sends it.
  WebRtcEndpoint(GstBin* bin, const std::string& name, const MediaSettings& settings, PeerConnection leg,
                 CandidateFn on_candidate);
  ~WebRtcEndpoint();  // to NULL and out of the bin
  WebRtcEndpoint(const WebRtcEndpoint&) = delete;
  WebRtcEndpoint& operator=(const WebRtcEndpoint&) = delete;

  GstElement* element() const { return webrtcbin_.get(); }
  // A subscribe connection's sender of forwarded packets (direct_send.h), or
  // nullptr when [media] send_directly or send_from_forwarders is off.
  const std::shared_ptr<DirectSender>& direct_sender() const { return direct_sender_; }
  // A subscribe connection's keyframe requests, taken to the forwarders
  // (keyframe_feedback.h); nullptr for a publish connection.
  const std::shared_ptr<KeyframeFeedback>& keyframe_feedback() const { return keyframe_feedback_; }
  // To NULL, still in the bin: pushes into it return FLUSHING (not an error),
  // so branches feeding it can be stopped safely before it is removed.
  void stop();

  // The client's offer: set it as the remote description, answer, and set the answer locally.
  // `prepare` (optional) runs once the offer is set and before the answer is
  // made: where a sender links its sink pads to the transceivers the offer made.
  void answer(const std::string& offer_sdp, SdpFn done, std::function<void()> prepare = nullptr);
  // Creates an offer and sets it locally.
  void offer(SdpFn done);
  // The client's answer to our offer.
  void accept_answer(const std::string& answer_sdp, DoneFn done);
  void add_remote_candidate(unsigned mline, const std::string& candidate);

  // Called (on the main loop) each time the connection reaches "connected".
  void on_connected(std::function<void()> fn) { on_connected_ = std::move(fn); }
  // Called (on the main loop) when the connection reaches "failed" (ICE or DTLS gave up).
  void on_failed(std::function<void()> fn) { on_failed_ = std::move(fn); }

 private:
  GstObjectPtr<GstElement> webrtcbin_;  // a reference of ours; the bin holds another (released at the end of ~WebRtcEndpoint)
  std::shared_ptr<DirectSender> direct_sender_;
  std::shared_ptr<KeyframeFeedback> keyframe_feedback_;
  std::string announced_ip_;
  CandidateFn on_candidate_;
  std::function<void()> on_connected_;
  std::function<void()> on_failed_;
  void configure_rtpbin(const MediaSettings& settings, PeerConnection leg);
  void configure_send_path(const MediaSettings& settings);
  void configure_receive_path(const MediaSettings& settings);
  MainThreadHandle<WebRtcEndpoint> handle_{this};
};

// Throws std::invalid_argument with the parser's complaint when `sdp` is not an SDP.
void check_sdp(const std::string& sdp);

// A host candidate with its connection address replaced by `announced_ip`
// ("candidate:F C udp P ADDR PORT typ host ..."); other candidates, and any
// candidate when `announced_ip` is empty, come back unchanged.
std::string announce_candidate(const std::string& candidate, const std::string& announced_ip);

}  // namespace convene::media
