// Response-SLA figures: the one definition the workflow's slaState, the search attribute, the ledger's
// reports, the quarter report, the scorecard and the dashboard all compute through.
//
// Definitions (the README repeats them in one sentence each):
// - Attribution: an outcome belongs to the owner who held the lead when it was decided. A clock met or a
//   target reached belongs to whoever held the lead at the touch; a breach or a missed target to whoever
//   held it when the time ran out; a lead closed untouched to whoever held it at the close. A touch after a
//   breach by someone else is that person's rescue, counted apart; the breach stays with the one who missed.
// - The first-touch clock of every lead started in the window is exactly one of met, breached, pending or
//   closed untouched, so started = met + breached + pending + closedUntouched for every group.
// - "X% within T": a lead is within when it was touched at or before the instant T is reached from its start
//   (in the tier's time base: business time for business-hours tiers), the rule the clocks' deadlines follow; it
//   is in the sample once touched or once that instant has passed; until then it is pending. A lead closed
//   untouched is a miss. share = within / (within + missed).
// - Time to first touch (median, p95) is over the touched leads a group owns; neverTouched = started − touched.
// - Per tier, per owner, per pool and overall follow the same rule: a lead's outcome is counted once in the
//   overall figures and once in its tier's, its owner's and that owner's pool's.
//
// Leads decided for good (touched, or closed) are folded into a bounded accumulator; leads still open
// are classified on demand, so a campaign carries only counters and histograms through continue-as-new.
import { add, emptyHistogram, quantile, type Histogram } from './histogram';
import { dict, getOwn } from './dict';

type BreachClock = 'firstTouch' | 'acceptance' | 'followUp';
export type Decision = 'accept' | 'reject';

export interface ResponseTarget {
  withinMs: number;
  /** Required share, 0..1 (0.8 for "80% within"). */
  target: number;
}

/** A lead's owner from a time on; the list is in time order and starts with the owner at admission. */
export interface OwnerSpan {
  ownerId: string;
  from: number;
}

/** What is known about one lead's first-touch clock, from the workflow's lead book or from the ledger. */
export interface FirstTouchFacts {
  tier: string;
  startedAt: number;
  deadline: number;
  owners: readonly OwnerSpan[];
  touchedAt?: number;
  /** Time from start to first touch in the tier's time base; required when touchedAt is set. */
  touchElapsedMs?: number;
  /** A standing breach (a withdrawn one is not set). */
  breachedAt?: number;
  /** The lead left the SLA (rejected, nurtured) before any touch. */
  closedAt?: number;
  /** The clock passed its warning point. */
  warned?: boolean;
}

/** Tier time base: elapsed time and the instant a duration is reached, in wall or business time. */
export interface TierTime {
  elapsed(tier: string, from: number, to: number): number;
  reach(tier: string, from: number, ms: number): number;
}

/**
 * When a touch counts as within T. `reach`: at or before the instant T is reached, where a deadline of T falls, so a
 * lead whose clock breached is never within its own deadline's T. `elapsed`: business time elapsed ≤ T, which also
 * counted a touch after the close of the business day T ran out in (no business time passes then) while its clock
 * had breached at the close; figures begun before patch within-at-reach keep it, so their replay decides the same.
 */
export type WithinRule = 'reach' | 'elapsed';

type ClockOutcome = 'met' | 'breached' | 'pending' | 'closedUntouched';
type TargetOutcome = 'within' | 'missed' | 'pending';

export interface LeadOutcome {
  tier: string;
  clock: { outcome: ClockOutcome; ownerId: string };
  /** Set when the lead was touched; the time belongs to the clock's owner. */
  touchElapsedMs?: number;
  /** Owner who touched the lead after someone else's breach. */
  rescuedBy?: string;
  targets: Array<{ outcome: TargetOutcome; ownerId: string }>;
  warned: boolean;
  /** Every part is decided: nothing about this lead's figures can change any more. */
  final: boolean;
}

export type Attribution = 'holder' | 'first-owner';

/** The owner spans outcomes are attributed over: every holder, or only the first owner (the contract's choice). */
export function attributedOwners(
  owners: readonly OwnerSpan[],
  attribution: Attribution | undefined,
): readonly OwnerSpan[] {
  return attribution === 'first-owner' ? owners.slice(0, 1) : owners;
}

