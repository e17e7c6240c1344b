-- Read-side support for reports and CRM polling.

-- Timestamps leave the database as UTC ISO-8601 strings (what the TypeScript records use), whatever
-- the session time zone, including inside jsonb built by report queries.
CREATE FUNCTION iso_utc(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Leads still waiting for their first touch, oldest first: polled against the CRM every few minutes.
CREATE INDEX clock_outcomes_untouched ON clock_outcomes (campaign_id, started_at, lead_id)
  WHERE clock = 'firstTouch' AND met_at IS NULL;
