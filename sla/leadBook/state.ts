// The lead book's state: one record per open lead with its clocks, the due queue that wakes them,
// and the outbox of ledger rows the campaign workflow writes in batches.
import { isoInstant } from '../isoInstant';
import type { ClockOutcomeRecord, LeadActivityBatch } from '../records';
import { jsonSizeBytes } from '../inputLimits';
import { encodeLeadActivity, type ColumnarLeadActivity } from '../recordColumns';
import { clockKinds, isMilestoneClock, type ClockKind } from '../clockKind';
import type { CampaignConfig } from '../config';
import { emptyDueQueue, type DueQueue } from '../dueQueue';
import type { ConversionStage } from '../leadEvents';
import type { RoundRobinState } from '../roundRobin';
import { emptyRotation, type RotationState } from '../availability';
import { dict, getOwn, type Dict } from '../dict';
import type { OwnerSpan } from '../compliance';
import type { MilestoneTally } from './milestones';
import { watchLeadChanges } from './changes';

export type LeadStatus = 'open' | 'accepted' | 'rejected' | 'nurture' | 'recycled';

export interface ClockState {
  startedAt: number;
  warnAt: number;
  deadline: number;
  warnedAt?: number;
  metAt?: number;
  breachedAt?: number;
  /** Set when the lead closed (rejected, nurtured) before this clock was met. */
  stoppedAt?: number;
  /** Escalation chain progress after a breach: index and due time of the next step. */
  nextStep?: number;
  nextStepAt?: number;
  /** The step handed to an activity and not yet confirmed done: its side effect happens outside the workflow. */
  stepInFlight?: number;
  /** Failed attempts of the pending step, for its backoff. */
  stepAttempts?: number;
  /**
   * The owner a failed reassign step picked, which its retry writes again (the write may have landed); it travels in
   * the carry-over, so a retry in the next run writes it too.
   */
  reassignPick?: { stepIndex: number; newOwnerId: string };
  /** Owner who held the lead when the clock ran out: the breach is theirs, whoever holds the lead later. */
  breachedOwnerId?: string;
  /** When a touch reported late showed the clock was met before its deadline, and the breach was withdrawn. */
  breachRetractedAt?: number;
  /** Milestones: paused since (the lead's CRM status is in the pause set), with what was left of deadline and warning. */
  pausedAt?: number;
  remainingMs?: number;
  warnRemainingMs?: number;
  /** Milestones: time stood still in finished pauses, in the milestone's time base. */
  pausedMs?: number;
}

export interface LeadHistoryEntry {
  at: number;
  what: string;
}

export interface LeadState {
  leadId: string;
  tier: string;
  ownerId: string;
  createdAt: number;
  configVersion: number;
  status: LeadStatus;
  stage?: ConversionStage;
  attempts: number;
  firstTouchAt?: number;
  reassignments: number;
  /** Who held the lead from when, once it changed owner (absent: ownerId since createdAt); SLA figures follow it. */
  owners?: OwnerSpan[];
  clocks: Partial<Record<ClockKind, ClockState>>;
  /** Recent event IDs, so a repeated event is a no-op. */
  eventIds: string[];
  history: LeadHistoryEntry[];
  /** The lead's latest CRM status (Lead.Status) and when it became so, for milestones that pause on it. */
  crmStatus?: string;
  crmStatusAt?: number;
}

export interface LeadBook {
  leads: Dict<LeadState>;
  /** IDs of leads closed in this quarter (bounded), so late duplicates are recognised. */
  closedLeadIds: string[];
  due: DueQueue;
  /** Open leads per owner, for capacity caps. */
  ownerLoad: Dict<number>;
  roundRobin: Dict<RoundRobinState>;
  /** Recent breaches per rep and out-of-rotation spells (responseSla.routing.outOfRotation). */
  rotation: RotationState;
  /** Reps the CRM says are deactivated users (User.IsActive false), as of the latest check. */
  inactiveReps: string[];
  /** Milestone clocks of leads that left the book, by milestone name. */
  milestoneTally?: Dict<MilestoneTally>;
  outbox: LeadActivityBatch;
}

export interface BookContext {
  campaignId: string;
  now: number;
  /** Config versions by number; open clocks keep the terms they started under. */
  configs: Record<number, CampaignConfig>;
  currentVersion: number;
}

const MAX_HISTORY = 24;

export function emptyLeadBook(): LeadBook {
  return {
    leads: dict(),
    closedLeadIds: [],
    due: emptyDueQueue(),
    ownerLoad: dict(),
    roundRobin: dict(),
    rotation: emptyRotation(),
    inactiveReps: [],
    outbox: emptyOutbox(),
  };
}

export function emptyOutbox(): LeadActivityBatch {
  return { leads: [], events: [], clocks: [] };
}

/**
 * Most one ledger write carries. Rows pile up while a write is in flight (full-size intake batches back to back,
 * or a ledger outage), and Temporal refuses an activity input over 2 MB (warning from 512 KB): one write of all of
 * them would fail every workflow task from then on.
 */
