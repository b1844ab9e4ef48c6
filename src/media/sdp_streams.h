// The streams a client's offer announces: each SSRC of its a=ssrc lines
// (retransmission SSRCs included) with the mid and kind of its m-line.
//
// Why the server reads them itself: webrtcbin 1.22 maps an incoming SSRC to
// its transceiver through a table it fills from these lines, but an SSRC
// rtpbin saw first (an RTCP report the browser sends for a new track as soon
// as it has set its own offer, before webrtcbin has read that offer) gets an
// entry with no m-line that the offer never fixes. The stream then comes out
// on a pad whose transceiver is m-line 0: a screen share announced as the
// microphone. The offer's own lines say which it is.
//
// Threads: a pure function, any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace convene::media {

struct SdpStream {
  std::string mid;
  std::string kind;  // "audio" or "video"
};

// SSRC → its m-line's mid and kind; empty when the SDP does not parse or names no SSRC.
std::map<uint32_t, SdpStream> sdp_streams(const std::string& sdp);

}  // namespace convene::media
