-- The CRM poll's index of first-touch clocks not yet met: the poll has since read every open clock of its leads
-- (openLeadIds: the primary key's campaign prefix), and no report reads it, yet every admitted lead's first-touch
-- row was written into it, on the ledger's busiest write.
DROP INDEX IF EXISTS clock_outcomes_untouched;
