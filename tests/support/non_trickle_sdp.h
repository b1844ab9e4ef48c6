// The SDP side of the WHIP and WHEP test clients (RFC 9725 and WHEP, as the
// server speaks them: no trickle): an offer sent once every local candidate
// is in it, and the server's answer applied.
#pragma once

#include <gst/gst.h>

#include <string>

namespace convene::testing {

// Creates an offer on `webrtc`, sets it as the local description and waits
// (at most 5 s) for ICE gathering to complete; the local description as
// text, candidates included ("" when webrtcbin failed).
std::string non_trickle_offer(GstElement* webrtc);

// Sets `sdp` (the server's answer) as the remote description.
void apply_answer(GstElement* webrtc, const std::string& sdp);

}  // namespace convene::testing
