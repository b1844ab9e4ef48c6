-- Issue #19: what a person chose for themselves that should follow them to
-- every device they sign in on. `theme` is one of the call themes the server
-- knows (src/auth/preferences.cpp); NULL until they pick one.
CREATE TABLE user_preferences (
  user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  theme      TEXT,
  updated_at BIGINT NOT NULL
);
