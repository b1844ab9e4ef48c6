-- Meeting features: scheduling details, lobby flag, invitations, reminders,
-- transcripts and live Q&A.
ALTER TABLE rooms ADD COLUMN description TEXT;
ALTER TABLE rooms ADD COLUMN duration_min INTEGER;
ALTER TABLE rooms ADD COLUMN lobby_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN last_activity_at BIGINT;

CREATE TABLE room_invitations (
  room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  email      TEXT NOT NULL,
  invited_by TEXT REFERENCES users(id) ON DELETE SET NULL,
  invited_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, email)
);

-- One row per reminder sent: the primary key makes "sent once" hold across
-- restarts and across several servers sharing one database.
CREATE TABLE reminders_sent (
  room_id        TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  minutes_before INTEGER NOT NULL,
  sent_at        BIGINT NOT NULL,
  PRIMARY KEY (room_id, minutes_before)
);

CREATE TABLE transcript_lines (
  id         TEXT PRIMARY KEY,
  room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  speaker    TEXT NOT NULL,
  text       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX transcript_lines_room_time ON transcript_lines(room_id, created_at);

CREATE TABLE questions (
  id          TEXT PRIMARY KEY,
  room_id     TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
  author      TEXT NOT NULL,
  text        TEXT NOT NULL,
  pinned      INTEGER NOT NULL DEFAULT 0,
  answered    INTEGER NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL
);
CREATE INDEX questions_room ON questions(room_id);

CREATE TABLE question_votes (
  question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (question_id, user_id)
);
