// Turns a velocity snapshot (and the snapshots before it) into at most one budget proposal for ops to
// approve. Rules are checked in configuration order and the first that matches wins.
//
// "Change pacing by X%" is defined on the part of the total budget not yet spent, because spend
// already made cannot be undone and Google paces the remainder over the rest of the window:
//   new total = spent + remaining × (1 − X/100) for a reduction,
//   new total = spent + remaining × (1 + X/100) for an increase,   remaining = max(0, budget − spent).
// E.g. $75,000 with $30,000 spent, reduced by 30%: 30,000 + 45,000 × 0.7 = $61,500.
//
// Guardrails (./guardrails) are applied by the caller; this module only decides what to propose.
//
// Stability (the contract's velocity.stability): a restore follows only the cause of the adjustment in force,
// cleared by a margin and for a sustained period; a rule rests for a cool-down after a decision on its last
// proposal; proposals per rolling day are capped. Without it (runs begun before it existed) a restore follows
// velocity at forecast whatever the cause.

import type { OpsCapacity } from './capacity';
import { lagAligned } from './conversionLag';
import { formatDuration } from './duration';
import type { Pacing } from './pacing';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A conversion rate within this share of its trailing rate counts as recovered. */
const RECOVERY_TOLERANCE = 0.05;
/** Fewest forecast conversions before velocity is judged: an over-delivery for more spend, a shortfall for less. */
const MIN_FORECAST_FOR_VELOCITY = 20;
/** Fewest conversions before cost per lead is judged: on fewer, one conversion more or less moves it by over 5%. */
const MIN_CONVERSIONS_FOR_CPL = 20;
/**
 * How many standard deviations past its threshold a velocity must be to count: conversions are a count, whose
 * chance variation is about its square root (31 against a bar of 28 is chance; 131 against 100 is not).
 */
const VELOCITY_SIGNIFICANCE = 2;
/** Absorbs float noise so a figure exactly at a threshold counts as reaching it. */
const EPSILON = 1e-9;

type BudgetAction = 'pause' | 'reduce' | 'increase' | 'restore';

export type BudgetRule =
  | { kind: 'velocity-below'; afterDays: number; belowPct: number; action: 'pause' | 'reduce'; pct?: number }
  | { kind: 'conversion-rate-drop'; dropPct: number; sustainedFor: number; action: 'reduce' | 'pause'; pct?: number }
  | { kind: 'cpl-above-band'; action: 'reduce' | 'pause'; pct?: number }
  | { kind: 'pacing-above-band'; action: 'reduce' | 'pause'; pct?: number }
  | { kind: 'capacity-short'; action: 'reduce' | 'pause'; pct?: number }
  | { kind: 'velocity-above'; abovePct: number; action: 'increase'; pct: number }
  | { kind: 'recovered'; action: 'restore' };

/** Cumulative totals since the window start, as of `at` (epoch ms). */
export interface HistoryPoint {
  at: number;
  conversions: number;
  clicks: number;
  spend: number;
  /** Conversions forecast to date (absent in points recorded before it was kept). */
  forecast?: number;
}

export interface VelocitySnapshot extends HistoryPoint {
  windowStart: number;
  windowEnd: number;
  /** Current total campaign budget. */
  budget: number;
  originalBudget: number;
  /** Conversions forecast to date. */
  forecast: number;
  /** conversions / forecast (1 = on forecast); null when nothing is forecast yet. */
  velocity: number | null;
  cpl: number | null;
  cplBand: { low: number; high: number };
  /** The ops response SLA currently meets its targets. */
  responseSlaMeets: boolean;
  campaignPaused: boolean;
  /** Spend against flight time (sla/pacing); absent in runs begun before it existed. */
  pacing?: Pacing;
  /** What the reps can take on (sla/capacity); absent in runs begun before it existed. */
  capacity?: OpsCapacity;
}

interface ActiveAdjustment {
  action: 'pause' | 'reduce' | 'increase';
  /** Id of the rule that caused it (see ruleId). */
  rule: string;
  /** Total budget before the adjustment, which a restore returns to. */
  budgetBefore: number;
  /** Since when (epoch ms) its cause has been cleared, check after check. */
  clearedSince?: number;
}

