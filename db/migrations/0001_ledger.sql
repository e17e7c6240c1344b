-- The SLA ledger: what happened to every lead, check and budget proposal, for reports and the dashboard.
-- Writes come from retried Temporal activities, so every table has a natural or idempotency key.
-- Lead activity is written in batches that may arrive before or after related rows (escalation steps,
-- lead rows), so those tables carry no foreign keys to each other; only strictly ordered facts do
-- (a decision or budget change always follows its proposal).

CREATE TABLE campaigns (
  campaign_id text PRIMARY KEY,
  first_recorded_at timestamptz NOT NULL,
  latest_config_version integer NOT NULL
);

CREATE TABLE campaign_config_versions (
  campaign_id text NOT NULL REFERENCES campaigns (campaign_id),
  config_version integer NOT NULL CHECK (config_version >= 0),
  config jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, config_version)
);

-- owner_id is the owner assigned when the lead arrived (who the SLA clocks were set for);
-- later reassignments are 'owner-change' lead events.
CREATE TABLE leads (
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  tier text NOT NULL,
  owner_id text NOT NULL,
  created_at timestamptz NOT NULL,
  config_version integer NOT NULL,
  PRIMARY KEY (campaign_id, lead_id)
);
CREATE INDEX leads_created ON leads (campaign_id, created_at);

CREATE TABLE lead_events (
  campaign_id text NOT NULL,
  event_id text NOT NULL,
  lead_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('contact', 'accept', 'reject', 'stage', 'owner-change', 'nurture', 'warning')),
  at timestamptz NOT NULL,
  detail jsonb NOT NULL,
  PRIMARY KEY (campaign_id, event_id)
);
CREATE INDEX lead_events_lead ON lead_events (campaign_id, lead_id, at);

CREATE TABLE clock_outcomes (
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  clock text NOT NULL CHECK (clock IN ('firstTouch', 'acceptance', 'followUp')),
  started_at timestamptz NOT NULL,
  deadline timestamptz NOT NULL,
  warned_at timestamptz,
  met_at timestamptz,
  breached_at timestamptz,
  elapsed_business_ms bigint CHECK (elapsed_business_ms >= 0),
  elapsed_wall_ms bigint CHECK (elapsed_wall_ms >= 0),
  PRIMARY KEY (campaign_id, lead_id, clock)
);
CREATE INDEX clock_outcomes_started ON clock_outcomes (campaign_id, clock, started_at);
CREATE INDEX clock_outcomes_breached ON clock_outcomes (campaign_id, breached_at) WHERE breached_at IS NOT NULL;
CREATE INDEX clock_outcomes_open ON clock_outcomes (campaign_id) WHERE met_at IS NULL AND breached_at IS NULL;

-- A breach is a clock outcome with breached_at; these are the actions the escalation chain took for it.
CREATE TABLE escalation_steps (
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  clock text NOT NULL CHECK (clock IN ('firstTouch', 'acceptance', 'followUp')),
  step_index integer NOT NULL CHECK (step_index >= 0),
  step text NOT NULL CHECK (step IN ('notify-owner', 'reassign', 'notify-manager', 'return-to-nurture')),
  at timestamptz NOT NULL,
  outcome jsonb NOT NULL,
  PRIMARY KEY (campaign_id, lead_id, clock, step_index)
);
CREATE INDEX escalation_steps_at ON escalation_steps (campaign_id, at);

CREATE TABLE velocity_snapshots (
  campaign_id text NOT NULL,
  check_id text NOT NULL,
  at timestamptz NOT NULL,
  spend_micros bigint NOT NULL,
  budget_micros bigint NOT NULL,
  burn_pct double precision NOT NULL,
  conversions double precision NOT NULL,
  forecast_linear double precision NOT NULL,
  forecast_curve double precision NOT NULL,
  velocity_pct double precision NOT NULL,
  cpl double precision,
  cpl_low double precision NOT NULL,
  cpl_high double precision NOT NULL,
  response_compliance jsonb NOT NULL,
  detail jsonb NOT NULL,
  PRIMARY KEY (campaign_id, check_id)
);
CREATE INDEX velocity_snapshots_at ON velocity_snapshots (campaign_id, at);

-- Status only moves forward, so a retried older write cannot undo a later one.
CREATE FUNCTION proposal_status_rank(status text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE status
    WHEN 'pending' THEN 0
    WHEN 'escalated' THEN 1
    WHEN 'approved' THEN 2
    WHEN 'rejected' THEN 2
    WHEN 'expired' THEN 2
    WHEN 'applied' THEN 3
    WHEN 'failed' THEN 3
  END
$$;

CREATE TABLE proposals (
  proposal_id text PRIMARY KEY,
  campaign_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  action text NOT NULL CHECK (action IN ('pause', 'reduce', 'increase', 'restore')),
  rule text NOT NULL,
  reason text NOT NULL,
  target_amount_micros bigint,
  figures jsonb NOT NULL,
  status text NOT NULL CHECK (proposal_status_rank(status) IS NOT NULL),
  CONSTRAINT proposals_target_only_without_pause CHECK ((action = 'pause') = (target_amount_micros IS NULL))
);
CREATE INDEX proposals_campaign ON proposals (campaign_id, created_at);
CREATE INDEX proposals_status ON proposals (campaign_id, status);

CREATE TABLE decisions (
  proposal_id text NOT NULL REFERENCES proposals (proposal_id),
  campaign_id text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject', 'timeout-apply', 'timeout-reject', 'timeout-escalate', 'auto-approve')),
  approver text NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL,
  figures jsonb NOT NULL,
  -- A proposal can be escalated and later decided, so one proposal may have several decisions.
  PRIMARY KEY (proposal_id, decision, at)
);
CREATE INDEX decisions_at ON decisions (campaign_id, at);

CREATE TABLE budget_changes (
  campaign_id text NOT NULL,
  change_id text NOT NULL,
  proposal_id text REFERENCES proposals (proposal_id),
  source text NOT NULL CHECK (source IN ('proposal', 'external', 'signal')),
  at timestamptz NOT NULL,
  before_state jsonb,
  after_state jsonb NOT NULL,
  operation text NOT NULL,
  validate_only boolean NOT NULL,
  changed boolean NOT NULL,
  PRIMARY KEY (campaign_id, change_id)
);
CREATE INDEX budget_changes_proposal ON budget_changes (proposal_id) WHERE proposal_id IS NOT NULL;
CREATE INDEX budget_changes_at ON budget_changes (campaign_id, at);

CREATE TABLE quarter_reports (
  campaign_id text NOT NULL,
  quarter text NOT NULL CHECK (quarter ~ '^[0-9]{4}-Q[1-4]$'),
  created_at timestamptz NOT NULL,
  report jsonb NOT NULL,
  PRIMARY KEY (campaign_id, quarter)
);

-- The notifier claims a dedupe key before sending, so an alert goes out once across retries and workers.
CREATE TABLE alerts_sent (
  dedupe_key text PRIMARY KEY,
  payload jsonb NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