export function ownerAt(owners: readonly OwnerSpan[], at: number): string {
  let owner = owners[0].ownerId;
  for (const span of owners) {
    if (span.from > at) break;
    owner = span.ownerId;
  }
  return owner;
}

/** Classifies one lead against the clock and the tracked target thresholds (ascending), as of `now`. */
export function classifyLead(
  facts: FirstTouchFacts,
  trackedWithinMs: readonly number[],
  now: number,
  time: TierTime,
  rule: WithinRule,
): LeadOutcome {
  const { owners, tier, startedAt } = facts;
  if (owners.length === 0) throw new Error('a lead needs at least one owner');
  const current = owners[owners.length - 1].ownerId;
  const touched = facts.touchedAt !== undefined;
  if (touched && !(Number.isFinite(facts.touchElapsedMs) && (facts.touchElapsedMs as number) >= 0)) {
    throw new Error(`touchElapsedMs must be a finite number >= 0, got ${facts.touchElapsedMs}`);
  }
  const closed = !touched && facts.closedAt !== undefined;
  // Decided when touched or closed; an open lead past its deadline is breached even before its timer fires.
  const decidedAt = facts.touchedAt ?? facts.closedAt ?? now;
  let clock: LeadOutcome['clock'];
  if (facts.breachedAt !== undefined || decidedAt > facts.deadline) {
    clock = { outcome: 'breached', ownerId: ownerAt(owners, facts.deadline) };
  } else if (touched) {
    clock = { outcome: 'met', ownerId: ownerAt(owners, facts.touchedAt as number) };
  } else if (closed) {
    clock = { outcome: 'closedUntouched', ownerId: ownerAt(owners, facts.closedAt as number) };
  } else {
    clock = { outcome: 'pending', ownerId: current };
  }
  const toucher = touched ? ownerAt(owners, facts.touchedAt as number) : undefined;
  const rescuedBy =
    clock.outcome === 'breached' && toucher !== undefined && toucher !== clock.ownerId ? toucher : undefined;
  // Elapsed time of an open lead is computed once, and only when a threshold could have passed.
  let openElapsed: number | undefined;
  const elapsedNow = () => (openElapsed ??= time.elapsed(tier, startedAt, now));
  const single = owners.length === 1;
  // At exactly T elapsed the instant decides: business time stands still from the close that T was reached at
  // until the next opening, and the clock's deadline is that close. Elapsed below or above T decides alone.
  const reached = (at: number, elapsed: number, withinMs: number) =>
    elapsed < withinMs || (elapsed === withinMs && (rule === 'elapsed' || at <= time.reach(tier, startedAt, withinMs)));
  const targets = trackedWithinMs.map((withinMs) => {
    if (touched && reached(facts.touchedAt as number, facts.touchElapsedMs as number, withinMs))
      return { outcome: 'within' as const, ownerId: toucher as string };
    if (closed) {
      if (single) return { outcome: 'missed' as const, ownerId: current };
      const horizon = time.reach(tier, startedAt, withinMs);
      return { outcome: 'missed' as const, ownerId: ownerAt(owners, Math.min(horizon, facts.closedAt as number)) };
    }
    // Business age never exceeds wall age: a lead younger than T in wall time is pending without a calendar.
    if (!touched && (now - startedAt <= withinMs || reached(now, elapsedNow(), withinMs))) {
      return { outcome: 'pending' as const, ownerId: current };
    }
    return {
      outcome: 'missed' as const,
      ownerId: single ? current : ownerAt(owners, time.reach(tier, startedAt, withinMs)),
    };
  });
  return {
    tier,
    clock,
    ...(touched ? { touchElapsedMs: facts.touchElapsedMs } : {}),
    ...(rescuedBy !== undefined ? { rescuedBy } : {}),
    targets,
    warned: !touched && !closed && facts.warned === true,
    final: touched || closed,
  };
}

interface FigureGroup {
  started: number;
  met: number;
  breached: number;
  pending: number;
  closedUntouched: number;
  touched: number;
  rescues: number;
  openWarned: number;
  /** Per tracked threshold (same order as trackedWithinMs). */
  within: number[];
  missed: number[];
  targetPending: number[];
  firstTouch: Histogram;
  /** Breaches of the acceptance and follow-up clocks, to the owner at the breach. */
  clockBreaches: { acceptance: number; followUp: number };
  accepted: number;
  rejected: number;
  /** Reason (or the decision when none was given) -> leads. */
  dispositions: Record<string, number>;
}

