-- Convene's first schema. Times are epoch milliseconds; ids are UUID text.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,          -- stored lower-case
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT,                          -- NULL for accounts that only use OAuth
  created_at    BIGINT NOT NULL
);

CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family_id   TEXT NOT NULL,                   -- all tokens rotated from one sign-in
  token_hash  TEXT NOT NULL UNIQUE,            -- SHA-256 of the token; the token itself is never stored
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  rotated_at  BIGINT,
  revoked_at  BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE rooms (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  type             TEXT NOT NULL CHECK (type IN ('ONE_TO_ONE', 'GROUP', 'VIRTUAL_ROOM')),
  invite_code      TEXT NOT NULL UNIQUE,
  host_id          TEXT NOT NULL REFERENCES users(id),
  is_active        INTEGER NOT NULL DEFAULT 1,
  max_participants INTEGER NOT NULL,
  created_at       BIGINT NOT NULL,
  scheduled_at     BIGINT,
  ended_at         BIGINT
);
CREATE INDEX rooms_host ON rooms(host_id);

-- Who may enter a room (the host, and users who joined it by id or invite code).
CREATE TABLE room_members (
  room_id   TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role      TEXT NOT NULL CHECK (role IN ('HOST', 'CO_HOST', 'PARTICIPANT', 'VIEWER')),
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members(user_id);

-- One row per time a user was in a room's call: the source of meeting analytics.
CREATE TABLE room_participants (
  id        TEXT PRIMARY KEY,
  room_id   TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  left_at   BIGINT
);
CREATE INDEX room_participants_room ON room_participants(room_id);
CREATE INDEX room_participants_user ON room_participants(user_id);

CREATE TABLE chat_messages (
  id         TEXT PRIMARY KEY,
  room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('text', 'image')),
  content    TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX chat_messages_room_time ON chat_messages(room_id, created_at);

CREATE TABLE recordings (
  id          TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  filename    TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('RECORDING', 'PROCESSING', 'READY', 'FAILED')),
  layout      TEXT NOT NULL DEFAULT 'grid',
  duration_ms BIGINT,
  file_size   BIGINT,
  started_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
  started_at  BIGINT NOT NULL,
  ended_at    BIGINT
);
CREATE INDEX recordings_room ON recordings(room_id);
