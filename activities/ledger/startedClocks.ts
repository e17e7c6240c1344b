// The clocks a lead is admitted with, written on the lead's own row (migration 0012) instead of as clock rows of
// their own: admission then writes one row per lead, not three. A clock gets its clock_outcomes row once something
// happens to it; the `clocks` view reads either.
import type { ClockOutcomeRecord, LeadRecord } from '../../sla/records';

/** A lead row as written: the lead, and the deadlines of the clocks it started that have no row of their own. */
export interface LeadRow {
  lead: LeadRecord;
  // Set up front, not added later: adding fields to thousands of copied records cost more than the write saved.
  firstTouch: string | null;
  followUp: string | null;
}

/** Length-prefixed, so no two (campaign, lead) pairs share a key. */
export function leadKey(campaignId: string, leadId: string): string {
  return `${campaignId.length}:${campaignId}${leadId.length}:${leadId}`;
}

/**
 * Moves each clock that only started, started when its lead was created, and whose lead row is in the same batch
 * onto that row; the rest stay clock rows. Leads repeated in the batch are written once (the first), as the
 * insert's ON CONFLICT DO NOTHING kept the first before: one statement cannot update a row twice.
 */
export function foldStartedClocks(
  leads: readonly LeadRecord[],
  clocks: readonly ClockOutcomeRecord[],
): { leads: LeadRow[]; clocks: ClockOutcomeRecord[] } {
  const rows = new Map<string, LeadRow>();
  for (const lead of leads) {
    const key = leadKey(lead.campaignId, lead.leadId);
    if (!rows.has(key)) rows.set(key, { lead, firstTouch: null, followUp: null });
  }
  const rest: ClockOutcomeRecord[] = [];
  for (const clock of clocks) {
    const kind = clock.clock;
    const foldable = (kind === 'firstTouch' || kind === 'followUp') && onlyStarted(clock);
    const row = foldable ? rows.get(leadKey(clock.campaignId, clock.leadId)) : undefined;
    if (!row || !sameInstant(row.lead.createdAt, clock.startedAt)) rest.push(clock);
    else if (kind === 'firstTouch') row.firstTouch = clock.deadline;
    else row.followUp = clock.deadline;
  }
  return { leads: [...rows.values()], clocks: rest };
}

/** The view gives a folded clock its lead's created_at as its start; the workflow spells both alike (parsing is slow). */
function sameInstant(a: string, b: string): boolean {
  return a === b || Date.parse(a) === Date.parse(b);
}

/**
 * Every field of a clock record besides its key, start and deadline. A Record over the type's keys: a field added to
 * ClockOutcomeRecord does not compile until it is listed here, so a clock holding it can never fold onto a lead row
 * and lose it.
 */
const OUTCOME_FIELDS: Record<
  Exclude<keyof ClockOutcomeRecord, 'campaignId' | 'leadId' | 'clock' | 'startedAt' | 'deadline'>,
  true
> = {
  warnedAt: true,
  metAt: true,
  breachedAt: true,
  breachRetractedAt: true,
  metRecordedAt: true,
  elapsedBusinessMs: true,
  elapsedWallMs: true,
  pausedAt: true,
  pausedMs: true,
  stoppedAt: true,
};
const OUTCOME_KEYS = Object.keys(OUTCOME_FIELDS) as (keyof typeof OUTCOME_FIELDS)[];

/** Nothing has happened to the clock yet: no warning, outcome, pause or stop, only its start and deadline. */
function onlyStarted(c: ClockOutcomeRecord): boolean {
  return OUTCOME_KEYS.every((key) => c[key] == null);
}
