-- Every attempt to decide a budget proposal, accepted or refused: who, when, through which channel, and why it
-- was refused. `decisions` holds only the decisions the workflow took; refusals never reach its history.
CREATE TABLE decision_attempts (
  attempt_id bigserial PRIMARY KEY,
  campaign_id text NOT NULL,
  proposal_id text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  approver text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('cli', 'dashboard', 'slack')),
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'refused', 'failed')),
  detail text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_attempts_campaign ON decision_attempts (campaign_id, at);
