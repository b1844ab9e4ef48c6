// convenertxsend: the RTX sender (RFC 4588) of Convene's subscribe
// connections, given to rtpbin through its "request-aux-sender" signal in
// place of webrtcbin's rtprtxsend.
//
// rtprtxsend keeps a task of its own (one thread per connection, idle
// almost always) so that a retransmission asked for from the RTCP receive
// thread is pushed from neither that thread nor the streaming one: a
// precaution for senders whose sink waits on the clock. A subscribe
// connection's sink never waits (nicesink sync=false, webrtc_endpoint.cpp),
// so this element pushes a retransmission on the thread that asked for it,
// and has no thread.
//
// It keeps the last "max-size-packets" packets of each SSRC whose payload
// type has a retransmission type, in a ring indexed by sequence number, for
// at most "max-size-time" milliseconds (let go of as newer ones are sent: a
// kept packet holds its payload, so the time bounds the memory), and
// answers an upstream GstRTPRetransmissionRequest (sent by rtpsession for
// each NACKed packet) with the packet wrapped as RTX: the retransmission
// payload type and SSRC, an RTX sequence number of its own, and the
// original sequence number (OSN) before the payload. The maps are
// rtprtxsend's properties with rtprtxsend's structures: "payload-type-map"
// (application/x-rtp-pt-map, "96" = 97) and "ssrc-map" (a structure whose
// fields are media SSRCs in decimal, each the RTX SSRC the SDP pairs with
// it, as webrtcbin writes them). A media SSRC without an RTX SSRC in the map
// is not retransmitted: the receiver could not tell the stream apart.
//
// Before the first packet of each RTX stream it sends caps naming that
// stream (its SSRC, payload type and the clock rate of the media stream,
// learnt from caps that named the media SSRC), then its caps of before:
// rtpsession (1.22.0) would otherwise ask for the clock rate at the RTX
// stream's first sender report, from inside a walk of its sources with its
// lock let go (src/media/send_stream_announcer.h says why that matters).
//
// Threads: chain() runs on the sending streaming threads (the forwarders);
// retransmissions are built and pushed on the thread that sent the request
// (webrtcbin's RTCP receive thread); the history and the maps are shared
// under the object lock, which is never held while pushing.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_RTX_SEND (convene_rtx_send_get_type())
G_DECLARE_FINAL_TYPE(ConveneRtxSend, convene_rtx_send, CONVENE, RTX_SEND, GstElement)

// Registers the element in `plugin` (or statically when plugin is NULL).
gboolean convene_rtx_send_register(GstPlugin* plugin);

// Keeps a copy of `packet` (`size` bytes in the caller's memory), an RTP
// packet of `ssrc`, sequence number `seq` and payload type `pt` that was sent
// past the element (src/media/direct_send.h), as if it had passed through
// it; copied only when `pt` has a retransmission payload type. Any thread;
// no-op for an element that is not a convenertxsend.
void convene_rtx_send_remember_bytes(GstElement* rtx, const guint8* packet, gsize size, guint32 ssrc, guint16 seq,
                                     guint8 pt);

// The retransmission of `seq` of `ssrc` (a new buffer) as the element would
// push it for a GstRTPRetransmissionRequest, counted as one, but returned to
// the caller to send (src/media/direct_send.h); NULL when it is not kept.
GstBuffer* convene_rtx_send_retransmission(GstElement* rtx, guint32 ssrc, guint16 seq);

G_END_DECLS
