-- The indexes admission writes into (a lead row, its first-touch and follow-up clock rows, on the ledger's busiest
-- write), cut to what the reads use.

-- Nothing reads these: the CRM poll's open leads come through the primary key's campaign prefix (openLeadIds), and
-- no query filters leads by created_at.
DROP INDEX IF EXISTS clock_outcomes_untouched;
DROP INDEX IF EXISTS leads_created;

-- The quarter report and its days read first-touch clocks by start, so only first-touch rows need the index. Built
-- inside the migration's transaction: ledger writes wait for it (the workflow's clocks do not).
CREATE INDEX IF NOT EXISTS clock_outcomes_first_touch_started ON clock_outcomes (campaign_id, started_at)
  WHERE clock = 'firstTouch';
DROP INDEX IF EXISTS clock_outcomes_started;
