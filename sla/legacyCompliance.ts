// Response-SLA compliance: running accumulators per campaign, tier and owner, and the summary the
// dashboard and the budget rules read ("80% of leads contacted within 1 hour").
//
// The accumulator is plain JSON of bounded size (counters plus one fixed-size histogram per group), so
// a campaign workflow can carry it through continue-as-new for 100,000 leads. Target shares are exact:
// the accumulator counts first touches within each target threshold it was created to track; the
// histogram is only used for the median / p95 (within ±2%, see ./histogram).
//
// Every record* function returns a new accumulator and leaves its input untouched. Each event is
// attributed to the tier and owner given with it, i.e. the owner at the time of the event.

import { add, emptyHistogram, quantile, type Histogram } from './histogram';
import { dict, getOwn, toDict, withEntry } from './dict';

export type BreachClock = 'firstTouch' | 'acceptance' | 'followUp';
export type Decision = 'accept' | 'reject';

export interface ComplianceGroup {
  leads: number;
  touched: number;
  /** Leads closed (nurtured, recycled) without ever being contacted: a miss for every target. */
  closedUntouched?: number;
  /** Target threshold in ms (as a key) -> touched leads whose first touch came within it. */
  touchedWithin: Record<string, number>;
  firstTouch: Histogram;
  breaches: Record<BreachClock, number>;
  accepted: number;
  rejected: number;
  dispositions: Record<string, number>;
}

export interface ComplianceAccumulator {
  /** Thresholds (ms) whose shares are counted exactly; summaries may only ask for these. */
  trackedWithinMs: number[];
  overall: ComplianceGroup;
  byTier: Record<string, ComplianceGroup>;
  byOwner: Record<string, ComplianceGroup>;
}

export interface LeadRef {
  tier: string;
  ownerId: string;
}

export interface ResponseTarget {
  withinMs: number;
  /** Required share, 0..1 (0.8 for "80% within"). */
  target: number;
}

export interface OpenLead extends LeadRef {
  /** Time since the lead was created, in the same time base as first-touch times (business time where the tier counts it). */
  ageMs: number;
  /** The lead's response clock has passed its warning point. */
  warned?: boolean;
}

export interface TargetResult extends ResponseTarget {
  /** Share of decided leads contacted within `withinMs`; null when no lead is decided yet. */
  actual: number | null;
  met: boolean;
  /** Decided leads: touched leads plus open leads already older than `withinMs`. */
  sample: number;
  within: number;
}

export interface ComplianceSection {
  leads: number;
  touched: number;
  open: number;
  openWarned: number;
  medianFirstTouchMs: number | null;
  p95FirstTouchMs: number | null;
  breaches: Record<BreachClock, number>;
  accepted: number;
  rejected: number;
  /** accepted / (accepted + rejected); null before any disposition. */
  acceptanceRate: number | null;
  /** Disposition reason -> count; a disposition without a reason counts under its decision. */
  dispositions: Record<string, number>;
  targets: TargetResult[];
  meetsTargets: boolean;
}

export interface ComplianceSummary extends ComplianceSection {
  byTier: Record<string, ComplianceSection>;
  byOwner: Record<string, ComplianceSection>;
}

function emptyGroup(trackedWithinMs: number[]): ComplianceGroup {
  const touchedWithin = dict<number>();
  for (const ms of trackedWithinMs) touchedWithin[String(ms)] = 0;
  return {
    leads: 0,
    touched: 0,
    touchedWithin,
    firstTouch: emptyHistogram(),
    breaches: { firstTouch: 0, acceptance: 0, followUp: 0 },
    accepted: 0,
    rejected: 0,
    dispositions: dict(),
  };
}

export function initialComplianceAccumulator(trackedWithinMs: number[]): ComplianceAccumulator {
  trackedWithinMs.forEach((ms, i) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`trackedWithinMs[${i}] must be a finite number >= 0, got ${ms}`);
  });
  const tracked = [...new Set(trackedWithinMs)].sort((a, b) => a - b);
  return { trackedWithinMs: tracked, overall: emptyGroup(tracked), byTier: dict(), byOwner: dict() };
}

