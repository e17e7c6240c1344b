-- Milestone clocks (responseSla.milestones): named "m:<name>" beside the three built-in clocks; a milestone may be
-- paused (paused_at while it stands still, paused_ms of finished pauses, in its own time base) and stopped when the
-- lead leaves the SLA before it was met. Lead events gain the CRM facts milestones follow: status and meeting.
ALTER TABLE clock_outcomes
  DROP CONSTRAINT clock_outcomes_clock_check,
  ADD CONSTRAINT clock_outcomes_clock_check
    CHECK (clock IN ('firstTouch', 'acceptance', 'followUp') OR clock ~ '^m:[A-Za-z0-9][A-Za-z0-9_-]{0,39}$'),
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN paused_ms bigint CHECK (paused_ms >= 0),
  ADD COLUMN stopped_at timestamptz;

ALTER TABLE escalation_steps
  DROP CONSTRAINT escalation_steps_clock_check,
  ADD CONSTRAINT escalation_steps_clock_check
    CHECK (clock IN ('firstTouch', 'acceptance', 'followUp') OR clock ~ '^m:[A-Za-z0-9][A-Za-z0-9_-]{0,39}$');

ALTER TABLE lead_events
  DROP CONSTRAINT lead_events_kind_check,
  ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('contact', 'accept', 'reject', 'stage', 'owner-change', 'nurture', 'warning', 'status', 'meeting'));
