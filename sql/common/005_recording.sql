-- Server-side recordings (issue #6): where the file is and why one failed
-- (the table itself came with 001), and the end-to-end-encryption flag of a
-- room (such a room cannot be recorded or streamed by the server).
ALTER TABLE rooms ADD COLUMN e2ee INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE recordings ADD COLUMN error TEXT;
-- Start-up looks for recordings a previous run left unfinished.
CREATE INDEX recordings_status ON recordings (status);