/** Applies `update` to the overall group and to the lead's tier and owner groups. */
function updateGroups(
  acc: ComplianceAccumulator,
  { tier, ownerId }: LeadRef,
  update: (group: ComplianceGroup) => ComplianceGroup,
): ComplianceAccumulator {
  const orEmpty = (group: ComplianceGroup | undefined) => group ?? emptyGroup(acc.trackedWithinMs);
  return {
    trackedWithinMs: acc.trackedWithinMs,
    overall: update(acc.overall),
    byTier: withEntry(acc.byTier, tier, update(orEmpty(getOwn(acc.byTier, tier)))),
    byOwner: withEntry(acc.byOwner, ownerId, update(orEmpty(getOwn(acc.byOwner, ownerId)))),
  };
}

export function recordLeadOpened(acc: ComplianceAccumulator, lead: LeadRef): ComplianceAccumulator {
  return updateGroups(acc, lead, (g) => ({ ...g, leads: g.leads + 1 }));
}

/** `elapsedMs`: time from lead creation to first touch, in business time where the tier counts business time. */
export function recordFirstTouch(
  acc: ComplianceAccumulator,
  event: LeadRef & { elapsedMs: number },
): ComplianceAccumulator {
  const { elapsedMs } = event;
  if (!Number.isFinite(elapsedMs) || elapsedMs < 0) {
    throw new Error(`first touch elapsedMs must be a finite number >= 0, got ${elapsedMs}`);
  }
  return updateGroups(acc, event, (g) => {
    const touchedWithin = { ...g.touchedWithin };
    for (const ms of acc.trackedWithinMs) {
      if (elapsedMs <= ms) touchedWithin[String(ms)] += 1;
    }
    return { ...g, touched: g.touched + 1, touchedWithin, firstTouch: add(g.firstTouch, elapsedMs) };
  });
}

/** A lead left the SLA (returned to nurture, recycled) without a first touch. */
export function recordClosedUntouched(acc: ComplianceAccumulator, lead: LeadRef): ComplianceAccumulator {
  return updateGroups(acc, lead, (g) => ({ ...g, closedUntouched: (g.closedUntouched ?? 0) + 1 }));
}

export function recordBreach(
  acc: ComplianceAccumulator,
  event: LeadRef & { clock: BreachClock },
): ComplianceAccumulator {
  return updateGroups(acc, event, (g) => ({
    ...g,
    breaches: { ...g.breaches, [event.clock]: g.breaches[event.clock] + 1 },
  }));
}

/** A breach withdrawn because a touch reported late was on time; the owner is the one it was charged to. */
export function recordBreachRetracted(
  acc: ComplianceAccumulator,
  event: LeadRef & { clock: BreachClock },
): ComplianceAccumulator {
  return updateGroups(acc, event, (g) => ({
    ...g,
    breaches: { ...g.breaches, [event.clock]: Math.max(0, g.breaches[event.clock] - 1) },
  }));
}

export function recordDisposition(
  acc: ComplianceAccumulator,
  event: LeadRef & { decision: Decision; reason?: string },
): ComplianceAccumulator {
  const key = event.reason ?? event.decision;
  return updateGroups(acc, event, (g) => ({
    ...g,
    accepted: g.accepted + (event.decision === 'accept' ? 1 : 0),
    rejected: g.rejected + (event.decision === 'reject' ? 1 : 0),
    dispositions: withEntry(g.dispositions, key, (getOwn(g.dispositions, key) ?? 0) + 1),
  }));
}

/** Open leads folded per group: how many, how many warned, and how many are past each target. */
interface OpenTally {
  open: number;
  warned: number;
  pastTarget: number[];
}

