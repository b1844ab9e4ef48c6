// Shortcuts through webrtcbin's send and receive paths: a packet skips the
// pads and elements that would carry it on unchanged.
//
// Send path. Per packet and per subscriber, webrtcbin (GStreamer 1.22) passes a
// forwarded packet through 21 sink pads between the forwarder and nicesink:
// each a pad push with its references, its stream lock and its probe check.
// Two kinds of them do nothing for an SFU:
//
// - The input of each slot (`_connect_input_stream`): `clocksync sync=true`,
//   then a bin of `rtpulpfecenc ! rtpredenc`, into the bundle's rtpfunnel.
//   The clock wait allocates a clock entry only to find the packet late (it
//   arrived live), and the encoders pass it on unchanged unless FEC or RED
//   was negotiated, which a subscribe connection never offers.
// - Bin boundaries: every ghost pad is one more pad a packet enters (the
//   ghost pad, or the internal pad of a src ghost pad), carrying it on
//   unchanged. rtpbin puts the RTX sender before rtpsession: from rtpfunnel
//   to the RTX sender there are two (into rtpbin and the RTX sender's bin),
//   from the RTX sender to rtpsession one, from rtpsession to srtpenc three
//   (out of rtpbin, into the transport's send bin and its dtlssrtpenc).
// Together 11 of the 21 pads: five on each input, six at bin boundaries.
// - The bundle's `rtpfunnel`, where the inputs meet: under its output's
//   stream lock it re-sends an input's segment whenever the packet comes from
//   another input than the last (the repeated-event filter drops these), and
//   writes a transport-wide sequence number that rtpsession overwrites. A
//   packet from an input skips it, under that same lock, while the input's
//   segment is the one past the funnel (a subscriber's inputs all have the
//   same); once an input's segment differs, every packet of the funnel goes
//   through it again (see FunnelState in the .cpp).
// The subscriber's forwarder also skips webrtcbin's sink ghost pad into the
// input (webrtcbin's probes there act only while the slot is not negotiated,
// when the pad is blocked, so nothing skips).
//
// Receive path. Each received RTP packet was pushed 20 times between the ICE
// receiver and the publication's tee, once, before its subscribers' send
// paths; 11 of those pushes carry it on unchanged for an SFU (two more, the
// capsfilter and dtlssrtpdec's ghost pad before the receive queue, are
// receive_hand_off.h's):
// - from srtpdec to rtpsession, three ghost pads (out of dtlssrtpdec and the
//   transport's receive bin, into rtpbin);
// - from rtpsession to the SSRC demuxer, webrtcbin's auxiliary receiver (a
//   bin of `rtprtxreceive ! rtpreddec`: two ghost pads and two elements) and
//   rtpbin's `rtpstorage`; rtprtxreceive only restores retransmissions (RTX
//   payload types), rtpreddec passes everything on while no RED is
//   negotiated, and rtpstorage keeps nothing while its `size-time` is 0
//   (what Convene sets when no FEC is negotiated: it keeps packets only for
//   rtpulpfecdec to recover from);
// - from each payload type's demuxer pad to webrtcbin's output,
//   `rtpulpfecdec` in pass-through (no FEC negotiated) and two ghost pads
//   (out of rtpbin and webrtcbin);
// - and, from the jitter buffer's stand-in (convenertpnowait), `rtpptdemux`
//   for packets of the payload type it has its one pad for (it only looks
//   the payload type up): other payload types take the full way, where it
//   makes their pads, and so does the first packet after each event, with
//   which it sends its own caps (made from new caps lazily, at a buffer).
//
// A shortcut is a probe on the pad where such a way starts; it chains each
// buffer straight into the pad at its end while
// - no pad on the way is blocked (transportsendbin blocks one until the DTLS
//   key is set, and drops events there meanwhile),
// - the end has the caps the buffer was sent with, and a segment (rtpredenc
//   rewrites caps and puts the input's back only with the next buffer it
//   passes; an event dropped on a blocked pad reaches the end again only with
//   the next buffer that passes there),
// - the end has the caps the pad after the start was given (a probe at the
//   start may rewrite them: the transport-cc tag adds its extension),
// - past rtpfunnel, the input's segment is the one at the end and no other
//   segment went out of the funnel since the checks (repeated_event_filter.h
//   counts them),
// - each element on the way is in its pass-through settings (on a send
//   input: `rtpulpfecenc` pt 255, `rtpredenc` pt 0 without forced RED blocks,
//   what webrtcbin gives them when neither FEC nor RED is negotiated), and
//   the buffer is not of a payload type an element on the way handles (a
//   retransmission, for rtprtxreceive: it takes the full way).
// Events always take the full way, where every element and pad passes them
// on at once; after one, the checks are made again before a buffer skips, so
// nothing overtakes an event. A changed element setting (a renegotiation)
// sends buffers the full way until the checks pass again; a link changed on
// the way turns the shortcut off for good (webrtcbin links these once).
// Everything on the way passes packets on synchronously, on the pushing
// thread, so a packet taking the full way is never overtaken either.
//
// Threads: the probe runs on whichever thread pushes into the pad (a
// publisher's streaming thread, or the thread a retransmission was asked
// on); `notify` and `unlinked` come on whichever thread changes a setting or
// a link (atomics carry them across). The end pad's own stream lock still
// serialises what reaches it.
#pragma once

#include <gst/gst.h>

#include <vector>

#include "util/gst_object_ptr.h"

namespace convene::media {

// Where a shortcut sits, as object data under this name: an input's
// clocksync, or the src pad where ghost pads start.
inline constexpr char kPathShortcutData[] = "convene-path-shortcut";

// The way from `src`'s peer through ghost pads and their internal pads to
// the first pad of an element's own (new references; `*end` is that pad, a
// new reference, or empty when a pad on the way is not linked).
std::vector<GstObjectPtr<GstPad>> ghost_pads_after(GstPad* src, GstObjectPtr<GstPad>* end);

// As ghost_pads_after, also through the receive pass-throughs named above
// (each element's sink and src pad are on the way; `elements`, if given,
// gets the elements, new references).
std::vector<GstObjectPtr<GstPad>> receive_pass_throughs_after(GstPad* src, GstObjectPtr<GstPad>* end,
                                                              std::vector<GstObjectPtr<GstElement>>* elements);

// Installs the shortcut on one of webrtcbin's input clocksyncs (when it is
// added; the way behind it is looked up at the first buffer). False for an
// element that is not a clocksync, or one that has it already.
bool skip_send_input_pass_throughs(GstElement* clocksync);

// Installs the shortcut on `src` (its ghost pads are looked up at the first
// buffer); `what` names the hop in the log. False when `src` has it already.
bool skip_ghost_pads_after(GstPad* src, const char* what);

// Installs the shortcut on `src` of a receiving webrtcbin: the way is its
// ghost pads and the receive pass-throughs named above (rtprtxreceive,
// rtpreddec, rtpstorage, rtpulpfecdec), looked up at the first buffer.
// False when `src` has a shortcut already.
bool skip_receive_pass_throughs_after(GstPad* src, const char* what);

// True while buffers skip at `holder` (the clocksync or the src pad).
bool path_is_skipping(gpointer holder);

}  // namespace convene::media
