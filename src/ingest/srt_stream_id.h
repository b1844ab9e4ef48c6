// The SRT stream id of an ingest caller, in the SRT access-control
// convention (libsrt's docs/features/access-control.md):
//   #!::r=<roomId>,k=<key>[,m=publish][,...]
// `r` names the resource (the room), `k` is our addition for the ingest key
// (keys the convention does not define are allowed). Only publishing is
// served: `m` other than "publish" is refused.
//
// Threads: any (plain function).
#pragma once

#include <optional>
#include <string>

namespace convene::ingest {

struct SrtStreamId {
  std::string room_id;
  std::string key;
};

// The room and key of `stream_id`, or nullopt when it is not the convention's
// syntax, lacks either, repeats one, or asks for a mode other than publish.
std::optional<SrtStreamId> parse_srt_stream_id(const std::string& stream_id);

}  // namespace convene::ingest
