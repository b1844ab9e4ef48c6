// One WHIP publisher (RFC 9725 session): its peer in the room, and while the
// POST is being answered, the pieces of the answer (media's SDP, the local
// candidates, whether gathering finished). Plain state: WhipEndpoint drives it.
//
// Threads: main loop only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "http/exchange.h"
#include "util/gobject_ptr.h"

namespace convene::ingest {

struct WhipSession {
  std::string id;  // the capability in the Location URL
  std::string room_id;
  std::string peer_id;
  std::string key_id;
  std::string name;

  // --- While the POST waits for its answer
  http::ExchangePtr pending;  // null once answered
  std::string answer;         // media's answer ("" until it came)
  std::vector<std::pair<unsigned, std::string>> candidates;
  bool gathered = false;
  GSourcePtr timer;  // gives up on an answer that does not come

  // --- Once answered: is media still coming? (WhipEndpoint::watch_media)
  GSourcePtr liveness;           // ticks every second
  uint64_t packets = 0;          // received so far, at the last tick that saw more
  int64_t last_progress_us = 0;  // monotonic time of that tick (or of the answer)

  // The answer can go out: media answered and every candidate is known.
  bool answer_ready() const { return pending && !answer.empty() && gathered; }
};

}  // namespace convene::ingest
