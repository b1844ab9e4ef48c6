// Keeps rtpfunnel from re-sending the same sticky events on every packet.
//
// A bundled webrtcbin sends all its streams through one rtpfunnel, and
// rtpfunnel (GStreamer 1.22) pushes the SEGMENT and every custom sticky event
// of its input pad downstream each time a packet comes from another input
// than the last one: with audio and video interleaved, nearly every packet.
// Each push walks the whole send path (rtpsession, the RTX sender, SRTP, the
// DTLS funnel, nicesink), and webrtcbin's `GstWebRtcBinUpdateTos` event ends
// in a probe that looks up the transceiver and sets the socket's TOS through
// libnice. In a profile of a room of four that was a tenth of the server.
//
// The filter, a probe on the funnel's src pad, lets through a SEGMENT only
// when it differs from the last one that passed, and a custom sticky event
// only when it is not the very event object that last passed under its name
// and `mid` (webrtcbin replaces the object when it means something new).
// A FLUSH_STOP forgets what passed, as it clears the segment downstream.
// It assumes the pad keeps its peer: a relinked pad re-sends its sticky
// events, which the filter would take for repeats (webrtcbin links the
// bundle's funnel once, for the life of the session).
//
// Threads: the probe runs on whichever streaming thread pushes into the
// funnel (rtpfunnel serialises them with its src pad's stream lock); the
// filter keeps its own lock, so it does not rely on that.
//
// It also counts the SEGMENTs it lets through (and FLUSH_STOPs): a packet
// that skips rtpfunnel (path_shortcut.h) may do so only while the segment
// downstream is the one its input had when it started skipping.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>

namespace convene::media {

// Installs the filter on `pad` (an rtpfunnel's src pad). The filter lives as
// long as the probe.
void drop_repeated_sticky_events(GstPad* pad);

// How many SEGMENTs and FLUSH_STOPs the filter on `pad` has let through so
// far (it changes only under the pad's stream lock), or null when `pad` has
// no filter. Valid while the pad is.
const std::atomic<uint64_t>* segments_passed(GstPad* pad);

}  // namespace convene::media
