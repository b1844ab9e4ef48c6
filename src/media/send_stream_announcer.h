// Tells a subscribe connection's rtpsession each sending stream's clock
// rate before it writes that stream's first sender report.
//
// Why: rtpsession (GStreamer 1.22.0, Debian 12's) learns a sending stream's
// clock rate only from caps that name its SSRC, and a bundled webrtcbin
// sends every stream through rtpfunnel, which keeps its inputs' caps (they
// name SSRC, payload and clock rate) and sends caps of its own that name
// none. So at a stream's first sender report the RTCP thread asks for the
// clock rate (`request-pt-map`) in the middle of walking the session's
// sources, and lets go of the session lock to ask: a receiver report from a
// new SSRC arriving then adds a source to the table being walked, GLib
// prints `g_hash_table_foreach: assertion 'version == hash_table->version'
// failed` and that round's reports stop at the change. Fixed upstream in
// 1.22.10 and 1.24 (the walk goes over a copy); this keeps the walk from
// ever letting go of the lock on the GStreamer Debian 12 ships.
//
// How: a probe on each rtpfunnel input notes the caps rtpfunnel keeps; the
// funnel's output then gives the next element caps naming that stream
// (rtpfunnel's own caps with its SSRC, payload and clock rate), which
// rtpsession reads, and straight after them rtpfunnel's own caps again, so
// every pad downstream ends with the caps rtpfunnel sent (what
// path_shortcut.h checks before a packet skips). A stream whose caps
// come before the funnel has sent any is told just before the funnel's
// first caps pass. Retransmission streams are not told (they send only
// after a loss; telling rtpsession of one makes it a source that reports
// and, idle, says BYE): their first report still asks.
//
// Threads: the input probe runs on the thread that pushes caps into
// rtpfunnel (a publisher's streaming thread); it takes the funnel output's
// stream lock, as rtpfunnel does for every packet, so the caps it sends
// never cross a packet (and, like the packet that follows them, they wait
// while another input's packet is held downstream, e.g. before DTLS keys).
// The output probe runs on the thread rtpfunnel pushes its first caps
// from, under that same lock.
#pragma once

#include <gst/gst.h>

namespace convene::media {

// Installs the probes on `rtpfunnel` (its inputs now and later, its output).
// False when it has them already.
bool announce_send_streams(GstElement* rtpfunnel);

}  // namespace convene::media
