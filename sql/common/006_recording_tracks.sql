-- Per-track recordings (issue #6): the files written next to the composite,
-- as a JSON array of {trackId, peerId, username, kind, source, codec, file},
-- or NULL. 005 is already applied where main ran, so this is its own step.
ALTER TABLE recordings ADD COLUMN tracks TEXT;
