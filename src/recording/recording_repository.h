// Recordings in the store (table `recordings`, migration 005).
//
// Threads: store workers (through Store::run); RecordingRow is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.h"
#include "util/json.h"

namespace convene::recording {

struct RecordingRow {
  std::string id;
  std::string room_id;
  std::string filename;  // offered to downloads
  std::string path;      // on disk
  std::string status;    // RECORDING | PROCESSING | READY | FAILED
  std::string layout;
  std::optional<int64_t> duration_ms;
  std::optional<int64_t> file_size;
  std::optional<std::string> started_by;
  int64_t started_at = 0;
  std::optional<int64_t> ended_at;
  std::optional<std::string> error;
  // Per-track files as a JSON array of {trackId, peerId, username, kind, source, codec, file}
  // (file: a name in the recording's directory), or none.
  std::optional<std::string> tracks;

  // {id, roomId, filename, status, durationMs, fileSize, startedBy, startedAt, endedAt,
  //  tracks?: [{index, trackId, peerId, username, kind, source, codec}]}
  json::Object to_json() const;
};

namespace recording_store {

void insert(store::Connection& c, const RecordingRow& row);
std::optional<RecordingRow> find(store::Connection& c, const std::string& id);
std::vector<RecordingRow> for_room(store::Connection& c, const std::string& room_id);
// Recordings a previous process left unfinished.
std::vector<RecordingRow> unfinished(store::Connection& c);
void set_status(store::Connection& c, const std::string& id, const std::string& status);
void finish(store::Connection& c, const std::string& id, const std::string& status, std::optional<int64_t> duration_ms,
            std::optional<int64_t> file_size, int64_t ended_at, const std::optional<std::string>& error,
            const std::optional<std::string>& tracks = std::nullopt);
void remove(store::Connection& c, const std::string& id);
// Whether the room exists with end-to-end encrypted media (nullopt: no such room).
std::optional<bool> room_e2ee(store::Connection& c, const std::string& room_id);

}  // namespace recording_store
}  // namespace convene::recording
