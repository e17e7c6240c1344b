-- Alerts are delivered at least once: a row is leased while one worker posts it and marked delivered
-- only after the webhook accepted it, so a Slack 429/5xx or a worker crash leaves it to be retried.
ALTER TABLE alerts_sent
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN last_error text;

-- Rows written before this migration were claimed under the old at-most-once rule: treat them as sent.
UPDATE alerts_sent SET delivered_at = claimed_at;
