// The lead book's state: one record per open lead with its clocks, the due queue that wakes them,
// and the outbox of ledger rows the campaign workflow writes in batches.
import type { ClockOutcomeRecord, LeadActivityBatch } from '../records';
import { clockKinds, type ClockKind } from '../clockKind';
import type { CampaignConfig } from '../config';
import { emptyDueQueue, type DueQueue } from '../dueQueue';
import type { ConversionStage } from '../leadEvents';
import type { RoundRobinState } from '../roundRobin';
import { dict, getOwn, type Dict } from '../dict';
import type { OwnerSpan } from '../compliance';

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
  /** Owner who held the lead when the clock ran out: the breach is theirs, whoever holds the lead later. */
  breachedOwnerId?: string;
  /** When a touch reported late showed the clock was met before its deadline, and the breach was withdrawn. */
  breachRetractedAt?: number;
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
}

export interface LeadBook {
  leads: Dict<LeadState>;
  /** IDs of leads closed in this quarter (bounded), so late duplicates are recognised. */
  closedLeadIds: string[];
  due: DueQueue;
  /** Open leads per owner, for capacity caps. */
  ownerLoad: Dict<number>;
  roundRobin: Dict<RoundRobinState>;
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
    outbox: emptyOutbox(),
  };
}

export function emptyOutbox(): LeadActivityBatch {
  return { leads: [], events: [], clocks: [] };
}

export function drainOutbox(book: LeadBook): LeadActivityBatch {
  const batch = book.outbox;
  book.outbox = emptyOutbox();
  return batch;
}

export function outboxSize(book: LeadBook): number {
  const { leads, events, clocks, steps = [] } = book.outbox;
  return leads.length + events.length + clocks.length + steps.length;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** The ledger row for a clock as it stands now. */
export function clockRecord(
  campaignId: string,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  extra: Partial<ClockOutcomeRecord> = {},
): ClockOutcomeRecord {
  return {
    campaignId,
    leadId: lead.leadId,
    clock: kind,
    startedAt: iso(clock.startedAt),
    deadline: iso(clock.deadline),
    ...(clock.warnedAt !== undefined ? { warnedAt: iso(clock.warnedAt) } : {}),
    ...(clock.metAt !== undefined ? { metAt: iso(clock.metAt) } : {}),
    ...(clock.breachedAt !== undefined ? { breachedAt: iso(clock.breachedAt) } : {}),
    ...(clock.breachRetractedAt !== undefined ? { breachRetractedAt: iso(clock.breachRetractedAt) } : {}),
    ...extra,
  };
}

/** Appends to the lead's recent history, keeping the last MAX_HISTORY entries. */
export function note(lead: LeadState, at: number, what: string): void {
  lead.history.push({ at, what });
  if (lead.history.length > MAX_HISTORY) lead.history.splice(0, lead.history.length - MAX_HISTORY);
}

export function knownLead(book: LeadBook, leadId: string): 'open' | 'closed' | 'unknown' {
  if (getOwn(book.leads, leadId)) return 'open';
  return book.closedLeadIds.includes(leadId) ? 'closed' : 'unknown';
}

export function openLeadCount(book: LeadBook): number {
  return Object.keys(book.leads).length;
}

/** Open clocks (not met, not stopped, not breached). O(open leads): for queries and throttled summaries only. */
export function openClockCount(book: LeadBook): number {
  let count = 0;
  for (const lead of Object.values(book.leads)) {
    for (const kind of clockKinds) {
      const clock = lead.clocks[kind];
      if (clock && clock.metAt === undefined && clock.stoppedAt === undefined && clock.breachedAt === undefined)
        count++;
    }
  }
  return count;
}

/** The lead's owners over time, the first from admission. */
export function ownerSpans(lead: LeadState): OwnerSpan[] {
  return lead.owners ?? [{ ownerId: lead.ownerId, from: lead.createdAt }];
}
