// The SDP side of WHIP (RFC 9725): what a publisher's offer sends, read with
// GStreamer's SDP parser, and the answer completed with every local candidate
// (the server does not trickle: PATCH is refused with 405, so the answer must
// carry them all).
//
// Threads: any (plain functions).
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace convene::ingest {

// What is wrong with an offer: `code` is stable (invalid_sdp, no_media, unsupported_codec).
struct OfferError : std::runtime_error {
  OfferError(std::string error_code, const std::string& message)
      : std::runtime_error(message), code(std::move(error_code)) {}
  std::string code;
};

struct WhipOffer {
  std::map<std::string, std::string> sources;  // mid -> camera | microphone
};

// Reads the offer: every sending audio/video m-line needs a mid, audio must
// offer Opus and video `video_codec` (the room's: the SFU forwards without
// transcoding, so anything else would reach no subscriber). Throws OfferError.
WhipOffer read_whip_offer(const std::string& sdp, const std::string& video_codec);

// The answer with `candidates` ({m-line index, "candidate:..."}) added to
// their m-lines and a=end-of-candidates on each. Throws OfferError(invalid_sdp)
// when the answer does not parse.
std::string answer_with_candidates(const std::string& answer,
                                   const std::vector<std::pair<unsigned, std::string>>& candidates);

}  // namespace convene::ingest
