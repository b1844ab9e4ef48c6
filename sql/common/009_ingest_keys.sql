-- Issue #17: stream keys a host hands to OBS or an encoder so it can publish
-- into the room (WHIP, SRT). Only the key's SHA-256 is kept: the key itself is
-- shown once, when it is created. Revoking deletes the row.
CREATE TABLE ingest_keys (
  id         TEXT PRIMARY KEY,
  room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ingest_keys_room ON ingest_keys (room_id);