export const MAX_LEDGER_WRITE_BYTES = 256 * 1024;

/**
 * The next ledger write: the outbox's rows up to `maxBytes` of JSON (at least one row), taken in the ledger's own
 * order (leads, events, clocks, steps) and as a prefix, so a lead's row is always written before any row that refers
 * to it and each list keeps its order. The rest stays for the next write.
 */
export function drainOutbox(book: LeadBook, maxBytes = Infinity): LeadActivityBatch {
  let rows = 0;
  let bytes = 0;
  const { leads, events, clocks, steps = [] } = book.outbox;
  for (const row of [leads, events, clocks, steps].flat()) {
    const size = jsonSizeBytes(row) + 1;
    if (rows > 0 && bytes + size > maxBytes) break;
    bytes += size;
    rows++;
  }
  return takeFromOutbox(book, rows);
}

/**
 * The next ledger write in columns (see recordColumns.ts): at most `maxRows` of the outbox's rows, taken as
 * drainOutbox takes them, whose encoding stays within `maxBytes` (one larger row goes alone). The encoding is what
 * the activity carries; for intake's rows it is a quarter of their JSON, so a cap on it lets one write carry several
 * intake batches where a cap on the JSON would split them.
 */
export function drainEncodedOutbox(
  book: LeadBook,
  maxRows: number,
  maxBytes: number,
  encoding: { foldAdmissionClocks: boolean },
): { rows: LeadActivityBatch; encoded: ColumnarLeadActivity } {
  let rows = Math.min(maxRows, outboxSize(book));
  for (;;) {
    const encoded = encodeLeadActivity(outboxPrefix(book.outbox, rows), encoding);
    const bytes = jsonSizeBytes(encoded);
    if (bytes <= maxBytes || rows <= 1) return { rows: takeFromOutbox(book, rows), encoded };
    // Rows are near enough alike in size that scaling down lands under the cap in one or two more tries.
    rows = Math.max(1, Math.min(rows - 1, Math.floor(((rows * maxBytes) / bytes) * 0.9)));
  }
}

/** The outbox's first `rows` rows in write order, left in place. */
function outboxPrefix(outbox: LeadActivityBatch, rows: number): LeadActivityBatch {
  let left = rows;
  const take = <T>(pending: T[] = []): T[] => {
    const taken = pending.slice(0, left);
    left -= taken.length;
    return taken;
  };
  const batch: LeadActivityBatch = {
    leads: take(outbox.leads),
    events: take(outbox.events),
    clocks: take(outbox.clocks),
  };
  const steps = take(outbox.steps);
  if (steps.length > 0) batch.steps = steps;
  return batch;
}

function takeFromOutbox(book: LeadBook, rows: number): LeadActivityBatch {
  const batch = outboxPrefix(book.outbox, rows);
  const { leads, events, clocks, steps = [] } = book.outbox;
  const stepsLeft = steps.slice(batch.steps?.length ?? 0);
  book.outbox = {
    leads: leads.slice(batch.leads.length),
    events: events.slice(batch.events.length),
    clocks: clocks.slice(batch.clocks.length),
    ...(stepsLeft.length > 0 ? { steps: stepsLeft } : {}),
  };
  return batch;
}

/**
 * Puts a write's rows back in front of the outbox, as they were before it was taken: a write cancelled so the run
 * could hand over (workflows/campaignSla/deliveries.ts) goes with the carry-over, ahead of the rows queued since.
 */
export function returnToOutbox(book: LeadBook, rows: LeadActivityBatch): void {
  const { leads, events, clocks, steps = [] } = book.outbox;
  const stepsBack = [...(rows.steps ?? []), ...steps];
  book.outbox = {
    leads: [...rows.leads, ...leads],
    events: [...rows.events, ...events],
    clocks: [...rows.clocks, ...clocks],
    ...(stepsBack.length > 0 ? { steps: stepsBack } : {}),
  };
}

export function outboxSize(book: LeadBook): number {
  const { leads, events, clocks, steps = [] } = book.outbox;
  return leads.length + events.length + clocks.length + steps.length;
}

export const iso = isoInstant;

/** The ledger row for a clock as it stands now. */
export function clockRecord(
  campaignId: string,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  extra: Partial<ClockOutcomeRecord> = {},
): ClockOutcomeRecord {
  // Filled field by field, not with conditional spreads: intake makes one per clock, thousands per batch.
  const record: ClockOutcomeRecord = {
    campaignId,
    leadId: lead.leadId,
    clock: kind,
    startedAt: iso(clock.startedAt),
    deadline: iso(clock.deadline),
  };
  if (clock.warnedAt !== undefined) record.warnedAt = iso(clock.warnedAt);
  if (clock.metAt !== undefined) record.metAt = iso(clock.metAt);
  if (clock.breachedAt !== undefined) record.breachedAt = iso(clock.breachedAt);
  if (clock.breachRetractedAt !== undefined) record.breachRetractedAt = iso(clock.breachRetractedAt);
  if (clock.pausedAt !== undefined) record.pausedAt = iso(clock.pausedAt);
  if (clock.pausedMs !== undefined) record.pausedMs = clock.pausedMs;
  if (clock.stoppedAt !== undefined) record.stoppedAt = iso(clock.stoppedAt);
  return Object.assign(record, extra);
}