export interface FigureAccumulator {
  /** Thresholds (ms) whose shares are counted exactly, ascending; summaries may only ask for these. */
  trackedWithinMs: number[];
  /** How a touch counts as within a threshold; absent in figures begun before patch within-at-reach: `elapsed`. */
  withinRule?: 'reach';
  overall: FigureGroup;
  byTier: Record<string, FigureGroup>;
  byOwner: Record<string, FigureGroup>;
  byPool: Record<string, FigureGroup>;
}

/** Owner -> pool name, for the per-pool figures; owners outside every pool are in UNPOOLED. */
export type PoolOf = (ownerId: string) => string | undefined;
export const UNPOOLED = '(no pool)';

function emptyGroup(tracked: number): FigureGroup {
  return {
    started: 0,
    met: 0,
    breached: 0,
    pending: 0,
    closedUntouched: 0,
    touched: 0,
    rescues: 0,
    openWarned: 0,
    within: new Array(tracked).fill(0),
    missed: new Array(tracked).fill(0),
    targetPending: new Array(tracked).fill(0),
    firstTouch: emptyHistogram(),
    clockBreaches: { acceptance: 0, followUp: 0 },
    accepted: 0,
    rejected: 0,
    dispositions: dict(),
  };
}

/** The rule an accumulator's leads are classified by. */
export const withinRuleOf = (acc: FigureAccumulator): WithinRule => acc.withinRule ?? 'elapsed';

export function emptyFigures(trackedWithinMs: readonly number[], rule: WithinRule = 'reach'): FigureAccumulator {
  trackedWithinMs.forEach((ms, i) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`trackedWithinMs[${i}] must be a finite number >= 0, got ${ms}`);
  });
  const tracked = [...new Set(trackedWithinMs)].sort((a, b) => a - b);
  return {
    trackedWithinMs: tracked,
    ...(rule === 'reach' ? { withinRule: rule } : {}),
    overall: emptyGroup(tracked.length),
    byTier: dict(),
    byOwner: dict(),
    byPool: dict(),
  };
}

function groupIn(acc: FigureAccumulator, groups: Record<string, FigureGroup>, key: string): FigureGroup {
  return getOwn(groups, key) ?? (groups[key] = emptyGroup(acc.trackedWithinMs.length));
}

function ownerGroups(acc: FigureAccumulator, ownerId: string, poolOf: PoolOf): FigureGroup[] {
  return [groupIn(acc, acc.byOwner, ownerId), groupIn(acc, acc.byPool, poolOf(ownerId) ?? UNPOOLED)];
}

/**
 * Adds one lead's outcome to every group it belongs to (`sign` −1 takes back an open outcome added earlier, as the
 * open leads' figures change). Mutates `acc`.
 */
export function addOutcome(acc: FigureAccumulator, outcome: LeadOutcome, poolOf: PoolOf, sign: 1 | -1 = 1): void {
  // A first-touch time cannot be taken out of the histogram; only open (untouched) outcomes are ever taken back.
  if (sign === -1 && outcome.touchElapsedMs !== undefined) throw new Error('only an open outcome can be taken back');
  const shared = [acc.overall, groupIn(acc, acc.byTier, outcome.tier)];
  for (const g of [...shared, ...ownerGroups(acc, outcome.clock.ownerId, poolOf)]) {
    g.started += sign;
    g[outcome.clock.outcome] += sign;
    if (outcome.touchElapsedMs !== undefined) {
      g.touched++;
      g.firstTouch = add(g.firstTouch, outcome.touchElapsedMs);
    }
    if (outcome.warned) g.openWarned += sign;
  }
  if (outcome.rescuedBy !== undefined) {
    for (const g of [...shared, ...ownerGroups(acc, outcome.rescuedBy, poolOf)]) g.rescues++;
  }
  outcome.targets.forEach((t, i) => {
    const counter = t.outcome === 'within' ? 'within' : t.outcome === 'missed' ? 'missed' : 'targetPending';
    for (const g of [...shared, ...ownerGroups(acc, t.ownerId, poolOf)]) g[counter][i] += sign;
  });
}

/** The counters an open (untouched) outcome adds to: every other one stays zero in the open leads' figures. */
const OPEN_COUNTERS = ['started', 'breached', 'pending', 'openWarned'] as const;
const OPEN_TARGET_COUNTERS = ['missed', 'targetPending'] as const;