export interface RuleStability {
  /** A rule proposes nothing for this long after a decision on its last proposal (approved, rejected, expired). */
  cooldownMs: number;
  /** Proposals opened in any 24 hours, all rules together. */
  maxProposalsPerDay: number;
  /** How far past its threshold (% of it) the cause must be before it counts as cleared. */
  restoreMarginPct: number;
  /** How long the cause must stay cleared before a restore is proposed. */
  restoreAfterMs: number;
}

/** A proposal opened earlier (epoch ms), for cool-downs and the daily cap. */
export interface EarlierProposal {
  rule: string;
  createdAt: number;
  decidedAt: number | null;
}

export interface RuleInput {
  rules: BudgetRule[];
  snapshot: VelocitySnapshot;
  /**
   * Earlier snapshots of the trailing window, any order. The earliest one starts the trailing period
   * that conversion rates are compared against (include a zero point at windowStart to use the whole
   * window so far).
   */
  history: HistoryPoint[];
  activeAdjustment: ActiveAdjustment | null;
  /** A proposal is awaiting ops approval; no new one is made meanwhile. */
  pendingProposal: boolean;
  stability?: { policy: RuleStability; earlier: EarlierProposal[] };
  /**
   * A velocity shortfall is judged only once MIN_FORECAST_FOR_VELOCITY conversions are forecast, and CPL only
   * once MIN_CONVERSIONS_FOR_CPL have come (false in runs recorded before).
   */
  needsEvidence?: boolean;
  /** Conversions are judged against the spend, clicks and forecast of this long before (sla/conversionLag). */
  conversionLagMs?: number;
}

export interface ProposalDraft {
  action: BudgetAction;
  /** Rule id, e.g. 'conversion-rate-drop#1'. */
  rule: string;
  reason: string;
  /** Proposed total budget; null for a pause. */
  targetBudget: number | null;
  figures: Record<string, number | null>;
}

export interface RuleEvaluation {
  /** At most one proposal. */
  proposals: ProposalDraft[];
  /** Rules that matched but may not propose now, with why (for the ledger / logs). */
  suppressed: { rule: string; reason: string }[];
  /** With stability: since when the active adjustment's cause has been cleared (null: not cleared now). */
  clearedSince?: number | null;
  /** With a conversion lag: the figures the rules judged (null: no check is that old yet). */
  acrossLag?: AcrossLag;
}

/** Velocity and CPL with conversions set against the forecast and spend of one conversion lag earlier. */
export interface AcrossLag {
  lagMs: number;
  forecast: number | null;
  velocityPct: number | null;
  cpl: number | null;
}

/** Stable id of a rule: its kind and position in the configuration. */
function ruleId(rule: BudgetRule, index: number): string {
  return `${rule.kind}#${index}`;
}

/** Which proposals may follow an adjustment that is still in force. */
const ALLOWED_WHILE_ACTIVE: Record<ActiveAdjustment['action'], BudgetAction[]> = {
  pause: ['restore'],
  reduce: ['pause', 'restore'], // escalate, or undo once recovered
  increase: ['reduce', 'pause'],
};

