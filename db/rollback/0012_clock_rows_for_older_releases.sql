-- Run before rolling workers back to a release from before migration 0012. Those releases read clock_outcomes
-- alone, so clocks that only their lead row holds would be missing from their reports and from their CRM poll's
-- open leads. This gives each such clock its own row; the view reads the same before and after, and the lead
-- rows' deadlines stay for when the newer release returns. Safe to run more than once and while workers write.
INSERT INTO clock_outcomes (campaign_id, lead_id, clock, started_at, deadline)
SELECT campaign_id, lead_id, clock, started_at, deadline FROM clocks
ON CONFLICT (campaign_id, lead_id, clock) DO NOTHING;
