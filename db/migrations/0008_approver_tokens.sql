-- Dashboard logins: one row per token issued to an approver, kept as a SHA-256 hash (tokens are 256 random bits,
-- so a fast hash is enough). The token itself is shown once, when it is issued.
CREATE TABLE approver_tokens (
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  approver text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX approver_tokens_approver ON approver_tokens (approver);

-- A Slack request whose signature fails is audited with what it claimed, which may not name a decision at all.
ALTER TABLE decision_attempts DROP CONSTRAINT decision_attempts_decision_check;
ALTER TABLE decision_attempts ADD CONSTRAINT decision_attempts_decision_check
  CHECK (decision IN ('approve', 'reject', 'unknown'));
