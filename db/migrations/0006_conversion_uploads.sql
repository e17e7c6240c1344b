-- Offline click conversions sent to Google Ads: one row per converted lead, so an upload is attempted until it
-- is final (uploaded, already there, or rejected by Google) and never repeated after.
CREATE TABLE conversion_uploads (
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  conversion_action text NOT NULL,
  converted_date date NOT NULL,
  value numeric NOT NULL,
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('uploaded', 'already-uploaded', 'rejected', 'failed')),
  error text,
  attempts integer NOT NULL DEFAULT 1,
  first_attempt_at timestamptz NOT NULL,
  last_attempt_at timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, lead_id)
);
