-- Issue #13: who is let into a room's meeting is a fact of the store, so REST
-- can check it as well as the WebSocket. `status` of a membership:
--   admitted  may see the room's content and enters the call without the lobby
--   waiting   joined while the lobby was on; waits for a host to admit them
--   kicked    removed by a host; needs a new admission (through the lobby)
-- Memberships that exist already were all allowed to read: they stay admitted.
ALTER TABLE room_members ADD COLUMN status TEXT NOT NULL DEFAULT 'admitted'
  CHECK (status IN ('admitted', 'waiting', 'kicked'));

-- A host's mute that the member may not lift (allowUnmute:false): per user and
-- source, so it holds on every connection, across rejoining and after the call.
CREATE TABLE room_host_mutes (
  room_id  TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  source   TEXT NOT NULL CHECK (source IN ('camera', 'microphone', 'screen')),
  muted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
  muted_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, user_id, source)
);