function formatNumber(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function formatPct(ratio: number): string {
  return `${formatNumber(ratio * 100)}%`;
}

function roundCents(n: number): number {
  return Math.round(n * 100) / 100;
}

/** New total budget after changing the pace of the unspent remainder by `pct`% (see file header). */
export function pacedBudget(spent: number, budget: number, pct: number, direction: 'reduce' | 'increase'): number {
  const remaining = Math.max(0, budget - spent);
  const factorPct = direction === 'reduce' ? 100 - pct : 100 + pct;
  return roundCents(spent + (remaining * factorPct) / 100);
}

/** Conversion rates of the recent `recentMs` and of the trailing period before it; null without enough data. */
export function conversionRateChange(
  snapshot: HistoryPoint,
  history: HistoryPoint[],
  recentMs: number,
): { trailingRate: number; recentRate: number; dropPct: number } | null {
  const earlier = history.filter((p) => p.at < snapshot.at).sort((a, b) => a.at - b.at);
  const split = earlier.filter((p) => p.at <= snapshot.at - recentMs).pop();
  if (!split || split === earlier[0]) return null;
  const first = earlier[0];
  const trailingClicks = split.clicks - first.clicks;
  const recentClicks = snapshot.clicks - split.clicks;
  if (trailingClicks <= 0 || recentClicks <= 0) return null;
  const trailingRate = (split.conversions - first.conversions) / trailingClicks;
  if (trailingRate === 0) return null;
  const recentRate = (snapshot.conversions - split.conversions) / recentClicks;
  return { trailingRate, recentRate, dropPct: (1 - recentRate / trailingRate) * 100 };
}

function requirePct(rule: { kind: string; action: string; pct?: number }, index: number): number {
  const pct = rule.pct;
  const max = rule.action === 'reduce' ? 100 : Infinity;
  if (pct === undefined || !(pct > 0 && pct <= max)) {
    throw new Error(
      `rules[${index}] (${rule.kind}): action '${rule.action}' needs pct in (0, ${max}], got ${pct === undefined ? 'none' : pct}`,
    );
  }
  return pct;
}

/** The proposal a pause or reduce rule makes, given the sentence saying why it fired. */
function cutback(
  rule: Extract<BudgetRule, { action: 'pause' | 'reduce' }>,
  index: number,
  snapshot: VelocitySnapshot,
  why: string,
  figures: Record<string, number | null>,
): ProposalDraft {
  const base = { rule: ruleId(rule, index), figures: { ...figures, spend: snapshot.spend, budget: snapshot.budget } };
  if (rule.action === 'pause') {
    return { ...base, action: 'pause', targetBudget: null, reason: `${why}: pause the campaign.` };
  }
  const pct = requirePct(rule, index);
  const target = pacedBudget(snapshot.spend, snapshot.budget, pct, 'reduce');
  const remaining = Math.max(0, snapshot.budget - snapshot.spend);
  return {
    ...base,
    action: 'reduce',
    targetBudget: target,
    figures: { ...base.figures, pct, targetBudget: target },
    reason:
      `${why}: reduce pacing by ${pct}%, total budget ${formatNumber(snapshot.budget)} → ${formatNumber(target)} ` +
      `(${formatNumber(snapshot.spend)} spent; remaining ${formatNumber(remaining)} → ${formatNumber(target - snapshot.spend)}).`,
  };
}

function evaluateRule(rule: BudgetRule, index: number, input: RuleInput): ProposalDraft | null {
  const { snapshot, history, activeAdjustment } = input;
  const v = snapshot.velocity;
  switch (rule.kind) {
    case 'velocity-below': {
      const elapsedDays = (snapshot.at - snapshot.windowStart) / DAY_MS;
      if (elapsedDays < rule.afterDays || v === null || !(v * 100 < rule.belowPct - EPSILON)) return null;
      const why =
        `Conversion velocity is ${formatPct(v)} of forecast (${formatNumber(snapshot.conversions)} of ` +
        `${formatNumber(snapshot.forecast)}) after ${formatNumber(elapsedDays)} days, below the ${rule.belowPct}% floor`;
      return cutback(rule, index, snapshot, why, { velocity: v, belowPct: rule.belowPct, elapsedDays });
    }
    case 'conversion-rate-drop': {
      const change = conversionRateChange(snapshot, history, rule.sustainedFor);
      if (!change || change.dropPct < rule.dropPct - EPSILON) return null;
      const why =
        `Conversion rate fell ${formatNumber(change.dropPct)}% over the last ${formatDuration(rule.sustainedFor)} ` +
        `(${formatPct(change.recentRate)} vs ${formatPct(change.trailingRate)} over the trailing window), ` +
        `reaching the ${rule.dropPct}% drop threshold`;
      return cutback(rule, index, snapshot, why, { ...change, thresholdPct: rule.dropPct });
    }
    case 'cpl-above-band': {
      if (snapshot.cpl === null || !(snapshot.cpl > snapshot.cplBand.high)) return null;
      const why =
        `Cost per lead is ${formatNumber(snapshot.cpl)}, above the band's upper limit ` +
        `${formatNumber(snapshot.cplBand.high)} (band ${formatNumber(snapshot.cplBand.low)}–${formatNumber(snapshot.cplBand.high)})`;
      return cutback(rule, index, snapshot, why, { cpl: snapshot.cpl, ...snapshot.cplBand });
    }
    case 'pacing-above-band': {
      const p = snapshot.pacing;
      if (!p || p.status !== 'over' || p.ratio === null) return null;
      const why =
        `Spend is ${formatNumber(p.spentPct)}% of the budget with ${formatNumber(p.elapsedPct)}% of the flight gone ` +
        `(pace ${formatPct(p.ratio)}, band ±${formatNumber(p.bandPct)}%)` +
        (p.budgetRunsOutAt === null ? '' : `; the budget runs out ${new Date(p.budgetRunsOutAt).toISOString()}`);
      return cutback(rule, index, snapshot, why, { pace: p.ratio, bandPct: p.bandPct });
    }
    case 'capacity-short': {
      const c = snapshot.capacity;
      if (!c || c.headroom >= 0) return null;
      const why =
        `Ops capacity is short: the available reps hold ${formatNumber(c.held)} of ${formatNumber(c.capacity)} leads ` +
        `and ${formatNumber(c.expectedArrivals)} more are expected before the next check`;
      return cutback(rule, index, snapshot, why, { ...c });
    }
    case 'velocity-above': {
      if (v === null || !(v * 100 > rule.abovePct + EPSILON)) return null;
      const pct = requirePct(rule, index);
      const target = pacedBudget(snapshot.spend, snapshot.budget, pct, 'increase');
      return {
        action: 'increase',
        rule: ruleId(rule, index),
        targetBudget: target,
        figures: {
          velocity: v,
          abovePct: rule.abovePct,
          pct,
          spend: snapshot.spend,
          budget: snapshot.budget,
          targetBudget: target,
        },
        reason:
          `Conversion velocity is ${formatPct(v)} of forecast (${formatNumber(snapshot.conversions)} of ` +
          `${formatNumber(snapshot.forecast)}), above ${rule.abovePct}%: increase pacing by ${pct}%, ` +
          `total budget ${formatNumber(snapshot.budget)} → ${formatNumber(target)}.`,
      };
    }
    case 'recovered':
      return input.stability ? null : recovery(rule, index, input.rules, snapshot, history, activeAdjustment);
  }
}

/**
 * Without stability: a reduce/pause in force is undone when velocity is back at forecast or, if a
 * conversion-rate-drop rule caused it, when the rate over that rule's period is back within 5% of the trailing rate.
 */
function recovery(
  rule: Extract<BudgetRule, { kind: 'recovered' }>,
  index: number,
  rules: BudgetRule[],
  snapshot: VelocitySnapshot,
  history: HistoryPoint[],
  active: ActiveAdjustment | null,
): ProposalDraft | null {
  if (!active || active.action === 'increase') return null;
  const v = snapshot.velocity;
  let why: string | null = null;
  const figures: Record<string, number | null> = {
    velocity: v,
    budgetBefore: active.budgetBefore,
    budget: snapshot.budget,
  };
  if (v !== null && v >= 1 - EPSILON) {
    why = `Conversion velocity is back at ${formatPct(v)} of forecast`;
  } else {
    const cause = rules.find((r, i) => ruleId(r, i) === active.rule);
    const change =
      cause?.kind === 'conversion-rate-drop' ? conversionRateChange(snapshot, history, cause.sustainedFor) : null;
    if (change && change.recentRate >= change.trailingRate * (1 - RECOVERY_TOLERANCE) - EPSILON) {
      why =
        `Conversion rate is back to ${formatPct(change.recentRate)} against ${formatPct(change.trailingRate)} ` +
        `over the trailing window (within ${RECOVERY_TOLERANCE * 100}%)`;
      Object.assign(figures, change);
    }
  }
  return why === null ? null : restoreDraft(rule, index, snapshot, active, why, figures);
}

function restoreDraft(
  rule: Extract<BudgetRule, { kind: 'recovered' }>,
  index: number,
  snapshot: VelocitySnapshot,
  active: ActiveAdjustment,
  why: string,
  figures: Record<string, number | null>,
): ProposalDraft {
  return {
    action: 'restore',
    rule: ruleId(rule, index),
    targetBudget: active.budgetBefore,
    figures,
    reason:
      `${why}: undo the ${active.action} by ${active.rule}` +
      `${active.action === 'pause' ? ', resume the campaign' : ''} and restore the total budget ` +
      `${formatNumber(snapshot.budget)} → ${formatNumber(active.budgetBefore)}.`,
  };
}

/**
 * Whether the cause of the adjustment in force has cleared by the margin, and the sentence saying so. A cause
 * no longer in the rules (the contract was amended) clears when velocity is back at forecast.
 */
function causeCleared(
  input: RuleInput,
  active: ActiveAdjustment,
  marginPct: number,
): { why: string; figures: Record<string, number | null> } | null {
  const { snapshot, history } = input;
  const margin = marginPct / 100;
  const v = snapshot.velocity;
  const cause = input.rules.find((r, i) => ruleId(r, i) === active.rule);
  switch (cause?.kind) {
    case 'cpl-above-band': {
      const limit = snapshot.cplBand.high * (1 - margin);
      if (snapshot.cpl === null || snapshot.cpl > limit + EPSILON) return null;
      return {
        why: `Cost per lead is back to ${formatNumber(snapshot.cpl)}, ${marginPct}% inside the band's upper limit ${formatNumber(snapshot.cplBand.high)}`,
        figures: { cpl: snapshot.cpl, clearAt: limit },
      };
    }
    case 'conversion-rate-drop': {
      const change = conversionRateChange(snapshot, history, cause.sustainedFor);
      if (!change || change.recentRate < change.trailingRate * (1 - RECOVERY_TOLERANCE) - EPSILON) return null;
      return {
        why:
          `Conversion rate is back to ${formatPct(change.recentRate)} against ${formatPct(change.trailingRate)} ` +
          `over the trailing window (within ${RECOVERY_TOLERANCE * 100}%)`,
        figures: { ...change },
      };
    }
    case 'pacing-above-band': {
      const p = snapshot.pacing;
      const clearAt = p ? 1 + (p.bandPct / 100) * (1 - margin) : null;
      if (!p || p.ratio === null || clearAt === null || p.ratio > clearAt + EPSILON) return null;
      return {
        why: `Spend is back on pace (${formatPct(p.ratio)}, inside the ±${formatNumber(p.bandPct)}% band by ${marginPct}%)`,
        figures: { pace: p.ratio, clearAt },
      };
    }
    case 'capacity-short': {
      const c = snapshot.capacity;
      if (!c || c.headroom < c.capacity * margin - EPSILON) return null;
      return {
        why: `Ops capacity has room again: ${formatNumber(c.headroom)} leads to spare after those expected (at least ${marginPct}% of ${formatNumber(c.capacity)})`,
        figures: { ...c },
      };
    }
    case 'velocity-below': {
      const clearAt = (cause.belowPct / 100) * (1 + margin);
      if (v === null || v < clearAt - EPSILON) return null;
      return {
        why: `Conversion velocity is back at ${formatPct(v)} of forecast, ${marginPct}% above the ${cause.belowPct}% floor`,
        figures: { velocity: v, clearAt },
      };
    }
    default:
      if (v === null || v < 1 - EPSILON) return null;
      return { why: `Conversion velocity is back at ${formatPct(v)} of forecast`, figures: { velocity: v } };
  }
}

/** With stability: since when the cause has been cleared, and the restore once it has stayed cleared long enough. */
function stableRecovery(input: RuleInput, policy: RuleStability) {
  const active = input.activeAdjustment;
  if (!active || active.action === 'increase') return { clearedSince: null, restore: null };
  const cleared = causeCleared(input, active, policy.restoreMarginPct);
  if (!cleared) return { clearedSince: null, restore: null };
  const now = input.snapshot.at;
  const clearedSince = active.clearedSince ?? now;
  if (now - clearedSince < policy.restoreAfterMs - EPSILON) return { clearedSince, restore: null };
  const index = input.rules.findIndex((r) => r.kind === 'recovered');
  const rule = input.rules[index];
  if (rule?.kind !== 'recovered') return { clearedSince, restore: null };
  // Whole seconds: the check's own timing adds milliseconds nobody needs to read.
  const why = `${cleared.why}, and has been for ${formatDuration(Math.round((now - clearedSince) / 1000) * 1000 || 1000)}`;
  const figures = {
    ...cleared.figures,
    clearedSince,
    budgetBefore: active.budgetBefore,
    budget: input.snapshot.budget,
  };
  return { clearedSince, restore: restoreDraft(rule, index, input.snapshot, active, why, figures) };
}

/** An increase brings more leads in proportion: refused when the reps could not take them on. */
function capacityHold(draft: ProposalDraft, capacity: OpsCapacity | undefined): string | null {
  if (draft.action !== 'increase' || !capacity) return null;
  const pct = typeof draft.figures.pct === 'number' ? draft.figures.pct : 0;
  const arrivals = capacity.expectedArrivals * (1 + pct / 100);
  const free = capacity.capacity - capacity.held;
  return arrivals > free + EPSILON
    ? `ops capacity cannot absorb it (${formatNumber(arrivals)} leads expected before the next check, ${formatNumber(free)} free places)`
    : null;
}

/**
 * The input with rates judged across the conversion lag. Until a check is that old, no rate can be judged:
 * velocity and CPL read as unknown and conversion rates have no history.
 */
function lagAlignedInput(
  input: RuleInput,
  suppressed: RuleEvaluation['suppressed'],
): { input: RuleInput; acrossLag?: AcrossLag } {
  const lagMs = input.conversionLagMs ?? 0;
  if (lagMs <= 0) return { input };
  const aligned = lagAligned(input.snapshot, input.history, lagMs);
  if (aligned) {
    const { forecast, velocity, cpl } = aligned.snapshot;
    return {
      input: { ...input, ...aligned },
      acrossLag: { lagMs, forecast, velocityPct: velocity === null ? null : velocity * 100, cpl },
    };
  }
  suppressed.push({
    rule: 'conversion-lag',
    reason: `Conversions lag clicks by ${formatDuration(lagMs)}: velocity, CPL and conversion rates are judged once a check is that old.`,
  });
  return {
    input: { ...input, snapshot: { ...input.snapshot, velocity: null, cpl: null }, history: [] },
    acrossLag: { lagMs, forecast: null, velocityPct: null, cpl: null },
  };
}

/** Why a velocity past its threshold may be chance alone (within VELOCITY_SIGNIFICANCE deviations of it), or null. */
function withinChance(draft: ProposalDraft, snapshot: VelocitySnapshot): string | null {
  const thresholdPct = draft.figures.abovePct ?? draft.figures.belowPct;
  if (typeof thresholdPct !== 'number') return null;
  const bar = (snapshot.forecast * thresholdPct) / 100;
  const margin = VELOCITY_SIGNIFICANCE * Math.sqrt(Math.max(bar, 1));
  if (Math.abs(snapshot.conversions - bar) >= margin) return null;
  return (
    `${formatNumber(snapshot.conversions)} conversions against the ${formatNumber(bar)} of ${thresholdPct}% of forecast ` +
    `is within chance (±${formatNumber(margin)})`
  );
}

/** Why a rule may not propose now under the stability policy (cool-down, daily cap), or null. */
function stabilityHold(
  draft: ProposalDraft,
  now: number,
  stability: NonNullable<RuleInput['stability']>,
): string | null {
  const { policy, earlier } = stability;
  const lastDecided = earlier
    .filter((p) => p.rule === draft.rule && p.decidedAt !== null)
    .reduce((latest, p) => Math.max(latest, p.decidedAt!), -Infinity);
  if (now < lastDecided + policy.cooldownMs) {
    return `the rule is cooling down until ${new Date(lastDecided + policy.cooldownMs).toISOString()} after its last decision`;
  }
  const today = earlier.filter((p) => p.createdAt > now - DAY_MS).length;
  if (today >= policy.maxProposalsPerDay) {
    return `${today} proposals were opened in the last 24 hours (at most ${policy.maxProposalsPerDay})`;
  }
  return null;
}

export function evaluateRules(given: RuleInput): RuleEvaluation {
  const suppressed: RuleEvaluation['suppressed'] = [];
  const { input, acrossLag } = lagAlignedInput(given, suppressed);
  const { snapshot, activeAdjustment, stability } = input;
  const held = new Set<BudgetAction>();
  const stable = stability ? stableRecovery(input, stability.policy) : null;
  const result = (proposals: ProposalDraft[]): RuleEvaluation =>
    stable
      ? { proposals, suppressed, clearedSince: stable.clearedSince, ...(acrossLag && { acrossLag }) }
      : { proposals, suppressed, ...(acrossLag && { acrossLag }) };
  for (const [index, rule] of input.rules.entries()) {
    const draft = rule.kind === 'recovered' && stable ? stable.restore : evaluateRule(rule, index, input);
    if (!draft) continue;
    // Already handled: the same kind of change is in force, or the campaign is paused (only a restore
    // can follow a pause).
    if (activeAdjustment && !ALLOWED_WHILE_ACTIVE[activeAdjustment.action].includes(draft.action)) continue;
    if (snapshot.campaignPaused && draft.action !== 'restore') continue;
    const judgesVelocity =
      draft.action === 'increase' || (input.needsEvidence === true && rule.kind === 'velocity-below');
    if (judgesVelocity && snapshot.forecast < MIN_FORECAST_FOR_VELOCITY) {
      // Early in a flight a handful of conversions (or none yet, against 0.02 forecast) reads as a huge or
      // a zero velocity; spend is neither raised nor cut on noise.
      suppressed.push({
        rule: draft.rule,
        reason: `${draft.reason} Not proposed: only ${formatNumber(snapshot.forecast)} conversions are forecast so far (need ${MIN_FORECAST_FOR_VELOCITY}).`,
      });
      continue;
    }
    const chance = input.needsEvidence === true && judgesVelocity ? withinChance(draft, snapshot) : null;
    if (chance) {
      suppressed.push({ rule: draft.rule, reason: `${draft.reason} Not proposed: ${chance}.` });
      continue;
    }
    if (
      input.needsEvidence === true &&
      rule.kind === 'cpl-above-band' &&
      snapshot.conversions < MIN_CONVERSIONS_FOR_CPL
    ) {
      // The first check of a flight may see one conversion on a few dollars: no cut on that.
      suppressed.push({
        rule: draft.rule,
        reason: `${draft.reason} Not proposed: only ${formatNumber(snapshot.conversions)} conversions so far (need ${MIN_CONVERSIONS_FOR_CPL}).`,
      });
      continue;
    }
    if (draft.action === 'increase' && !snapshot.responseSlaMeets) {
      // More leads would land on an ops team already missing its response SLA.
      suppressed.push({
        rule: draft.rule,
        reason: `${draft.reason} Not proposed: the ops response SLA is failing, and increases are never proposed while it fails.`,
      });
      continue;
    }
    if (input.pendingProposal) {
      suppressed.push({
        rule: draft.rule,
        reason: `${draft.reason} Not proposed: a proposal is already awaiting approval.`,
      });
      return result([]);
    }
    // A later rule may not make the change a resting rule was held back from (the same flap by another name),
    // nor raise spend while a rule calls for less or beyond what the reps can take on.
    const hold = stability
      ? (stabilityHold(draft, snapshot.at, stability) ??
        capacityHold(draft, snapshot.capacity) ??
        (held.has(draft.action) ? `a ${draft.action} by an earlier rule is held back` : null) ??
        (draft.action === 'increase' && (held.has('reduce') || held.has('pause'))
          ? 'an earlier rule calls for less spend'
          : null))
      : null;
    if (hold) {
      suppressed.push({ rule: draft.rule, reason: `${draft.reason} Not proposed: ${hold}.` });
      held.add(draft.action);
      continue;
    }
    return result([draft]);
  }
  return result([]);
}