function holdsOpenOutcomes(g: FigureGroup): boolean {
  return OPEN_COUNTERS.some((c) => g[c] !== 0) || OPEN_TARGET_COUNTERS.some((c) => g[c].some((n) => n !== 0));
}

/**
 * `decided` with the open leads' figures (`open`, built only from open outcomes) added: a copy. A group of `open`
 * whose counts all went back to zero is left out, as if its leads had never been added.
 */
function withOpenFigures(decided: FigureAccumulator, open: FigureAccumulator): FigureAccumulator {
  const all = copyFigures(decided);
  const merge = (into: FigureGroup, from: FigureGroup) => {
    for (const c of OPEN_COUNTERS) into[c] += from[c];
    for (const c of OPEN_TARGET_COUNTERS) from[c].forEach((n, i) => (into[c][i] += n));
  };
  merge(all.overall, open.overall);
  for (const kind of ['byTier', 'byOwner', 'byPool'] as const) {
    for (const key of Object.keys(open[kind])) {
      const group = open[kind][key];
      if (holdsOpenOutcomes(group)) merge(groupIn(all, all[kind], key), group);
    }
  }
  return all;
}

/** A breach of the acceptance or follow-up clock (+1), or its withdrawal (−1), for the owner at the breach. */
export function addClockBreach(
  acc: FigureAccumulator,
  event: { tier: string; ownerId: string; clock: 'acceptance' | 'followUp'; delta: 1 | -1 },
  poolOf: PoolOf,
): void {
  for (const g of [acc.overall, groupIn(acc, acc.byTier, event.tier), ...ownerGroups(acc, event.ownerId, poolOf)]) {
    g.clockBreaches[event.clock] = Math.max(0, g.clockBreaches[event.clock] + event.delta);
  }
}

/** A lead's accept/reject, to the owner who decided it. */
export function addDisposition(
  acc: FigureAccumulator,
  event: { tier: string; ownerId: string; decision: Decision; reason?: string },
  poolOf: PoolOf,
): void {
  const key = event.reason ?? event.decision;
  for (const g of [acc.overall, groupIn(acc, acc.byTier, event.tier), ...ownerGroups(acc, event.ownerId, poolOf)]) {
    if (event.decision === 'accept') g.accepted++;
    else g.rejected++;
    g.dispositions[key] = (getOwn(g.dispositions, key) ?? 0) + 1;
  }
}

function copyGroup(g: FigureGroup): FigureGroup {
  return {
    ...g,
    within: [...g.within],
    missed: [...g.missed],
    targetPending: [...g.targetPending],
    clockBreaches: { ...g.clockBreaches },
    dispositions: Object.assign(dict<number>(), g.dispositions),
  };
}

function copyGroups(groups: Record<string, FigureGroup>): Record<string, FigureGroup> {
  const copy = dict<FigureGroup>();
  for (const key of Object.keys(groups)) copy[key] = copyGroup(groups[key]);
  return copy;
}

/** A deep copy, with every map null-prototype again (after JSON, or before adding open leads to a view). */
export function copyFigures(acc: FigureAccumulator): FigureAccumulator {
  return {
    trackedWithinMs: [...acc.trackedWithinMs],
    ...(acc.withinRule ? { withinRule: acc.withinRule } : {}),
    overall: copyGroup(acc.overall),
    byTier: copyGroups(acc.byTier),
    byOwner: copyGroups(acc.byOwner),
    byPool: copyGroups(acc.byPool),
  };
}

export interface TargetResult extends ResponseTarget {
  /** within / sample; null while nothing is decided. */
  actual: number | null;
  met: boolean;
  /** Leads decided for this target: within + missed. */
  sample: number;
  within: number;
  missed: number;
  /** Leads not touched whose T has not elapsed yet. */
  pending: number;
}

export interface ComplianceSection {
  /** First-touch clocks started: met + breached + pending + closedUntouched. */
  leads: number;
  met: number;
  breached: number;
  pending: number;
  closedUntouched: number;
  touched: number;
  neverTouched: number;
  /** Leads this group touched after another owner's breach (not part of `leads`). */
  rescues: number;
  openWarned: number;
  medianFirstTouchMs: number | null;
  p95FirstTouchMs: number | null;
  breaches: Record<BreachClock, number>;
  accepted: number;
  rejected: number;
  /** accepted / (accepted + rejected); null before any disposition. */
  acceptanceRate: number | null;
  dispositions: Record<string, number>;
  targets: TargetResult[];
  meetsTargets: boolean;
}

