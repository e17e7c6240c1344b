// The clocks a lead is admitted with, written on the lead's own row (migration 0012) instead of as clock rows of
// their own: admission then writes one row per lead, not three. A clock gets its clock_outcomes row once something
// happens to it; the `clocks` view reads either. The workflow folds before it encodes a write (recordColumns.ts), so
// the activity's input carries one row per admitted lead; the ledger folds again whatever is left.
import type { ClockOutcomeRecord, LeadRecord } from './records';

/** A lead row as written: the lead, and the deadlines of the clocks it started that have no row of their own. */
export interface LeadRow {
  lead: LeadRecord;
  // Set up front, not added later: adding fields to thousands of copied records cost more than the write saved.
  firstTouch: string | null;
  followUp: string | null;
}

/**
 * Moves each clock that only started, started when its lead was created, is the only record of that clock in the
 * batch, and whose lead row is in the same batch onto that row; the rest stay clock rows. A lead that comes already
 * folded (its deadline fields) keeps them. Leads repeated in the batch are written once (the first), as the insert's
 * ON CONFLICT DO NOTHING kept the first before: one statement cannot update a row twice.
 */
export function foldStartedClocks(
  leads: readonly LeadRecord[],
  clocks: readonly ClockOutcomeRecord[],
): { leads: LeadRow[]; clocks: ClockOutcomeRecord[] } {
  // By campaign, then lead: the workflow folds its own rows, whose IDs are strings it already holds (hashed once),
  // where a joined key would be a new string per row. Each value is the row's index in `rows`.
  const byCampaign = new Map<string, Map<string, number>>();
  const rows: LeadRow[] = [];
  for (const lead of leads) {
    let campaign = byCampaign.get(lead.campaignId);
    if (!campaign) byCampaign.set(lead.campaignId, (campaign = new Map()));
    if (campaign.has(lead.leadId)) continue;
    campaign.set(lead.leadId, rows.length);
    rows.push({ lead, firstTouch: lead.firstTouchDeadline ?? null, followUp: lead.followUpDeadline ?? null });
  }
  const rowOf = (clock: ClockOutcomeRecord) =>
    clock.clock === 'firstTouch' || clock.clock === 'followUp'
      ? byCampaign.get(clock.campaignId)?.get(clock.leadId)
      : undefined;
  // A clock with another record here (a warning, an outcome) keeps its start among them: the ledger merges them
  // into one row, which the view reads whatever the lead row holds. Folding before or after that merge then agrees.
  const firstTouchRecords = new Array<number>(rows.length).fill(0);
  const followUpRecords = new Array<number>(rows.length).fill(0);
  for (const clock of clocks) {
    const row = rowOf(clock);
    if (row !== undefined) (clock.clock === 'firstTouch' ? firstTouchRecords : followUpRecords)[row]++;
  }
  const rest: ClockOutcomeRecord[] = [];
  for (const clock of clocks) {
    const index = rowOf(clock);
    const first = clock.clock === 'firstTouch';
    const row = index === undefined ? undefined : rows[index];
    const foldable =
      row !== undefined &&
      (first ? firstTouchRecords : followUpRecords)[index as number] === 1 &&
      onlyStarted(clock) &&
      sameInstant(row.lead.createdAt, clock.startedAt);
    if (!foldable) rest.push(clock);
    else if (first) row.firstTouch = clock.deadline;
    else row.followUp = clock.deadline;
  }
  return { leads: rows, clocks: rest };
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