function tallyOpenLeads(openLeads: OpenLead[], targets: ResponseTarget[]) {
  const blank = (): OpenTally => ({ open: 0, warned: 0, pastTarget: targets.map(() => 0) });
  const overall = blank();
  const byTier = dict<OpenTally>();
  const byOwner = dict<OpenTally>();
  openLeads.forEach((lead, i) => {
    if (!Number.isFinite(lead.ageMs) || lead.ageMs < 0) {
      throw new Error(`openLeads[${i}].ageMs must be a finite number >= 0, got ${lead.ageMs}`);
    }
    for (const tally of [overall, (byTier[lead.tier] ??= blank()), (byOwner[lead.ownerId] ??= blank())]) {
      tally.open += 1;
      if (lead.warned) tally.warned += 1;
      targets.forEach((t, j) => {
        if (lead.ageMs > t.withinMs) tally.pastTarget[j] += 1;
      });
    }
  });
  return { overall, byTier, byOwner, blank };
}

function section(group: ComplianceGroup, open: OpenTally, targets: ResponseTarget[]): ComplianceSection {
  const results = targets.map((t, j): TargetResult => {
    const within = group.touchedWithin[String(t.withinMs)];
    // Late touches, leads closed untouched and open leads already past the threshold are misses; younger
    // open leads may still make it, so they stay out of the denominator until touched or past it.
    const sample = group.touched + (group.closedUntouched ?? 0) + open.pastTarget[j];
    const actual = sample === 0 ? null : within / sample;
    return {
      withinMs: t.withinMs,
      target: t.target,
      actual,
      met: actual === null || actual >= t.target,
      sample,
      within,
    };
  });
  const decided = group.accepted + group.rejected;
  return {
    leads: group.leads,
    touched: group.touched,
    open: open.open,
    openWarned: open.warned,
    medianFirstTouchMs: quantile(group.firstTouch, 0.5),
    p95FirstTouchMs: quantile(group.firstTouch, 0.95),
    breaches: { ...group.breaches },
    accepted: group.accepted,
    rejected: group.rejected,
    acceptanceRate: decided === 0 ? null : group.accepted / decided,
    dispositions: toDict(group.dispositions),
    targets: results,
    meetsTargets: results.every((r) => r.met),
  };
}

/**
 * Compliance overall, per tier and per owner.
 * Share within a target = touched leads contacted within it / (touched leads + open leads already past
 * it). Open leads not yet past the target are excluded from the denominator; leads closed without any
 * touch are not counted either. A target with no decided lead yet has actual null and counts as met.
 */
export function summarizeCompliance(
  acc: ComplianceAccumulator,
  targets: ResponseTarget[],
  openLeads: OpenLead[],
): ComplianceSummary {
  targets.forEach((t, i) => {
    if (!acc.trackedWithinMs.includes(t.withinMs)) {
      throw new Error(
        `targets[${i}].withinMs ${t.withinMs} is not tracked by this accumulator (tracked: ${acc.trackedWithinMs.join(', ') || 'none'})`,
      );
    }
    if (!(t.target >= 0 && t.target <= 1))
      throw new Error(`targets[${i}].target must be a share within [0, 1], got ${t.target}`);
  });
  const open = tallyOpenLeads(openLeads, targets);
  const sections = (groups: Record<string, ComplianceGroup>, tallies: Record<string, OpenTally>) => {
    const result = dict<ComplianceSection>();
    for (const key of [...new Set([...Object.keys(groups), ...Object.keys(tallies)])].sort()) {
      result[key] = section(
        getOwn(groups, key) ?? emptyGroup(acc.trackedWithinMs),
        getOwn(tallies, key) ?? open.blank(),
        targets,
      );
    }
    return result;
  };
  return {
    ...section(acc.overall, open.overall, targets),
    byTier: sections(acc.byTier, open.byTier),
    byOwner: sections(acc.byOwner, open.byOwner),
  };
}