export interface ComplianceSummary extends ComplianceSection {
  byTier: Record<string, ComplianceSection>;
  byOwner: Record<string, ComplianceSection>;
  byPool: Record<string, ComplianceSection>;
}

export type SlaHealth = 'healthy' | 'at-risk' | 'breaching';

function section(g: FigureGroup, acc: FigureAccumulator, targets: readonly ResponseTarget[]): ComplianceSection {
  const results = targets.map((t): TargetResult => {
    const i = acc.trackedWithinMs.indexOf(t.withinMs);
    const within = g.within[i];
    const missed = g.missed[i];
    const sample = within + missed;
    const actual = sample === 0 ? null : within / sample;
    return {
      ...t,
      actual,
      met: actual === null || actual >= t.target,
      sample,
      within,
      missed,
      pending: g.targetPending[i],
    };
  });
  const decided = g.accepted + g.rejected;
  return {
    leads: g.started,
    met: g.met,
    breached: g.breached,
    pending: g.pending,
    closedUntouched: g.closedUntouched,
    touched: g.touched,
    neverTouched: g.started - g.touched,
    rescues: g.rescues,
    openWarned: g.openWarned,
    medianFirstTouchMs: quantile(g.firstTouch, 0.5),
    p95FirstTouchMs: quantile(g.firstTouch, 0.95),
    breaches: { firstTouch: g.breached, ...g.clockBreaches },
    accepted: g.accepted,
    rejected: g.rejected,
    acceptanceRate: decided === 0 ? null : g.accepted / decided,
    dispositions: Object.assign(dict<number>(), g.dispositions),
    targets: results,
    meetsTargets: results.every((r) => r.met),
  };
}

/** Figures of decided leads plus the open leads' figures (see sla/openFigures); `acc` is left as it is. */
export function summarizeFigures(
  acc: FigureAccumulator,
  targets: readonly ResponseTarget[],
  open?: FigureAccumulator,
): ComplianceSummary {
  targets.forEach((t, i) => {
    if (!acc.trackedWithinMs.includes(t.withinMs)) {
      throw new Error(
        `targets[${i}].withinMs ${t.withinMs} is not tracked (tracked: ${acc.trackedWithinMs.join(', ') || 'none'})`,
      );
    }
    if (!(t.target >= 0 && t.target <= 1))
      throw new Error(`targets[${i}].target must be a share within [0, 1], got ${t.target}`);
  });
  const all = open ? withOpenFigures(acc, open) : acc;
  const sections = (groups: Record<string, FigureGroup>) => {
    const result = dict<ComplianceSection>();
    for (const key of Object.keys(groups).sort()) result[key] = section(groups[key], all, targets);
    return result;
  };
  return {
    ...section(all.overall, all, targets),
    byTier: sections(all.byTier),
    byOwner: sections(all.byOwner),
    byPool: sections(all.byPool),
  };
}

export interface SlaHealthOptions {
  /** Fewest decided leads before a missed target counts as breaching (default 10). */
  minSample?: number;
  /** A target met by at most this many percentage points is at risk (default 5). */
  atRiskMarginPts?: number;
}

/**
 * breaching: a target is missed on at least `minSample` decided leads.
 * at-risk: a target is missed on a smaller sample, or met by at most `atRiskMarginPts` points, or an
 * open lead's clock has passed its warning point. healthy otherwise.
 */
export function slaHealth(
  summary: { targets: readonly Pick<TargetResult, 'actual' | 'target' | 'met' | 'sample'>[]; openWarned: number },
  opts: SlaHealthOptions = {},
): SlaHealth {
  const minSample = opts.minSample ?? 10;
  const marginPts = opts.atRiskMarginPts ?? 5;
  const scored = summary.targets.filter((t) => t.actual !== null);
  if (scored.some((t) => !t.met && t.sample >= minSample)) return 'breaching';
  // Compared in points with a small tolerance so a share exactly `marginPts` above target is at risk.
  const close = scored.some((t) => !t.met || ((t.actual as number) - t.target) * 100 <= marginPts + 1e-9);
  return close || summary.openWarned > 0 ? 'at-risk' : 'healthy';
}
