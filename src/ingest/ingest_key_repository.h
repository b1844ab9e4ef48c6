// Ingest keys in the store (table `ingest_keys`, migration 009): a host's
// stream keys for OBS or an encoder. The key itself is 256 random bits shown
// once; only its SHA-256 is stored, so a leaked database leaks no key.
//
// Threads: store workers (through Store::run); IngestKey is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.h"
#include "util/json.h"

namespace convene::ingest {

struct IngestKey {
  std::string id;
  std::string room_id;
  std::string name;
  std::optional<std::string> created_by;
  int64_t created_at = 0;

  // {id, roomId, name, createdBy, createdAt}: never the key.
  json::Object to_json() const;
};

struct IssuedKey {
  IngestKey key;
  std::string secret;  // the key itself: given to the host once, never stored
};

namespace ingest_key_store {

std::string hash(const std::string& secret);
// A new random key for the room.
IssuedKey create(store::Connection& c, const std::string& room_id, const std::string& name,
                 const std::string& created_by, int64_t now_ms);
std::vector<IngestKey> for_room(store::Connection& c, const std::string& room_id);
// Revokes (deletes) the key; false when the room has no such key.
bool remove(store::Connection& c, const std::string& room_id, const std::string& key_id);
// The room's key whose secret this is (nullopt: unknown or revoked).
std::optional<IngestKey> find_by_secret(store::Connection& c, const std::string& room_id, const std::string& secret);

}  // namespace ingest_key_store
}  // namespace convene::ingest
