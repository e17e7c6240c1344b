import { describe, expect, it } from 'vitest';
import { cplBand } from '../sla/forecast';
import {
  conversionRateChange,
  evaluateRules,
  pacedBudget,
  type BudgetRule,
  type HistoryPoint,
  type RuleInput,
  type VelocitySnapshot,
} from '../sla/rules';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const start = Date.UTC(2025, 10, 20);

// The seed's promotional push: $75,000 over 10 days, 1,200 leads, CPL ≤ $65. Days 1-3 run at
// 2,000 clicks, 100 conversions (5%) and $7,500 a day; on day 4 conversions dip to 78 (3.9%, -22%).
const rules: BudgetRule[] = [
  { kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' },
  { kind: 'conversion-rate-drop', dropPct: 20, sustainedFor: DAY, action: 'reduce', pct: 30 },
  { kind: 'cpl-above-band', action: 'reduce', pct: 10 },
  { kind: 'velocity-above', abovePct: 120, action: 'increase', pct: 20 },
  { kind: 'recovered', action: 'restore' },
];

function point(day: number, clicks: number, conversions: number, spend: number): HistoryPoint {
  return { at: start + day * DAY, clicks, conversions, spend };
}

const firstThreeDays = [
  point(0, 0, 0, 0),
  point(1, 2000, 100, 7500),
  point(2, 4000, 200, 15000),
  point(3, 6000, 300, 22500),
];

function snapshot(p: HistoryPoint, extra: Partial<VelocitySnapshot> = {}): VelocitySnapshot {
  const forecast = (1200 * (p.at - start)) / (10 * DAY);
  return {
    ...p,
    windowStart: start,
    windowEnd: start + 10 * DAY,
    budget: 75_000,
    originalBudget: 75_000,
    forecast,
    velocity: forecast === 0 ? null : p.conversions / forecast,
    cpl: p.conversions === 0 ? null : p.spend / p.conversions,
    cplBand: cplBand(65, 30),
    responseSlaMeets: true,
    campaignPaused: false,
    ...extra,
  };
}

function input(snap: VelocitySnapshot, extra: Partial<RuleInput> = {}): RuleInput {
  return { rules, snapshot: snap, history: firstThreeDays, activeAdjustment: null, pendingProposal: false, ...extra };
}

const dayFour = snapshot(point(4, 8000, 378, 30_000));

describe('pacedBudget', () => {
  it('changes only the unspent remainder', () => {
    expect(pacedBudget(30_000, 75_000, 30, 'reduce')).toBe(61_500); // 30,000 + 45,000 × 0.7
    expect(pacedBudget(30_000, 75_000, 20, 'increase')).toBe(84_000); // 30,000 + 45,000 × 1.2
    expect(pacedBudget(80_000, 75_000, 30, 'reduce')).toBe(80_000); // overspent: nothing left to cut
  });
});

describe('conversionRateChange', () => {
  it('compares the recent period with the trailing period before it', () => {
    const change = conversionRateChange(dayFour, firstThreeDays, DAY);
    expect(change?.trailingRate).toBe(0.05);
    expect(change?.recentRate).toBe(0.039);
    expect(change?.dropPct).toBeCloseTo(22, 9);
  });

  it('needs a trailing period before the recent one', () => {
    expect(conversionRateChange(dayFour, [point(3, 6000, 300, 22500)], DAY)).toBeNull();
    expect(conversionRateChange(dayFour, firstThreeDays, 5 * DAY)).toBeNull();
    expect(conversionRateChange(dayFour, [], DAY)).toBeNull();
  });
});

describe('evaluateRules: the seed case', () => {
  it('reduces pacing by 30% when the conversion rate dips 22% on day 4', () => {
    const result = evaluateRules(input(dayFour));
    expect(result.suppressed).toEqual([]);
    expect(result.proposals).toHaveLength(1);
    const [proposal] = result.proposals;
    expect(proposal).toMatchObject({ action: 'reduce', rule: 'conversion-rate-drop#1', targetBudget: 61_500 });
    expect(proposal.figures).toMatchObject({
      trailingRate: 0.05,
      recentRate: 0.039,
      thresholdPct: 20,
      pct: 30,
      spend: 30_000,
      budget: 75_000,
      targetBudget: 61_500,
    });
    expect(proposal.figures.dropPct).toBeCloseTo(22, 9);
    expect(proposal.reason).toBe(
      'Conversion rate fell 22% over the last 1d (3.9% vs 5% over the trailing window), reaching the 20% drop ' +
        'threshold: reduce pacing by 30%, total budget 75000 → 61500 (30000 spent; remaining 45000 → 31500).',
    );
  });

  it('does not fire on a smaller dip', () => {
    // 82 of 2,000 = 4.1%: an 18% drop
    expect(evaluateRules(input(snapshot(point(4, 8000, 382, 30_000)))).proposals).toEqual([]);
  });

  it('restores the original budget once the rate recovers on day 5', () => {
    const day5 = snapshot(point(5, 10_000, 478, 35_000), { budget: 61_500 });
    const result = evaluateRules(
      input(day5, {
        history: [...firstThreeDays, point(4, 8000, 378, 30_000)],
        activeAdjustment: { action: 'reduce', rule: 'conversion-rate-drop#1', budgetBefore: 75_000 },
      }),
    );
    expect(day5.velocity).toBeLessThan(1); // recovered on the rate, not on velocity
    expect(result.proposals).toHaveLength(1);
    expect(result.proposals[0]).toMatchObject({ action: 'restore', rule: 'recovered#4', targetBudget: 75_000 });
    expect(result.proposals[0].reason).toBe(
      'Conversion rate is back to 5% against 4.72% over the trailing window (within 5%): undo the reduce by ' +
        'conversion-rate-drop#1 and restore the total budget 61500 → 75000.',
    );
  });

  it('does not reduce again while the same reduction is in force', () => {
    const result = evaluateRules(
      input(dayFour, { activeAdjustment: { action: 'reduce', rule: 'conversion-rate-drop#1', budgetBefore: 75_000 } }),
    );
    expect(result).toEqual({ proposals: [], suppressed: [] });
  });
});

describe('evaluateRules: other rules', () => {
  const thirtyDays = { windowStart: start, windowEnd: start + 30 * DAY };

  it('does not cut spend on a velocity shortfall before 20 conversions are forecast (0 of 0.02 three seconds in)', () => {
    const early = [{ kind: 'velocity-below' as const, afterDays: 0, belowPct: 70, action: 'pause' as const }];
    const threeSeconds = snapshot(
      { at: start + 3_000, clicks: 0, conversions: 0, spend: 0.4 },
      { forecast: 0.02, velocity: 0 },
    );
    const judged = evaluateRules(input(threeSeconds, { rules: early, history: [], needsEvidence: true }));
    expect(judged.proposals).toEqual([]);
    expect(judged.suppressed.map((s) => s.reason)).toEqual([
      'Conversion velocity is 0% of forecast (0 of 0.02) after 0 days, below the 70% floor: pause the campaign. ' +
        'Not proposed: only 0.02 conversions are forecast so far (need 20).',
    ]);
    // Runs recorded before the guard keep proposing as they did.
    const legacy = evaluateRules(input(threeSeconds, { rules: early, history: [] }));
    expect(legacy.proposals.map((p) => p.action)).toEqual(['pause']);
    // With 20 forecast, 10 conversions against a bar of 14 is chance (a count varies by about its square root);
    // 4 is a shortfall, acted on.
    const chance = snapshot(point(1, 400, 10, 600), { forecast: 20, velocity: 0.5 });
    const held = evaluateRules(input(chance, { rules: early, history: [], needsEvidence: true }));
    expect(held.proposals).toEqual([]);
    expect(held.suppressed[0].reason).toMatch(
      /Not proposed: 10 conversions against the 14 of 70% of forecast is within chance \(±7\.48\)\.$/,
    );
    const enough = snapshot(point(1, 400, 4, 600), { forecast: 20, velocity: 0.2 });
    const acted = evaluateRules(input(enough, { rules: early, history: [], needsEvidence: true }));
    expect(acted.proposals.map((p) => p.action)).toEqual(['pause']);
  });

  it('does not cut spend on the CPL of the first few conversions ($87.50 on one conversion, a second in)', () => {
    const cplRule = [{ kind: 'cpl-above-band' as const, action: 'reduce' as const, pct: 20 }];
    const firstCheck = snapshot(
      { at: start + 1_000, clicks: 35, conversions: 1, spend: 87.5 },
      { forecast: 0.01, velocity: 100 },
    );
    const judged = evaluateRules(input(firstCheck, { rules: cplRule, history: [], needsEvidence: true }));
    expect(judged.proposals).toEqual([]);
    expect(judged.suppressed[0].reason).toMatch(/Not proposed: only 1 conversions so far \(need 20\)\.$/);
    expect(evaluateRules(input(firstCheck, { rules: cplRule, history: [] })).proposals.map((p) => p.action)).toEqual([
      'reduce',
    ]);
    const twenty = snapshot(point(1, 600, 20, 1_800), { forecast: 20, velocity: 1 });
    const acted = evaluateRules(input(twenty, { rules: cplRule, history: [], needsEvidence: true }));
    expect(acted.proposals.map((p) => p.action)).toEqual(['reduce']);
  });

  it('pauses when velocity is below 70% of forecast after 7 days (seed SLA template)', () => {
    // 500 MQLs over 30 days: 116.67 forecast at day 7; 80 actual = 68.57%.
    const snap = snapshot(point(7, 20_000, 80, 23_000), {
      ...thirtyDays,
      budget: 100_000,
      forecast: 500 * (7 / 30),
      velocity: 80 / (500 * (7 / 30)),
    });
    const result = evaluateRules(input(snap, { history: [] }));
    expect(result.proposals).toHaveLength(1);
    expect(result.proposals[0]).toMatchObject({ action: 'pause', rule: 'velocity-below#0', targetBudget: null });
    expect(result.proposals[0].reason).toBe(
      'Conversion velocity is 68.57% of forecast (80 of 116.67) after 7 days, below the 70% floor: pause the campaign.',
    );
  });

  it('waits for afterDays before judging velocity', () => {
    const velocityRule = [rules[0]];
    const early = snapshot(point(6.9, 20_000, 10, 23_000), { ...thirtyDays, forecast: 100, velocity: 0.1 });
    expect(evaluateRules(input(early, { rules: velocityRule, history: [] })).proposals).toEqual([]);
    const due = snapshot(point(7, 20_000, 10, 23_000), { ...thirtyDays, forecast: 100, velocity: 0.1 });
    expect(evaluateRules(input(due, { rules: velocityRule, history: [] })).proposals).toHaveLength(1);
  });

  it('reduces when CPL is above the band', () => {
    // 30,000 / 300 = 100 > 84.5
    const snap = snapshot(point(4, 8000, 300, 30_000), { velocity: 1 });
    const result = evaluateRules(input(snap, { rules: [rules[2]], history: [] }));
    expect(result.proposals[0]).toMatchObject({ action: 'reduce', rule: 'cpl-above-band#0', targetBudget: 70_500 });
    expect(result.proposals[0].reason).toContain(
      "Cost per lead is 100, above the band's upper limit 84.5 (band 45.5–84.5)",
    );
  });

  it('proposes an increase when velocity is above 120% and the response SLA is met', () => {
    const snap = snapshot(point(4, 8000, 600, 30_000)); // 600 / 480 = 125%
    const result = evaluateRules(input(snap, { history: [] }));
    expect(result.proposals[0]).toMatchObject({ action: 'increase', rule: 'velocity-above#3', targetBudget: 84_000 });
    expect(result.proposals[0].reason).toBe(
      'Conversion velocity is 125% of forecast (600 of 480), above 120%: increase pacing by 20%, total budget 75000 → 84000.',
    );
  });

  it('never proposes an increase while the ops response SLA is failing, and says why', () => {
    const snap = snapshot(point(4, 8000, 600, 30_000), { responseSlaMeets: false });
    const result = evaluateRules(input(snap, { history: [] }));
    expect(result.proposals).toEqual([]);
    expect(result.suppressed).toHaveLength(1);
    expect(result.suppressed[0].rule).toBe('velocity-above#3');
    expect(result.suppressed[0].reason).toContain('Not proposed: the ops response SLA is failing');
  });

  it("does not raise spend on the noise of a flight's first conversions", () => {
    // 12 conversions against a forecast of 2: "600%" velocity, but too early to mean anything.
    const snap = snapshot(point(0.05, 100, 12, 300), { forecast: 2, velocity: 6 });
    const result = evaluateRules(input(snap, { history: [] }));
    expect(result.proposals).toEqual([]);
    expect(result.suppressed[0].reason).toContain('only 2 conversions are forecast so far (need 20)');
  });

  it('makes no proposal while one is pending, reporting what would have fired', () => {
    const result = evaluateRules(input(dayFour, { pendingProposal: true }));
    expect(result.proposals).toEqual([]);
    expect(result.suppressed).toEqual([
      {
        rule: 'conversion-rate-drop#1',
        reason: expect.stringContaining('Not proposed: a proposal is already awaiting approval.'),
      },
    ]);
  });

  it('lets the first matching rule win', () => {
    // Day 4 with a CPL of 30,000 / 300 = 100: both the rate drop (-25%) and the CPL rule match.
    const snap = snapshot(point(4, 8000, 375, 37_500));
    expect(evaluateRules(input(snap)).proposals[0].rule).toBe('conversion-rate-drop#1');
    const cplFirst = [rules[2], rules[1]];
    expect(evaluateRules(input(snap, { rules: cplFirst })).proposals[0].rule).toBe('cpl-above-band#0');
  });

  it('escalates a reduction to a pause', () => {
    const snap = snapshot(point(7, 14_000, 300, 50_000), { velocity: 0.5 });
    const result = evaluateRules(
      input(snap, {
        history: [],
        activeAdjustment: { action: 'reduce', rule: 'cpl-above-band#2', budgetBefore: 75_000 },
      }),
    );
    expect(result.proposals[0]).toMatchObject({ action: 'pause', rule: 'velocity-below#0' });
  });

  it('resumes a paused campaign once velocity is back at forecast', () => {
    const snap = snapshot(point(8, 16_000, 960, 52_500), { campaignPaused: true }); // 960 / 960 = 100%
    const result = evaluateRules(
      input(snap, {
        history: [],
        activeAdjustment: { action: 'pause', rule: 'velocity-below#0', budgetBefore: 75_000 },
      }),
    );
    expect(result.proposals[0]).toMatchObject({ action: 'restore', targetBudget: 75_000 });
    expect(result.proposals[0].reason).toBe(
      'Conversion velocity is back at 100% of forecast: undo the pause by velocity-below#0, resume the campaign and ' +
        'restore the total budget 75000 → 75000.',
    );
  });

  it('proposes nothing but a restore for a paused campaign', () => {
    const snap = snapshot(point(8, 16_000, 100, 52_500), { campaignPaused: true, velocity: 0.1 });
    expect(evaluateRules(input(snap, { history: [] }))).toEqual({ proposals: [], suppressed: [] });
  });

  it('does not restore without a reduction or pause in force', () => {
    const snap = snapshot(point(4, 8000, 480, 30_000)); // velocity exactly 100%
    expect(evaluateRules(input(snap, { history: [] })).proposals).toEqual([]);
    const afterIncrease = evaluateRules(
      input(snap, {
        history: [],
        activeAdjustment: { action: 'increase', rule: 'velocity-above#3', budgetBefore: 70_000 },
      }),
    );
    expect(afterIncrease.proposals).toEqual([]);
  });

  it('rejects a reduce rule without pct, naming the rule', () => {
    const bad: BudgetRule[] = [{ kind: 'cpl-above-band', action: 'reduce' }];
    const snap = snapshot(point(4, 8000, 300, 30_000));
    expect(() => evaluateRules(input(snap, { rules: bad, history: [] }))).toThrow(
      "rules[0] (cpl-above-band): action 'reduce' needs pct in (0, 100], got none",
    );
  });
});
