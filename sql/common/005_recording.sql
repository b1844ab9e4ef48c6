-- Server-side recordings (issue #6) and the end-to-end-encryption flag of a
-- room (such a room cannot be recorded or streamed by the server).
ALTER TABLE rooms ADD COLUMN e2ee INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recordings (
  id          TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  filename    TEXT NOT NULL,
  path        TEXT NOT NULL,
  status      TEXT NOT NULL,  -- RECORDING | PROCESSING | READY | FAILED
  layout      TEXT NOT NULL,
  duration_ms BIGINT,
  file_size   BIGINT,
  started_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
  started_at  BIGINT NOT NULL,
  ended_at    BIGINT,
  error       TEXT
);
CREATE INDEX recordings_room ON recordings (room_id, started_at);
CREATE INDEX recordings_status ON recordings (status);
