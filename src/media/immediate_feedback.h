// Sends a receiving webrtcbin's NACKs and PLIs to its peer the moment they
// are asked for, apart from its regular RTCP reports.
//
// rtpsession (GStreamer 1.22) turns a retransmission request into a NACK and
// a keyframe request into a PLI as "early" RTCP, and follows RFC 4585: one
// early packet per regular interval. For feedback to leave promptly, a
// publish connection's regular interval had to be a few milliseconds: 36
// reports a second per connection, each an SRTCP encryption and a send:
// 12.9 % of the server's CPU samples in a room of four. Here each request becomes
// a compound packet of its own (an empty receiver report, as RFC 3550 wants a
// compound packet to begin, then the NACK or the PLI), chained into the
// connection's SRTCP encoder at once; rtpsession keeps only the regular
// reports, about one a second, as browsers send them.
//
// Requests are caught on rtpsession's recv_rtp_src pad: after webrtcbin's
// rtprtxreceive (which learns from the NACKs passing it which retransmission
// stream repairs which), just before rtpsession would take them. Until the
// encoder has had its first RTCP (stream-start, caps and segment: the
// connection is up and keyed), a request goes on to rtpsession as before.
// A keyframe request always becomes a PLI, never a FIR: every publisher
// Convene takes (browsers, webrtcbin, the WHIP encoders it lists) answers PLI.
//
// Threads: the probe runs on the thread that asks (a NACK on the receiving
// connection's nicesrc thread, a PLI on a subscriber's thread or the main
// loop) and chains into the encoder on it: the encoder's RTCP pad serialises
// that with rtpsession's own reports on its stream lock, and srtpenc
// protects under its object lock. deep-element-added (the webrtcbin wiring)
// runs on whichever thread webrtcbin builds its elements on.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>

namespace convene::media {

// Catches `webrtcbin`'s NACK and PLI requests from now on (call before it is
// given a description; its RTP session and SRTP encoder are found as they
// are made).
void send_feedback_at_once(GstElement* webrtcbin);
// True once send_feedback_at_once() has found `webrtcbin`'s one SRTP
// encoder: its regular reports need not be frequent.
bool feedback_goes_at_once(GstElement* webrtcbin);

// The pad where the connection's RTCP enters encryption (a new reference),
// or nullptr while there is none.
using RtcpInput = std::function<GstPad*()>;

// Catches the requests reaching `rtpsession`'s recv_rtp_src pad (made now,
// or when the pad is added) and chains their feedback into `rtcp_input`.
void send_requests_at_once(GstElement* rtpsession, RtcpInput rtcp_input);

struct FeedbackSent {
  uint64_t nacks = 0;
  uint64_t plis = 0;
};
// What `rtpsession` has sent at once (zeros when it sends nothing this way).
FeedbackSent feedback_sent_at_once(GstElement* rtpsession);

// One compound RTCP packet: an empty receiver report from `sender_ssrc`,
// then a generic NACK (RFC 4585) for packet `seq` of `media_ssrc`.
GstBuffer* make_nack(guint32 sender_ssrc, guint32 media_ssrc, guint16 seq);
// The same with a picture loss indication (RFC 4585) for `media_ssrc`.
GstBuffer* make_pli(guint32 sender_ssrc, guint32 media_ssrc);

}  // namespace convene::media
