import { describe, expect, it } from 'vitest';
import {
  burnPct,
  conversionRate,
  cpl,
  cplBand,
  cumulativeShare,
  elapsedFraction,
  fitBaselineCurve,
  forecastToDate,
  velocity,
} from '../sla/forecast';

const DAY = 24 * 60 * 60 * 1000;
const start = Date.UTC(2027, 0, 4);
const tenDays = { windowStart: start, windowEnd: start + 10 * DAY };

describe('forecastToDate', () => {
  it('forecasts linearly without a baseline curve', () => {
    // 1,200 leads over 10 days, 4 days in: 1,200 × 0.4
    expect(forecastToDate({ ...tenDays, now: start + 4 * DAY, targetConversions: 1200 })).toEqual({
      linear: 480,
      curve: 480,
    });
  });

  it('is 0 before the window and the full target after it', () => {
    expect(forecastToDate({ ...tenDays, now: start - DAY, targetConversions: 1200 })).toEqual({ linear: 0, curve: 0 });
    expect(forecastToDate({ ...tenDays, now: start + 11 * DAY, targetConversions: 1200 })).toEqual({
      linear: 1200,
      curve: 1200,
    });
  });

  it('follows the baseline curve, interpolating inside a slice', () => {
    // Slices (sum 10): 1,1,2,2,4. At half the window: slices 0-1 (2) + half of slice 2 (1) = 3 -> 30%.
    const result = forecastToDate({
      ...tenDays,
      now: start + 5 * DAY,
      targetConversions: 1000,
      baselineCurve: [1, 1, 2, 2, 4],
    });
    expect(result.linear).toBe(500);
    expect(result.curve).toBeCloseTo(300, 9);
  });

  it('matches the seed example: 500 MQLs over 30 days, 80 after 7 days is below 70% velocity', () => {
    const window = { windowStart: start, windowEnd: start + 30 * DAY };
    const { linear } = forecastToDate({ ...window, now: start + 7 * DAY, targetConversions: 500 });
    expect(linear).toBeCloseTo(116.667, 3);
    expect(velocity(80, linear)).toBeCloseTo(0.6857, 4);
  });

  it('rejects an empty window and a negative target', () => {
    expect(() => forecastToDate({ windowStart: start, windowEnd: start, now: start, targetConversions: 1 })).toThrow(
      `windowEnd (${start}) must be after windowStart (${start})`,
    );
    expect(() => forecastToDate({ ...tenDays, now: start, targetConversions: -1 })).toThrow(
      'targetConversions must be a finite number >= 0, got -1',
    );
  });

  it('rejects a bad baseline curve, naming the slice', () => {
    const base = { ...tenDays, now: start, targetConversions: 1 };
    expect(() => forecastToDate({ ...base, baselineCurve: [1, -2] })).toThrow(
      'baselineCurve[1] must be a finite number >= 0, got -2',
    );
    expect(() => forecastToDate({ ...base, baselineCurve: [0, 0] })).toThrow(
      'baselineCurve must have a positive total',
    );
    expect(() => forecastToDate({ ...base, baselineCurve: [] })).toThrow('baselineCurve must have at least one entry');
  });
});

describe('cumulativeShare and elapsedFraction', () => {
  it('runs from 0 to 1 and clamps outside the window', () => {
    expect(cumulativeShare([3, 1], 0)).toBe(0);
    expect(cumulativeShare([3, 1], 0.25)).toBeCloseTo(0.375, 12); // half of slice 0 (1.5 of 4)
    expect(cumulativeShare([3, 1], 0.5)).toBe(0.75);
    expect(cumulativeShare([3, 1], 1)).toBe(1);
    expect(cumulativeShare([3, 1], 1.5)).toBe(1);
    expect(elapsedFraction(0, 100, 25)).toBe(0.25);
    expect(elapsedFraction(0, 100, -5)).toBe(0);
  });
});

describe('fitBaselineCurve', () => {
  it('sums whole days into coarser slices', () => {
    expect(fitBaselineCurve([10, 20, 30, 40], 2)).toEqual([0.3, 0.7]);
  });

  it('splits days evenly into finer slices', () => {
    expect(fitBaselineCurve([10, 20, 30, 40], 8)).toEqual([0.05, 0.05, 0.1, 0.1, 0.15, 0.15, 0.2, 0.2]);
  });

  it('shares straddling days by overlap', () => {
    // 4 days into 3 slices of 4/3 days: 10 + 20/3, 20·2/3 + 30·2/3, 30/3 + 40 (of 100).
    const curve = fitBaselineCurve([10, 20, 30, 40], 3);
    expect(curve[0]).toBeCloseTo(1 / 6, 12);
    expect(curve[1]).toBeCloseTo(1 / 3, 12);
    expect(curve[2]).toBeCloseTo(1 / 2, 12);
  });

  it('produces a curve forecastToDate accepts', () => {
    const curve = fitBaselineCurve([5, 5, 10, 20, 10], 10);
    const result = forecastToDate({ ...tenDays, now: start + 4 * DAY, targetConversions: 100, baselineCurve: curve });
    // 40% of the window = 2 of 5 historic days: (5 + 5) / 50
    expect(result.curve).toBeCloseTo(20, 9);
  });

  it('rejects unusable history and slice counts', () => {
    expect(() => fitBaselineCurve([], 3)).toThrow('dailyHistoricConversions must have at least one entry');
    expect(() => fitBaselineCurve([0, 0], 3)).toThrow('dailyHistoricConversions must have a positive total');
    expect(() => fitBaselineCurve([1, Number.NaN], 3)).toThrow(
      'dailyHistoricConversions[1] must be a finite number >= 0',
    );
    expect(() => fitBaselineCurve([1], 0)).toThrow('slices must be a positive integer, got 0');
  });
});

describe('ratios', () => {
  it('velocity is actual over forecast, null with nothing forecast', () => {
    expect(velocity(350, 500)).toBe(0.7);
    expect(velocity(5, 0)).toBeNull();
  });

  it('cplBand is target ± tolerance', () => {
    expect(cplBand(200, 20)).toEqual({ low: 160, high: 240 });
    expect(() => cplBand(0, 20)).toThrow('CPL target must be a positive number, got 0');
    expect(() => cplBand(200, 120)).toThrow('CPL tolerancePct must be within [0, 100], got 120');
  });

  it('cpl, burnPct and conversionRate are null on a zero denominator', () => {
    expect(cpl(75_000, 1200)).toBe(62.5);
    expect(cpl(100, 0)).toBeNull();
    expect(burnPct(30_000, 75_000)).toBe(40);
    expect(burnPct(10, 0)).toBeNull();
    expect(conversionRate(78, 2000)).toBe(0.039);
    expect(conversionRate(3, 0)).toBeNull();
  });
});
