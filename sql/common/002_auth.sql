-- Accounts and security: single-use captchas and OAuth identities.

-- A captcha token is accepted once: its id is recorded when used.
CREATE TABLE used_captchas (
  token_id   TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);

-- Sign-in through an OAuth/OIDC provider, linked to a user by verified e-mail.
CREATE TABLE oauth_identities (
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email      TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities(user_id);
