-- Issue #16: several Convene processes on one PostgreSQL. Both backends
-- create the tables (SQLite refuses cluster mode at start; the tables stay
-- empty there).
--
-- A node of the cluster: where clients reach it, and its load, renewed with
-- every heartbeat. A node whose heartbeat_at is older than [cluster]
-- dead_after_sec is dead; its placements may be taken over.
CREATE TABLE cluster_nodes (
  node_id       TEXT PRIMARY KEY,
  advertise_url TEXT NOT NULL,
  started_at    BIGINT NOT NULL,
  heartbeat_at  BIGINT NOT NULL,
  draining      INTEGER NOT NULL DEFAULT 0,
  rooms         INTEGER NOT NULL DEFAULT 0,
  participants  INTEGER NOT NULL DEFAULT 0
);

-- Which node carries a room's call: one row a room, claimed atomically by the
-- first join (INSERT ... ON CONFLICT), deleted after the call empties.
CREATE TABLE cluster_placements (
  room_id   TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
  node_id   TEXT NOT NULL,
  placed_at BIGINT NOT NULL
);
CREATE INDEX cluster_placements_node ON cluster_placements (node_id);
