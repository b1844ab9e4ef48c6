// The streams a client's offer announces: each SSRC of its a=ssrc lines
// (retransmission SSRCs included) with the mid and kind of its m-line.
//
// Why the server reads them itself: webrtcbin 1.22 maps an incoming SSRC to
// its transceiver through a table it fills from these lines, but only for
// SSRCs it does not know yet. An SSRC rtpbin has already seen when webrtcbin
// reads the offer naming it (rtpbin's on-new-ssrc adds an entry with no
// m-line) keeps that empty entry, and its stream comes out on a pad whose
// transceiver is m-line 0. Seen on loopback: a screen share added to a
// running publish connection arrived as "mid 0, audio, VP8" and was dropped.
// The offer's own lines say which m-line it is.
//
// The offer also says which audio m-lines carry the RFC 6464 audio-level
// header extension, and with which id: the publisher answers it and reads
// loudness from it instead of decoding (see audio_level_reader.h).
//
// And a description the server made says which retransmission (RTX) type
// and SSRC go with each of its payload types and SSRCs: what the subscribe
// connection's RTX sender needs (webrtcbin configures only its own).
//
// Threads: pure functions, any thread.
#pragma once

#include <gst/sdp/sdp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "util/release_with.h"

namespace convene::media {

using SdpMessagePtr = std::unique_ptr<GstSDPMessage, ReleaseWith<gst_sdp_message_free>>;

// The parsed SDP, or null when it is empty or does not parse. (GStreamer's
// parser asserts on empty text, and gst_sdp_message_new_from_text keeps the
// message it failed to fill.)
SdpMessagePtr parse_sdp(const std::string& sdp);

// Whether a parsed message has what every real session description has, a
// version line and an origin with a session id (the parser is lenient: it
// takes almost any text).
bool has_session_lines(const GstSDPMessage* msg);

// Whether `media` has an attribute `key` ("bundle-only", "sendonly", ...),
// with or without a value.
bool sdp_has_attribute(const GstSDPMedia* media, const char* key);

// The first payload type on `media`'s m-line whose encoding is `encoding`
// (case-insensitive, from its a=rtpmap), or -1.
int sdp_payload_type_of(const GstSDPMedia* media, const std::string& encoding);

struct SdpStream {
  std::string mid;
  std::string kind;  // "audio" or "video"
};

// SSRC → its m-line's mid and kind; empty when the SDP does not parse or names no SSRC.
std::map<uint32_t, SdpStream> sdp_streams(const std::string& sdp);

inline constexpr const char* kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

struct AudioLevelExtension {
  std::string mid;
  int id = 0;  // the a=extmap id, 1..14 (one-byte header)
};

// m-line index → its audio-level extension, for each audio m-line whose
// a=extmap offers it with a one-byte id; empty when the SDP does not parse.
std::map<unsigned, AudioLevelExtension> sdp_audio_level_extensions(const std::string& sdp);

// Whether an m-line the SDP does not reject (port 0) names the header
// extension `uri` in an a=extmap with a one-byte id: in an answer, that the
// answerer takes it. False when the SDP does not parse.
bool sdp_takes_extension(const std::string& sdp, const char* uri);

// The payload type (0..127) `value` starts with, followed by a space or
// nothing: an m-line's format, or an a=rtpmap/a=fmtp/a=rtcp-fb value. -1
// otherwise.
int sdp_leading_payload_type(const char* value);

// One payload type of an m-line, as GstSDP reads its a=rtpmap and a=fmtp.
struct SdpFormat {
  int pt = -1;
  std::string encoding;  // as the SDP writes it ("VP8", "rtx", "ulpfec", ...)
  int apt = -1;          // a=fmtp apt= (what an RTX type repairs), or -1
};

// The formats of `media` that have a payload type and an encoding.
std::vector<SdpFormat> sdp_formats(const GstSDPMedia* media);

struct RetransmissionMaps {
  std::map<unsigned, unsigned> payload_types;  // media payload type → its "rtx" type (a=fmtp:<rtx> apt=<media>)
  std::map<uint32_t, uint32_t> ssrcs;          // media SSRC → RTX SSRC (a=ssrc-group:FID <media> <rtx>)
};

// Both maps over all m-lines (one bundle: one payload-type space); empty
// when the SDP does not parse or offers no RTX.
RetransmissionMaps sdp_retransmission_maps(const std::string& sdp);

}  // namespace convene::media
