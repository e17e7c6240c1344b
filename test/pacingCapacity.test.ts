// Pacing against a band that tightens toward the flight end, what the reps can take on, and the rules that act
// on both (issue 10 §3).
import { describe, expect, it } from 'vitest';
import { arrivalRate, opsCapacity } from '../sla/capacity';
import { parseCampaignConfig } from '../sla/config';
import { cplBand } from '../sla/forecast';
import { pacing } from '../sla/pacing';
import { evaluateRules, type BudgetRule, type RuleInput, type VelocitySnapshot } from '../sla/rules';
import { seedConfig } from './support/leadBook';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const start = Date.UTC(2026, 2, 2);
const flight = { windowStart: start, windowEnd: start + 10 * DAY };

describe('pacing', () => {
  it('is even when the share spent matches the share of the flight gone', () => {
    const p = pacing({ ...flight, spend: 30_000, budget: 75_000, now: start + 4 * DAY });
    expect(p).toMatchObject({ spentPct: 40, elapsedPct: 40, ratio: 1, status: 'on-pace', projectedSpend: 75_000 });
    expect(p.bandPct).toBeCloseTo(25 - 24 * 0.4, 9);
    expect(p.budgetRunsOutAt).toBeNull();
  });

  it('tightens from ±25% at the start to ±1% at the end: the same 10% overspend is fine early, over late', () => {
    const early = pacing({ ...flight, spend: 8_250, budget: 75_000, now: start + DAY });
    expect(early.ratio).toBeCloseTo(1.1, 9);
    expect(early.status).toBe('on-pace');
    const late = pacing({ ...flight, spend: 74_250, budget: 75_000, now: start + 9 * DAY });
    expect(late.ratio).toBeCloseTo(1.1, 9);
    expect(late.bandPct).toBeCloseTo(3.4, 9);
    expect(late.status).toBe('over');
  });

  it('projects the end-of-flight spend and when the budget runs out at the pace so far', () => {
    const fast = pacing({ ...flight, spend: 45_000, budget: 75_000, now: start + 4 * DAY });
    expect(fast.status).toBe('over');
    expect(fast.projectedSpend).toBe(75_000); // Google stops at the total budget
    expect(fast.budgetRunsOutAt).toBe(start + Math.round((75_000 / 45_000) * 4 * DAY));
    const slow = pacing({ ...flight, spend: 15_000, budget: 75_000, now: start + 4 * DAY });
    expect(slow).toMatchObject({ status: 'under', projectedSpend: 37_500, budgetRunsOutAt: null });
  });

  it('before the flight, and with hostile figures, it never divides by zero', () => {
    expect(pacing({ ...flight, spend: 0, budget: 75_000, now: start - DAY })).toMatchObject({
      ratio: null,
      status: 'not-started',
      projectedSpend: null,
    });
    const empty = pacing({ windowStart: start, windowEnd: start, spend: 10, budget: 0, now: start + DAY });
    expect(empty.status).toBe('not-started');
    expect(Number.isFinite(empty.spentPct)).toBe(true);
  });
});

describe('ops capacity', () => {
  const config = seedConfig();
  const reps = Object.values(config.responseSla.pools).flatMap((p) => p.reps);

  it('counts the capacity caps of reps not out of office, each rep once, and what they hold', () => {
    const capacity = reps.filter((r) => !r.outOfOffice);
    const ids = [...new Set(capacity.map((r) => r.id))];
    const total = ids.reduce(
      (sum, id) => sum + Math.max(...capacity.filter((r) => r.id === id).map((r) => r.capacity)),
      0,
    );
    const load = Object.assign(Object.create(null) as Record<string, number>, { [ids[0]]: 3, constructor: 99 });
    const c = opsCapacity(config, load, 2 / HOUR, 6 * HOUR);
    expect(c).toEqual({ capacity: total, held: 3, expectedArrivals: 12, headroom: total - 3 - 12 });
  });

  it('arrival rate from cumulative counts; a reset (new quarter) or a single point gives 0', () => {
    expect(
      arrivalRate([
        { at: 0, leads: 10 },
        { at: 2 * HOUR, leads: 30 },
      ]),
    ).toBe(10 / HOUR);
    expect(
      arrivalRate([
        { at: 2 * HOUR, leads: 5 },
        { at: 0, leads: 10 },
      ]),
    ).toBe(0);
    expect(arrivalRate([{ at: 0, leads: 10 }])).toBe(0);
    expect(arrivalRate([])).toBe(0);
  });
});

