-- An admitted lead's first-touch and follow-up clocks start with the lead and nothing else happens to them for a
-- while: the lead row now holds their deadlines, and a clock gets a clock_outcomes row only once something happens
-- to it (warned, met, breached, paused, stopped). Admission writes one row per lead instead of three; those clock
-- rows were most of the ledger's share of intake.
ALTER TABLE leads
  ADD COLUMN first_touch_deadline timestamptz,
  ADD COLUMN follow_up_deadline timestamptz;

-- Every clock of every lead, one row each: its clock_outcomes row if it has one, else the clock its lead row started
-- (started when the lead was created). Reads go through this view; writes go to the two tables. Leads written
-- before 0012 have their clocks in clock_outcomes and no deadlines on the lead row. One branch per clock, so a
-- read of one clock skips the other's, and each anti-join matches on the lead alone.
CREATE VIEW clocks AS
SELECT campaign_id, lead_id, clock, started_at, deadline, warned_at, met_at, breached_at, elapsed_business_ms,
       elapsed_wall_ms, met_recorded_at, breach_retracted_at, paused_at, paused_ms, stopped_at
FROM clock_outcomes
UNION ALL
SELECT l.campaign_id, l.lead_id, 'firstTouch', l.created_at, l.first_touch_deadline, NULL::timestamptz, NULL::timestamptz,
       NULL::timestamptz, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz,
       NULL::bigint, NULL::timestamptz
FROM leads l
WHERE l.first_touch_deadline IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM clock_outcomes co
                  WHERE co.campaign_id = l.campaign_id AND co.lead_id = l.lead_id AND co.clock = 'firstTouch')
UNION ALL
SELECT l.campaign_id, l.lead_id, 'followUp', l.created_at, l.follow_up_deadline, NULL::timestamptz, NULL::timestamptz,
       NULL::timestamptz, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz,
       NULL::bigint, NULL::timestamptz
FROM leads l
WHERE l.follow_up_deadline IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM clock_outcomes co
                  WHERE co.campaign_id = l.campaign_id AND co.lead_id = l.lead_id AND co.clock = 'followUp');
