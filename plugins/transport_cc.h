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
// A receiver that does not answer the extension sends no feedback, and
// rtpsession 1.22 forgets a numbered packet only when feedback reports it:
// it would keep every packet's record for the life of the connection. So
// while `in_use` is false, packets go out with no extension at all, and
// rtpsession numbers (and keeps) none.
//
// Threads: tag_transport_cc() on any thread; its probe runs on the streaming
// thread that pushes into the pad (the publisher's, in the SFU); `in_use` is
// set on any thread.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>

namespace convene::rtp {

inline constexpr const char* kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// From now on, every caps event going through `pad` names the transport-cc
// extension with this id (1..14) and no other, and every RTP buffer carries
// that extension alone while `in_use` holds true, none while it is false.
void tag_transport_cc(GstPad* pad, guint8 id, std::shared_ptr<const std::atomic<bool>> in_use);

// The buffer with its header extensions replaced by one empty transport-cc
// field, or by none when `id` is 0 (unchanged when it has just that already;
// otherwise the packet in one new memory the buffer alone holds, so it can be
// written in place). Takes `buffer`; returns it as it was if it is not RTP.
GstBuffer* with_transport_cc(GstBuffer* buffer, guint8 id);
// `caps` (first structure) without extmap-* fields and with the
// transport-cc one. A new reference.
GstCaps* caps_with_transport_cc(const GstCaps* caps, guint8 id);

}  // namespace convene::rtp
