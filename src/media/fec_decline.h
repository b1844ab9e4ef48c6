// Forward error correction a publisher offers, declined before webrtcbin
// reads the offer.
//
// Chromium offers RED (RFC 2198) and ULPFEC (RFC 5109) for video, RED for
// audio, and an RTX payload type for RED. A publish connection's transceivers
// accept only the room's codec and its RTX (publisher.cpp's codec
// preferences), so the answer never takes them, and the publisher never sends
// them; webrtcbin's RED and FEC decoders follow the answer. rtpbin's packet
// storage does not: fec_storage.h sizes it from the remote description, the
// offer, which named ulpfec, so every packet of a browser publisher was kept
// 100 ms for a FEC decoder with nothing to decode, and path_shortcut.h could
// not skip the storage. Given the offer without them, webrtcbin sees what is
// negotiated. (An SFU forwards neither: FEC would protect only the uplink,
// which NACK and retransmission repair; mediasoup and Janus decline them too.)
//
// Threads: a pure function, any thread.
#pragma once

#include <string>

namespace convene::media {

// `offer` without its RED, ULPFEC and FlexFEC payload types, the RTX payload
// types that repair them, their rtpmap/fmtp/rtcp-fb lines and FlexFEC's
// FEC-FR SSRC group and SSRC. An m-line offering nothing else, an offer
// without them, and text that does not parse come back unchanged.
std::string decline_fec(const std::string& offer);

}  // namespace convene::media
