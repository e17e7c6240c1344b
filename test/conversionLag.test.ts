// Conversions arrive a while after the clicks that bought them: rules judge rates across that lag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lagAligned } from '../sla/conversionLag';
import { cplBand } from '../sla/forecast';
import { evaluateRules, type BudgetRule, type HistoryPoint, type VelocitySnapshot } from '../sla/rules';

const SECOND = 1_000;
const start = Date.UTC(2026, 11, 3);
const flight = 600 * SECOND;
// The seed story's world: $125 a second at $2.50 a click, 4.3% of clicks qualify, each some 15 s after its click.
const LAG = 15 * SECOND;
const spendAt = (t: number) => 125 * (t / SECOND);
const clicksAt = (t: number) => spendAt(t) / 2.5;
const conversionsAt = (t: number) => Math.max(0, Math.floor(clicksAt(t - LAG) * 0.043));
const forecastAt = (t: number) => (1200 * t) / flight;

const point = (t: number): HistoryPoint => ({
  at: start + t,
  spend: spendAt(t),
  clicks: clicksAt(t),
  conversions: conversionsAt(t),
  forecast: forecastAt(t),
});

function snapshotAt(t: number): VelocitySnapshot {
  const p = point(t);
  return {
    ...p,
    windowStart: start,
    windowEnd: start + flight,
    budget: 75_000,
    originalBudget: 75_000,
    forecast: forecastAt(t),
    velocity: p.conversions / forecastAt(t),
    cpl: p.conversions === 0 ? null : p.spend / p.conversions,
    cplBand: cplBand(65, 0),
    responseSlaMeets: true,
    campaignPaused: false,
  };
}

/** Checks every 5 s up to (not including) t. */
const checksBefore = (t: number) =>
  Array.from({ length: Math.floor((t - 1) / (5 * SECOND)) + 1 }, (_, i) => point(i * 5 * SECOND));

const cplCut: BudgetRule[] = [{ kind: 'cpl-above-band', action: 'reduce', pct: 20 }];
const velocityPause: BudgetRule[] = [{ kind: 'velocity-below', afterDays: 0, belowPct: 90, action: 'pause' }];

function judge(rules: BudgetRule[], t: number, conversionLagMs: number) {
  return evaluateRules({
    rules,
    snapshot: snapshotAt(t),
    history: checksBefore(t),
    activeAdjustment: null,
    pendingProposal: false,
    needsEvidence: true,
    conversionLagMs,
  });
}

describe('rates across the conversion lag', () => {
  it('does not cut a campaign whose CPL only looks high because its conversions are still to come', () => {
    // Two "days" in: $15,000 spent, 236 conversions so far: $63.56 judged now, $58.14 on the spend that bought them.
    const t = 120 * SECOND;
    expect(snapshotAt(t).cpl).toBeGreaterThan(65);
    expect(judge(cplCut, t, 0).proposals.map((p) => p.action)).toEqual(['reduce']);
    expect(judge(cplCut, t, LAG).proposals).toEqual([]);
  });

  it('still cuts a CPL that is high across the lag, and reduces the budget from what is spent now', () => {
    // Half the conversions: CPL about $116 whichever way it is judged.
    const t = 120 * SECOND;
    const snapshot = { ...snapshotAt(t), conversions: 118 };
    const history = checksBefore(t).map((p) => ({ ...p, conversions: Math.floor(p.conversions / 2) }));
    const { proposals } = evaluateRules({
      rules: cplCut,
      snapshot: { ...snapshot, cpl: snapshot.spend / 118 },
      history,
      activeAdjustment: null,
      pendingProposal: false,
      needsEvidence: true,
      conversionLagMs: LAG,
    });
    expect(proposals).toHaveLength(1);
    expect(proposals[0].figures.cpl).toBeCloseTo(spendAt(105 * SECOND) / 118, 6);
    // 15,000 spent of 75,000: the remaining 60,000 paced 20% lower.
    expect(proposals[0].targetBudget).toBe(15_000 + 60_000 * 0.8);
  });

  it('reports the figures it judged, so a reader sees why a CPL above the ceiling is not cut', () => {
    const t = 120 * SECOND;
    const judged = judge(cplCut, t, LAG).acrossLag!;
    expect(judged.lagMs).toBe(LAG);
    expect(judged.forecast).toBeCloseTo(forecastAt(t - LAG), 6);
    expect(judged.cpl).toBeCloseTo(spendAt(t - LAG) / conversionsAt(t), 6);
    expect(judged.cpl).toBeLessThan(65);
    expect(judged.velocityPct).toBeCloseTo((conversionsAt(t) / forecastAt(t - LAG)) * 100, 6);
    expect(judge(cplCut, t, 0).acrossLag).toBeUndefined();
  });

  it('judges nothing on rates until a check is as old as the lag, and says so', () => {
    const early = judge([...cplCut, ...velocityPause], 12 * SECOND, LAG);
    expect(early.acrossLag).toEqual({ lagMs: LAG, forecast: null, velocityPct: null, cpl: null });
    expect(early.proposals).toEqual([]);
    expect(early.suppressed).toEqual([
      {
        rule: 'conversion-lag',
        reason:
          'Conversions lag clicks by 15s: velocity, CPL and conversion rates are judged once a check is that old.',
      },
    ]);
  });

  it('does not read the lag as a velocity shortfall', () => {
    // Half a "day" in: 32 conversions against 60 forecast (53%, well short of the 54 at 90%) now, against the 30
    // forecast when their clicks came (107%).
    const t = 30 * SECOND;
    expect(judge(velocityPause, t, 0).proposals.map((p) => p.action)).toEqual(['pause']);
    expect(judge(velocityPause, t, LAG).proposals).toEqual([]);
  });

  it('sets each point against the clicks of exactly the lag before it, read between the checks around that instant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 2, maxLength: 40 }),
        fc.integer({ min: 1, max: 120 }),
        (seconds, lagSeconds) => {
          const times = [...new Set(seconds)].sort((a, b) => a - b).map((s) => s * SECOND);
          const now = times.pop()!;
          const lag = lagSeconds * SECOND;
          const aligned = lagAligned(snapshotAt(now), times.map(point), lag);
          // Clicks grow on a straight line here, so reading between checks gives the clicks of that very instant.
          const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
          if (times.length === 0 || now - lag < times[0]) return aligned === null;
          return (
            aligned !== null &&
            near(aligned.snapshot.clicks, clicksAt(now - lag)) &&
            aligned.snapshot.spend === spendAt(now) &&
            aligned.history.length === times.filter((t) => t - lag >= times[0]).length &&
            aligned.history.every((p) => near(p.clicks, clicksAt(p.at - start - lag)))
          );
        },
      ),
    );
  });
});