describe('rules on pacing and capacity', () => {
  const rules: BudgetRule[] = [
    { kind: 'capacity-short', action: 'reduce', pct: 20 },
    { kind: 'pacing-above-band', action: 'reduce', pct: 10 },
    { kind: 'velocity-above', abovePct: 110, action: 'increase', pct: 20 },
    { kind: 'recovered', action: 'restore' },
  ];
  const policy = { cooldownMs: 0, maxProposalsPerDay: 10, restoreMarginPct: 10, restoreAfterMs: 0 };
  const snap = (extra: Partial<VelocitySnapshot>): VelocitySnapshot => ({
    at: start + 4 * DAY,
    clicks: 1000,
    conversions: 300,
    spend: 30_000,
    ...flight,
    budget: 75_000,
    originalBudget: 75_000,
    forecast: 200,
    velocity: 1.5,
    cpl: 10,
    cplBand: cplBand(10, 20),
    responseSlaMeets: true,
    campaignPaused: false,
    pacing: pacing({ ...flight, spend: 30_000, budget: 75_000, now: start + 4 * DAY }),
    capacity: { capacity: 100, held: 40, expectedArrivals: 20, headroom: 40 },
    ...extra,
  });
  const input = (snapshot: VelocitySnapshot, extra: Partial<RuleInput> = {}): RuleInput => ({
    rules,
    snapshot,
    history: [],
    activeAdjustment: null,
    pendingProposal: false,
    stability: { policy, earlier: [] },
    ...extra,
  });

  it('with room to spare, strong velocity may raise spend', () => {
    expect(evaluateRules(input(snap({}))).proposals[0]).toMatchObject({ action: 'increase' });
  });

  it('never proposes an increase the reps could not take on', () => {
    const tight = snap({ capacity: { capacity: 100, held: 80, expectedArrivals: 18, headroom: 2 } });
    const result = evaluateRules(input(tight));
    expect(result.proposals).toEqual([]);
    expect(result.suppressed[0].reason).toContain('ops capacity cannot absorb it (21.6 leads expected');
  });

  it('holds pace before compliance breaks when more leads are coming than the reps can take', () => {
    const short = snap({ capacity: { capacity: 100, held: 90, expectedArrivals: 25, headroom: -15 } });
    const [draft] = evaluateRules(input(short)).proposals;
    expect(draft).toMatchObject({ action: 'reduce', rule: 'capacity-short#0' });
    expect(draft.reason).toContain('the available reps hold 90 of 100 leads and 25 more are expected');
    // Restored only once there is room by the margin (10% of capacity).
    const active = { action: 'reduce' as const, rule: 'capacity-short#0', budgetBefore: 75_000 };
    const some = snap({ capacity: { capacity: 100, held: 80, expectedArrivals: 15, headroom: 5 } });
    expect(evaluateRules(input(some, { activeAdjustment: active })).proposals).toEqual([]);
    const room = snap({ capacity: { capacity: 100, held: 60, expectedArrivals: 15, headroom: 25 } });
    expect(evaluateRules(input(room, { activeAdjustment: active })).proposals[0]).toMatchObject({ action: 'restore' });
  });

  it('reduces pace when spend runs ahead of the band', () => {
    const fast = pacing({ ...flight, spend: 45_000, budget: 75_000, now: start + 4 * DAY });
    const [draft] = evaluateRules(input(snap({ spend: 45_000, pacing: fast, velocity: 1 }))).proposals;
    expect(draft).toMatchObject({ action: 'reduce', rule: 'pacing-above-band#1' });
    expect(draft.reason).toContain('Spend is 60% of the budget with 40% of the flight gone (pace 150%');
    expect(draft.reason).toContain('the budget runs out 2026-03-08T16:00:00.000Z');
  });

  it('the contract accepts both rule kinds and the pacing band', () => {
    const raw = structuredClone(rawSeed());
    raw.velocity = {
      rules: [
        { kind: 'pacing-above-band', action: 'reduce', pct: 10 },
        { kind: 'capacity-short', action: 'pause' },
      ],
      pacingBand: { startPct: 30, endPct: 2 },
    };
    const parsed = parseCampaignConfig(raw);
    expect(parsed.velocity.pacingBand).toEqual({ startPct: 30, endPct: 2 });
    expect(() =>
      parseCampaignConfig({ ...raw, velocity: { rules: [{ kind: 'capacity-short', action: 'reduce' }] } }),
    ).toThrow(/velocity\.rules\[0\]\.pct: required/);
  });
});

function rawSeed(): Record<string, unknown> {
  // The parsed seed config carries durations in ms; the raw contract wants strings, so start from the example.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  return parse(readFileSync(`${__dirname}/../examples/case-example.yaml`, 'utf8')) as Record<string, unknown>;
}