/** Appends to the lead's recent history, keeping the last MAX_HISTORY entries. */
export function note(lead: LeadState, at: number, what: string): void {
  lead.history.push({ at, what });
  if (lead.history.length > MAX_HISTORY) lead.history.splice(0, lead.history.length - MAX_HISTORY);
}

export function knownLead(book: LeadBook, leadId: string): 'open' | 'closed' | 'unknown' {
  if (getOwn(book.leads, leadId)) return 'open';
  return isClosedLeadId(book, leadId) ? 'closed' : 'unknown';
}

/**
 * A Set beside each list of closed lead IDs: intake asks about every lead of a batch, and scanning up to 20,000
 * IDs for each made a 500-lead batch cost 10 million comparisons. Rebuilt whenever it no longer matches the list.
 */
const closedIndex = new WeakMap<string[], Set<string>>();

function closedSet(ids: string[]): Set<string> {
  let set = closedIndex.get(ids);
  if (!set || set.size !== ids.length) {
    set = new Set(ids);
    closedIndex.set(ids, set);
  }
  return set;
}

export function isClosedLeadId(book: LeadBook, leadId: string): boolean {
  return closedSet(book.closedLeadIds).has(leadId);
}

/** Remembers a closed lead's ID (for duplicate detection), keeping the `keep` most recent. */
export function rememberClosedLeadId(book: LeadBook, leadId: string, keep: number): void {
  const set = closedSet(book.closedLeadIds);
  book.closedLeadIds.push(leadId);
  set.add(leadId);
  if (book.closedLeadIds.length > keep) {
    for (const dropped of book.closedLeadIds.splice(0, book.closedLeadIds.length - keep)) set.delete(dropped);
  }
}

const openLeadTallies = new WeakMap<LeadBook, { changed: Set<string>; open: Set<string> }>();

/** Leads in the book: counted once, then kept per change (./changes), as openClockCount is. */
export function openLeadCount(book: LeadBook): number {
  let tally = openLeadTallies.get(book);
  if (!tally) {
    tally = { changed: watchLeadChanges(book), open: new Set(Object.keys(book.leads)) };
    openLeadTallies.set(book, tally);
  }
  for (const leadId of tally.changed) {
    if (getOwn(book.leads, leadId)) tally.open.add(leadId);
    else tally.open.delete(leadId);
  }
  tally.changed.clear();
  return tally.open.size;
}

const isOpenClock = (clock: ClockState | undefined) =>
  clock !== undefined && clock.metAt === undefined && clock.stoppedAt === undefined && clock.breachedAt === undefined;

function openClocksOf(lead: LeadState): number {
  let count = 0;
  for (const kind of leadClockKinds(lead)) if (isOpenClock(lead.clocks[kind])) count++;
  return count;
}

interface OpenClockTally {
  changed: Set<string>;
  byLead: Map<string, number>;
  total: number;
}

const openClockTallies = new WeakMap<LeadBook, OpenClockTally>();

/**
 * Open clocks (not met, not stopped, not breached). Counted over the book once, then kept per change
 * (./changes): a call costs O(leads changed since the last one), so the throttled summary can ask on every publish.
 */
export function openClockCount(book: LeadBook): number {
  let tally = openClockTallies.get(book);
  if (!tally) {
    tally = { changed: watchLeadChanges(book), byLead: new Map(), total: 0 };
    openClockTallies.set(book, tally);
    for (const lead of Object.values(book.leads)) tally.changed.add(lead.leadId);
  }
  for (const leadId of tally.changed) {
    const lead = getOwn(book.leads, leadId);
    const count = lead ? openClocksOf(lead) : 0;
    tally.total += count - (tally.byLead.get(leadId) ?? 0);
    if (count > 0) tally.byLead.set(leadId, count);
    else tally.byLead.delete(leadId);
  }
  tally.changed.clear();
  return tally.total;
}

/** The lead's clocks: the built-in ones in their fixed order, then its milestones in the order they started. */
export function leadClockKinds(lead: LeadState): ClockKind[] {
  const milestones = Object.keys(lead.clocks).filter(isMilestoneClock);
  return milestones.length ? [...clockKinds, ...milestones] : (clockKinds as ClockKind[]);
}

/** The lead's owners over time, the first from admission. */
export function ownerSpans(lead: LeadState): OwnerSpan[] {
  return lead.owners ?? [{ ownerId: lead.ownerId, from: lead.createdAt }];
}
