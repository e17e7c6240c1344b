-- Event time: a clock met by a touch that happened before its deadline but was reported after the breach
-- fired (within the allowed lateness) has its breach withdrawn; met_at is when the touch happened and
-- met_recorded_at when the engine learned of it.
ALTER TABLE clock_outcomes
  ADD COLUMN met_recorded_at timestamptz,
  ADD COLUMN breach_retracted_at timestamptz;
