// The SDP side of WHEP: what a viewer's offer asks to receive, read with
// GStreamer's SDP parser. The answer is completed with every local candidate
// as for WHIP (ingest::answer_with_candidates): no trickle ICE here either.
//
// Threads: any (plain functions).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace convene::playback {

// What is wrong with an offer: `code` is stable (invalid_sdp, no_media, unsupported_codec).
struct OfferError : std::runtime_error {
  OfferError(std::string error_code, const std::string& message)
      : std::runtime_error(message), code(std::move(error_code)) {}
  std::string code;
};

// One m-line the viewer wants to receive on.
struct WantedLine {
  unsigned mline = 0;
  std::string kind;        // audio | video
  std::string encoding;    // OPUS, VP8 or H264 (upper case): what we send on it
  int payload_type = 0;    // the viewer's number for it
};

// Reads the offer: every audio/video m-line that may receive (recvonly or
// sendrecv, not rejected) and offers `video_codec` (video) or Opus (audio)
// is wanted. Throws OfferError: invalid_sdp (not an SDP), no_media (nothing
// to receive on), unsupported_codec (video lines without `video_codec`).
std::vector<WantedLine> read_whep_offer(const std::string& sdp, const std::string& video_codec);

}  // namespace convene::playback
