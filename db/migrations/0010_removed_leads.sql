-- A lead the CRM no longer holds (deleted, or merged into another lead) closes with a `removed` event, as a
-- rejection or a return to nurture closes it: the reports' closedAt and the CRM poll's open leads read all three.
ALTER TABLE lead_events
  DROP CONSTRAINT lead_events_kind_check,
  ADD CONSTRAINT lead_events_kind_check
    CHECK (kind IN ('contact', 'accept', 'reject', 'stage', 'owner-change', 'nurture', 'warning', 'status', 'meeting',
                    'removed'));
