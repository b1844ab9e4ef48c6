// rtpbin's packet storage, kept only while FEC is negotiated.
//
// rtpbin (GStreamer 1.22) puts an `rtpstorage` before each session's SSRC
// demuxer, and webrtcbin sizes every one to its jitter latency + 50 ms: each
// received packet is referenced, mapped, looked up by SSRC and queued, and
// older ones dropped, so that `rtpulpfecdec` can recover lost packets from
// them. Nothing else reads the storage, and with no ULPFEC negotiated
// rtpulpfecdec stays in pass-through and never does. Convene sets the
// storage's `size-time` to 0 (it keeps nothing and passes every packet on,
// and path_shortcut.h can skip it) unless the remote description names
// ulpfec, and back to webrtcbin's size when a later one does.
//
// Threads: `follow_description` runs where the description is set (the main
// loop); rtpbin's `new-storage` comes on webrtcbin's own thread, while it
// applies a description (an atomic carries the decision across).
#pragma once

#include <gst/gst.h>

#include <string>

namespace convene::media {

// Installs the policy on `webrtcbin` (before its first description).
void keep_storage_only_for_fec(GstElement* webrtcbin);

// Called with each remote description before webrtcbin is given it: sizes
// the storages there are, and decides for those it makes while applying it.
// No-op on a webrtcbin without the policy.
void storage_follows_description(GstElement* webrtcbin, const std::string& sdp);

// True when `sdp` has an ulpfec payload type (case-insensitive, as SDP encoding names are).
bool names_ulpfec(const std::string& sdp);

}  // namespace convene::media
