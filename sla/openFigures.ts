// The SLA figures of open, untouched leads as of a given instant, kept per change instead of recounted over every
// open lead on each summary. An open lead's outcome changes only when the lead changes (./leadBook/changes) or
// when time passes its deadline or one of the tracked thresholds, so each cached outcome carries the instant it
// next changes and a heap brings it back then. Derived state beside the book, never carried over: a new run,
// an amended contract or a new quarter counts the book once and goes on from there.
import {
  addOutcome,
  attributedOwners,
  classifyLead,
  emptyFigures,
  type FigureAccumulator,
  type LeadOutcome,
  withinRuleOf,
  type TierTime,
} from './compliance';
import type { CampaignConfig } from './config';
import { emptyDueQueue, popDue, pushDue, type DueQueue } from './dueQueue';
import { ownerSpans, poolOfRep, tierTime, type LeadBook, type LeadState } from './leadBook';
import { watchLeadChanges } from './leadBook/changes';
import { getOwn } from './dict';

/** Whether a lead belongs to figures kept from `since` on (the quarter's, or the contract's since it changed). */
export const countsSince = (since: number, lead: LeadState): boolean => lead.createdAt >= since;

/** Lead book -> the facts of its first-touch clock, classified at `now`; null for a lead without one. */

export function outcomeOf(
  lead: LeadState,
  config: CampaignConfig,
  figures: FigureAccumulator,
  now: number,
  time: TierTime = tierTime(config),
): LeadOutcome | null {
  const clock = lead.clocks.firstTouch;
  if (!clock) return null;
  const touchedAt = clock.metAt;
  return classifyLead(
    {
      tier: lead.tier,
      startedAt: clock.startedAt,
      deadline: clock.deadline,
      owners: attributedOwners(ownerSpans(lead), config.responseSla.attribution),
      ...(touchedAt !== undefined
        ? { touchedAt, touchElapsedMs: time.elapsed(lead.tier, clock.startedAt, touchedAt) }
        : clock.stoppedAt !== undefined
          ? { closedAt: clock.stoppedAt }
          : {}),
      ...(clock.breachedAt !== undefined ? { breachedAt: clock.breachedAt } : {}),
      warned: clock.warnedAt !== undefined,
    },
    figures.trackedWithinMs,
    now,
    time,
    withinRuleOf(figures),
  );
}

interface CachedOutcome {
  outcome: LeadOutcome;
  /** When to classify the lead again: at or before the first instant its outcome differs; Infinity for never. */
  changesAt: number;
}

interface OpenFiguresCache {
  changed: Set<string>;
  /** What the figures were counted for: other figures, a quarter start or a contract start them again. */
  decided: FigureAccumulator;
  since: number;
  config: CampaignConfig;
  asOf: number;
  byLead: Map<string, CachedOutcome>;
  changes: DueQueue;
  open: FigureAccumulator;
}

const caches = new WeakMap<LeadBook, OpenFiguresCache>();
const times = new WeakMap<CampaignConfig, TierTime>();
const timeOf = (config: CampaignConfig) => times.get(config) ?? times.set(config, tierTime(config)).get(config)!;

/**
 * When an open outcome classified at `now` should be looked at again: a pending clock just past its deadline
 * (breached once the decision time is past it), a pending target once business time past the start exceeds its
 * threshold, or earlier, never later. Missed and breached are final for an unchanged lead.
 */
function nextChange(lead: LeadState, outcome: LeadOutcome, figures: FigureAccumulator, time: TierTime, now: number) {
  const clock = lead.clocks.firstTouch as NonNullable<LeadState['clocks']['firstTouch']>;
  const tracked = figures.trackedWithinMs;
  // Missed just after the instant T is reached, or (rule `elapsed`) once more than T has elapsed.
  const missedFrom = (ms: number) =>
    withinRuleOf(figures) === 'reach'
      ? time.reach(lead.tier, clock.startedAt, ms) + 1
      : time.reach(lead.tier, clock.startedAt, ms + 1);
  let at = outcome.clock.outcome === 'pending' ? clock.deadline + 1 : Infinity;
  outcome.targets.forEach((t, i) => {
    if (t.outcome !== 'pending') return;
    // Business time never runs ahead of wall time, so a lead younger than the threshold is looked at again
    // once it is that old in wall time; the calendar is walked only for leads still untouched by then.
    const wallBound = clock.startedAt + tracked[i] + 1;
    at = Math.min(at, now < wallBound ? wallBound : missedFrom(tracked[i]));
  });
  // Pending at `now` means its instant is still ahead; never schedule into the past whatever the calendar does.
  return at > now ? at : now + 1;
}

/**
 * The open leads' part of the SLA figures as of `now`: every lead admitted from `since` on whose first touch is
 * neither met nor stopped, classified at `now`, pools by the current `config`. Equal to classifying each of them
 * now; costs O(leads changed or past an instant since the last call, log n each).
 */
export function openFigures(
  book: LeadBook,
  decided: FigureAccumulator,
  since: number,
  config: CampaignConfig,
  now: number,
  configFor: (lead: LeadState) => CampaignConfig,
): FigureAccumulator {
  let cache = caches.get(book);
  if (!cache || cache.decided !== decided || cache.since !== since || cache.config !== config || now < cache.asOf) {
    cache = {
      changed: cache?.changed ?? watchLeadChanges(book),
      decided,
      since,
      config,
      asOf: now,
      byLead: new Map(),
      changes: emptyDueQueue(),
      open: emptyFigures(decided.trackedWithinMs),
    };
    caches.set(book, cache);
    cache.changed.clear();
    for (const leadId of Object.keys(book.leads)) cache.changed.add(leadId);
  }
  const current = cache;
  const poolOf = poolOfRep(config);
  const refresh = (leadId: string) => {
    const before = current.byLead.get(leadId);
    if (before) addOutcome(current.open, before.outcome, poolOf, -1);
    current.byLead.delete(leadId);
    const lead = getOwn(book.leads, leadId);
    const clock = lead?.clocks.firstTouch;
    if (!lead || !clock || !countsSince(since, lead) || clock.metAt !== undefined || clock.stoppedAt !== undefined)
      return;
    const leadConfig = configFor(lead);
    const time = timeOf(leadConfig);
    const outcome = outcomeOf(lead, leadConfig, decided, now, time) as LeadOutcome;
    addOutcome(current.open, outcome, poolOf);
    const changesAt = nextChange(lead, outcome, decided, time, now);
    current.byLead.set(leadId, { outcome, changesAt });
    if (changesAt !== Infinity) pushDue(current.changes, changesAt, leadId);
  };
  for (const leadId of current.changed) refresh(leadId);
  current.changed.clear();
  // Refreshing a lead leaves its earlier entry behind: compact once stale entries outnumber live ones.
  if (current.changes.heap.length > 2 * current.byLead.size + 1024) {
    current.changes = emptyDueQueue();
    for (const [leadId, { changesAt }] of current.byLead)
      if (changesAt !== Infinity) pushDue(current.changes, changesAt, leadId);
  }
  for (let entry = popDue(current.changes, now); entry; entry = popDue(current.changes, now)) {
    const [at, leadId] = entry;
    // Entries of outcomes refreshed since are stale: only the instant the current outcome holds counts.
    if (current.byLead.get(leadId)?.changesAt === at) refresh(leadId);
  }
  current.asOf = now;
  return current.open;
}
