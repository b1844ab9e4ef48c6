// convenertpforward: forwards one published RTP track to one subscriber.
//
// Sits between a publisher's tee and a subscriber's webrtcbin. Rewrites SSRC,
// sequence numbers and timestamps so the outgoing stream stays continuous
// when its source restarts or is switched; for video, holds packets back
// until a keyframe (at start, after unmute, after a switch) and asks upstream
// for one; drops everything while muted; for VP8 with temporal layers,
// forwards only the layers up to max-temporal-layer (a subscriber's share of
// the bandwidth), renumbering picture ids and sequence numbers so the
// subscriber sees no loss; answers a subscriber's keyframe
// request (an upstream GstForceKeyUnit event) at most once per
// keyframe-min-interval; drops everything until its subscriber's connection
// is up ("connected"), so it can push straight into that webrtcbin with no
// queue (and no thread) of its own; counts what it forwards.
//
// Threads: chain() and the src pad's event handler run on streaming threads;
// properties are read and written under the object lock from any thread.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_RTP_FORWARD (convene_rtp_forward_get_type())
G_DECLARE_FINAL_TYPE(ConveneRtpForward, convene_rtp_forward, CONVENE, RTP_FORWARD, GstElement)

// Registers the element in `plugin` (or statically when plugin is NULL).
gboolean convene_rtp_forward_register(GstPlugin* plugin);

G_END_DECLS
