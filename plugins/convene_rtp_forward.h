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
// queue (and no thread) of its own; counts what it forwards. It never passes
// an EOS on: the subscriber's connection bundles all its tracks in one RTP
// session, which an EOS from any one of them would end (a track's end
// reaches the subscriber through signaling; the slot is reused).
//
// A camera published in spatial layers (the same picture at 320x180,
// 640x360 and 1280x720, each its own stream) comes in on the request pads
// sink_0, sink_1, sink_2 (the layer's index) instead of the always `sink`
// pad; an element is used with one or the other. It forwards one layer
// (spatial-layer) and switches to target-spatial-layer at that layer's next
// keyframe, which it asks for upstream on that layer's pad, keeping the
// current one flowing meanwhile; the subscriber sees one continuous stream
// (SSRC, sequence numbers, timestamps, VP8 picture ids and TL0PICIDX).
// `paused` forwards nothing and resumes at a keyframe of the target. The
// decision is SpatialLayerSwitch's (spatial_layer_switch.h).
//
// Threads: chain() and the src pad's event handler run on streaming threads,
// the layer pads' on one thread each, possibly at once: the decisions are
// taken under the object lock, and what is sent on is pushed under the src
// pad's stream lock so it leaves in the order it was numbered; packets of a
// layer not forwarded are dropped without waiting on that lock. Properties
// are read and written under the object lock from any thread.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_RTP_FORWARD (convene_rtp_forward_get_type())
G_DECLARE_FINAL_TYPE(ConveneRtpForward, convene_rtp_forward, CONVENE, RTP_FORWARD, GstElement)

// Registers the element in `plugin` (or statically when plugin is NULL).
gboolean convene_rtp_forward_register(GstPlugin* plugin);

// What the forwarder writes into a packet it forwards: the header's new
// fields and, for VP8, the payload descriptor's.
typedef struct {
  guint32 ssrc;
  guint16 seq;
  guint32 timestamp;
  gint payload_type;        // -1: the packet's own
  gint picture_id;          // -1: unchanged
  gsize picture_id_offset;  // in the payload
  gboolean picture_id_15bit;
  gint tl0picidx;  // -1: unchanged
  gsize tl0picidx_offset;
} ConveneRtpRewrite;

// Takes a packet the forwarder would send (or returns FALSE, and the packet
// goes out on the src pad as always): `packet` is the input as received,
// shared with the tee's other branches and never to be written; `rewrite`
// says what to write into a copy of it. Runs on the thread that would have
// pushed it, in the order it would have been pushed; the caller keeps its
// reference to `packet`.
typedef gboolean (*ConveneRtpForwardOutput)(GstBuffer* packet, const ConveneRtpRewrite* rewrite, gpointer user_data);

// Hands every packet to `output` before the src pad: the forwarder then
// neither copies the packet nor pushes it when `output` takes it (a
// subscriber's sender that writes the packet into its own memory anyway).
// Events, and packets `output` declines, take the src pad. Set once, before
// packets flow; `destroy` frees `user_data` with the element.
void convene_rtp_forward_set_output(GstElement* forward, ConveneRtpForwardOutput output, gpointer user_data,
                                    GDestroyNotify destroy);

// Writes `rewrite` into an RTP packet in writable memory: its fixed header
// at `packet`, its payload (the VP8 descriptor) at `payload`.
void convene_rtp_rewrite_apply(const ConveneRtpRewrite* rewrite, guint8* packet, guint8* payload);

G_END_DECLS
