// One SRT publisher: its caller socket, its participant in the room and the
// transcoder between them. Plain state: SrtIngest drives it.
//
// Threads: main loop only (the transcoder has threads of its own).
#pragma once

#include <memory>
#include <string>

#include "ingest/srt_transcoder.h"

namespace convene::ingest {

struct SrtSession {
  int sock = -1;  // the caller's SRT socket (SrtListener)
  std::string room_id;
  std::string peer_id;
  std::string key_id;
  std::string name;
  std::unique_ptr<SrtTranscoder> transcoder;
};

}  // namespace convene::ingest
