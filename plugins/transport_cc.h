// The transport-wide sequence number (transport-cc, draft-holmer-rmcat-
// transport-wide-cc-extensions-01) on packets a webrtcbin sends.
//
// GStreamer 1.22's rtpfunnel and rtpsession number a packet only when it
// already carries the extension (rtptwcc.c writes into the existing field,
// rtpfunnel's writer too; neither adds it), and only when the caps reaching
// them name the extension (extmap-N). A forwarded packet has neither: it
// carries the publisher's extensions, whose ids were negotiated on another
// connection. So every packet pushed into a sink pad of the sending webrtcbin
// gets its extension block replaced by one empty transport-cc field, and its
// caps name that extension alone; webrtcbin then numbers each packet and
// hands the receiver's feedback upstream (custom event "RTPTWCCPackets").
//
// Threads: tag_transport_cc() on any thread; its probe runs on the streaming
// thread that pushes into the pad (the publisher's, in the SFU).
#pragma once

#include <gst/gst.h>

namespace convene::rtp {

inline constexpr const char* kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// From now on, every RTP buffer and caps event going through `pad` carries
// the transport-cc extension with this id (1..14) and no other.
void tag_transport_cc(GstPad* pad, guint8 id);

// The buffer with its header extensions replaced by one empty transport-cc
// field (unchanged when it has just that already; otherwise the packet in one
// new memory the buffer alone holds, so it can be written in place). Takes
// `buffer`; returns it as it was if it is not RTP.
GstBuffer* with_transport_cc(GstBuffer* buffer, guint8 id);
// `caps` (first structure) without extmap-* fields and with the
// transport-cc one. A new reference.
GstCaps* caps_with_transport_cc(const GstCaps* caps, guint8 id);

}  // namespace convene::rtp
