// convenertpnowait: what rtpbin uses in place of its jitter buffer on the
// receive side of Convene's SFU (given through rtpbin's
// "request-jitterbuffer" signal).
//
// rtpjitterbuffer holds every packet in a queue and hands it out from a
// thread of its own: one thread per incoming stream, and a thread hand-off
// per packet, for an SFU that only forwards. This element forwards each
// packet on the thread it arrived on, the moment it arrives, in whatever
// order (subscribers' own jitter buffers reorder), and keeps what a jitter
// buffer gave the SFU: a request for retransmission (an upstream
// GstRTPRetransmissionRequest event, turned into a NACK by rtpsession) as
// soon as a gap shows, retried and given up after "latency" ms
// (rtp_gap_tracker.h). It has the properties rtpbin and webrtcbin set or
// read on a jitter buffer: "latency", "do-retransmission" and "stats".
//
// Threads: chain() runs on the receiving streaming thread; properties are
// read and written under the object lock from any thread.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_RTP_NOWAIT (convene_rtp_nowait_get_type())
G_DECLARE_FINAL_TYPE(ConveneRtpNowait, convene_rtp_nowait, CONVENE, RTP_NOWAIT, GstElement)

// Registers the element in `plugin` (or statically when plugin is NULL).
gboolean convene_rtp_nowait_register(GstPlugin* plugin);

G_END_DECLS
