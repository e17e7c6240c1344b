import { SeededRandom } from '../activities/sandbox/seededRandom';
import { describe, expect, it } from 'vitest';
import {
  initialComplianceAccumulator,
  recordBreach,
  recordDisposition,
  recordFirstTouch,
  recordLeadOpened,
  summarizeCompliance,
  type ComplianceAccumulator,
  type ComplianceSection,
  type TargetResult,
} from '../sla/legacyCompliance';
// The health rule is shared: runs on the earlier figures are judged by the same one.
import { slaHealth } from '../sla/compliance';
import {
  add,
  count,
  emptyHistogram,
  MAX_TRACKED_MS,
  merge,
  quantile,
  RELATIVE_ACCURACY,
  type Histogram,
} from '../sla/histogram';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// The seed's ops SLA: 80% of leads contacted within 1 hour; 95% within 24 hours.
const targets = [
  { withinMs: HOUR, target: 0.8 },
  { withinMs: DAY, target: 0.95 },
];

/** A seeded PRNG, so the synthetic day is the same on every run. */
function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

interface SyntheticLead {
  tier: string;
  ownerId: string;
  elapsedMs: number;
}

/**
 * A day of 500 leads: `withinHour` touched within 1h, the rest of the first 475 within 24h, and the
 * last 25 after 1-3 days; shuffled, with random tiers and owners.
 */
function syntheticDay(withinHour: number, seed = 42): SyntheticLead[] {
  const random = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const elapsed: number[] = [];
  for (let i = 0; i < 500; i++) {
    if (i < withinHour) elapsed.push(between(0, HOUR + 1));
    else if (i < 475) elapsed.push(between(HOUR + 1, DAY + 1));
    else elapsed.push(between(DAY + 1, 3 * DAY));
  }
  for (let i = elapsed.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [elapsed[i], elapsed[j]] = [elapsed[j], elapsed[i]];
  }
  return elapsed.map((elapsedMs) => ({
    elapsedMs,
    tier: random() < 0.3 ? 'high-intent' : 'standard',
    ownerId: `rep-${1 + Math.floor(random() * 5)}`,
  }));
}

function accumulate(leads: SyntheticLead[]): ComplianceAccumulator {
  let acc = initialComplianceAccumulator([HOUR, DAY]);
  for (const lead of leads) {
    acc = recordLeadOpened(acc, lead);
    acc = recordFirstTouch(acc, lead);
  }
  return acc;
}

/** The exact nearest-rank quantile, for checking the histogram. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

describe('summarizeCompliance on a synthetic day of 500 leads', () => {
  const leads = syntheticDay(400);
  const summary = summarizeCompliance(accumulate(leads), targets, []);

  it('reports exactly 80% within 1h and 95% within 24h, meeting the targets', () => {
    expect(summary.leads).toBe(500);
    expect(summary.touched).toBe(500);
    expect(summary.targets).toEqual([
      { withinMs: HOUR, target: 0.8, actual: 0.8, met: true, sample: 500, within: 400 },
      { withinMs: DAY, target: 0.95, actual: 0.95, met: true, sample: 500, within: 475 },
    ]);
    expect(summary.meetsTargets).toBe(true);
  });

  it('fails the 80% target with 399 of 500 within 1h', () => {
    const failing = summarizeCompliance(accumulate(syntheticDay(399)), targets, []);
    expect(failing.targets[0]).toMatchObject({ actual: 0.798, met: false, within: 399 });
    expect(failing.targets[1]).toMatchObject({ actual: 0.95, met: true });
    expect(failing.meetsTargets).toBe(false);
    expect(slaHealth(failing)).toBe('breaching');
  });

  it('gives median and p95 time to first touch within the histogram error bound', () => {
    const elapsed = leads.map((l) => l.elapsedMs);
    for (const [q, got] of [
      [0.5, summary.medianFirstTouchMs],
      [0.95, summary.p95FirstTouchMs],
    ] as const) {
      const exact = exactQuantile(elapsed, q);
      expect(got).not.toBeNull();
      expect(Math.abs((got as number) - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
  });

  it('splits the same figures exactly per tier and per owner', () => {
    for (const [key, sections, pick] of [
      ['tier', summary.byTier, (l: SyntheticLead) => l.tier],
      ['owner', summary.byOwner, (l: SyntheticLead) => l.ownerId],
    ] as const) {
      const names = [...new Set(leads.map(pick))].sort();
      expect(Object.keys(sections), key).toEqual(names);
      for (const name of names) {
        const mine = leads.filter((l) => pick(l) === name);
        const withinHour = mine.filter((l) => l.elapsedMs <= HOUR).length;
        expect(sections[name].leads).toBe(mine.length);
        expect(sections[name].targets[0].actual).toBe(withinHour / mine.length);
      }
      expect(Object.values(sections).reduce((n, s) => n + s.touched, 0)).toBe(500);
    }
  });
});

describe('open leads in the target shares', () => {
  function tenFastTouches(): ComplianceAccumulator {
    let acc = initialComplianceAccumulator([HOUR, DAY]);
    for (let i = 0; i < 10; i++) {
      acc = recordLeadOpened(acc, { tier: 'standard', ownerId: 'rep-a' });
      acc = recordFirstTouch(acc, { tier: 'standard', ownerId: 'rep-a', elapsedMs: 10 * MINUTE });
    }
    return acc;
  }

  it('counts open leads past a target as misses and leaves younger ones out', () => {
    const open = [
      { tier: 'standard', ownerId: 'rep-a', ageMs: 2 * HOUR }, // past 1h: a miss for 1h, undecided for 24h
      { tier: 'standard', ownerId: 'rep-b', ageMs: 2 * HOUR, warned: true },
      { tier: 'standard', ownerId: 'rep-b', ageMs: 10 * MINUTE }, // undecided for both
      { tier: 'high-intent', ownerId: 'rep-c', ageMs: 2 * DAY }, // a miss for both
    ];
    const summary = summarizeCompliance(tenFastTouches(), targets, open);
    expect(summary.targets.map((t) => [t.within, t.sample, t.actual])).toEqual([
      [10, 13, 10 / 13],
      [10, 11, 10 / 11],
    ]);
    expect(summary.open).toBe(4);
    expect(summary.openWarned).toBe(1);
    // Groups that exist only through open leads still get a section.
    expect(summary.byOwner['rep-c'].targets.map((t) => t.actual)).toEqual([0, 0]);
    expect(summary.byOwner['rep-b'].targets.map((t) => t.sample)).toEqual([1, 0]);
    expect(summary.byOwner['rep-b'].targets[1]).toMatchObject({ actual: null, met: true });
    expect(summary.byTier['high-intent'].leads).toBe(0);
  });

  it('counts a touch exactly at the threshold as within it', () => {
    let acc = initialComplianceAccumulator([HOUR]);
    acc = recordFirstTouch(acc, { tier: 't', ownerId: 'o', elapsedMs: HOUR });
    acc = recordFirstTouch(acc, { tier: 't', ownerId: 'o', elapsedMs: HOUR + 1 });
    expect(summarizeCompliance(acc, [{ withinMs: HOUR, target: 0.5 }], []).targets[0].actual).toBe(0.5);
  });
});

describe('breaches, dispositions and acceptance', () => {
  it('counts breaches by clock and dispositions by reason', () => {
    let acc = initialComplianceAccumulator([HOUR]);
    const a = { tier: 'standard', ownerId: 'rep-a' };
    const b = { tier: 'high-intent', ownerId: 'rep-b' };
    acc = recordBreach(acc, { ...a, clock: 'firstTouch' });
    acc = recordBreach(acc, { ...a, clock: 'firstTouch' });
    acc = recordBreach(acc, { ...b, clock: 'acceptance' });
    acc = recordBreach(acc, { ...b, clock: 'followUp' });
    acc = recordDisposition(acc, { ...a, decision: 'accept' });
    acc = recordDisposition(acc, { ...a, decision: 'accept' });
    acc = recordDisposition(acc, { ...a, decision: 'accept' });
    acc = recordDisposition(acc, { ...b, decision: 'reject', reason: 'Not ICP' });
    acc = recordDisposition(acc, { ...b, decision: 'reject' });
    const summary = summarizeCompliance(acc, [{ withinMs: HOUR, target: 0.8 }], []);
    expect(summary.breaches).toEqual({ firstTouch: 2, acceptance: 1, followUp: 1 });
    expect(summary.acceptanceRate).toBe(0.6);
    expect(summary.dispositions).toEqual({ accept: 3, 'Not ICP': 1, reject: 1 });
    expect(summary.byOwner['rep-a'].breaches).toEqual({ firstTouch: 2, acceptance: 0, followUp: 0 });
    expect(summary.byOwner['rep-a'].acceptanceRate).toBe(1);
    expect(summary.byTier['high-intent'].acceptanceRate).toBe(0);
    expect(summary.byTier['high-intent'].dispositions).toEqual({ 'Not ICP': 1, reject: 1 });
  });

  it('has no rates or times before any data', () => {
    const summary = summarizeCompliance(initialComplianceAccumulator([HOUR]), [{ withinMs: HOUR, target: 0.8 }], []);
    expect(summary).toMatchObject({
      leads: 0,
      acceptanceRate: null,
      medianFirstTouchMs: null,
      p95FirstTouchMs: null,
      meetsTargets: true,
      targets: [{ actual: null, met: true, sample: 0 }],
    });
    expect(summary.byTier).toEqual({});
  });
});

describe('accumulator state', () => {
  it('is plain JSON that keeps working after a round trip, and record* leave their input alone', () => {
    const acc = accumulate(syntheticDay(400).slice(0, 50));
    const before = JSON.stringify(acc);
    const next = recordFirstTouch(acc, { tier: 'standard', ownerId: 'rep-1', elapsedMs: 5 * MINUTE });
    expect(JSON.stringify(acc)).toBe(before);
    const revived = JSON.parse(JSON.stringify(next)) as ComplianceAccumulator;
    expect(summarizeCompliance(revived, targets, [])).toEqual(summarizeCompliance(next, targets, []));
  });

  it('stays small for 100,000 leads', () => {
    const random = seededRandom(7);
    let acc = initialComplianceAccumulator([HOUR, DAY]);
    for (let i = 0; i < 100_000; i++) {
      acc = recordFirstTouch(acc, {
        tier: i % 2 ? 'standard' : 'high-intent',
        ownerId: `rep-${i % 20}`,
        elapsedMs: Math.floor(random() ** 3 * 3 * DAY),
      });
    }
    expect(summarizeCompliance(acc, targets, []).touched).toBe(100_000);
    expect(JSON.stringify(acc).length).toBeLessThan(200_000);
  });
});

describe('input errors', () => {
  it('names the bad field', () => {
    const acc = initialComplianceAccumulator([HOUR]);
    expect(() => summarizeCompliance(acc, [{ withinMs: DAY, target: 0.9 }], [])).toThrow(
      'targets[0].withinMs 86400000 is not tracked by this accumulator (tracked: 3600000)',
    );
    expect(() => summarizeCompliance(acc, [{ withinMs: HOUR, target: 80 }], [])).toThrow(
      'targets[0].target must be a share within [0, 1], got 80',
    );
    expect(() => summarizeCompliance(acc, [], [{ tier: 't', ownerId: 'o', ageMs: -1 }])).toThrow(
      'openLeads[0].ageMs must be a finite number >= 0, got -1',
    );
    expect(() => recordFirstTouch(acc, { tier: 't', ownerId: 'o', elapsedMs: Number.NaN })).toThrow(
      'first touch elapsedMs must be a finite number >= 0, got NaN',
    );
    expect(() => initialComplianceAccumulator([HOUR, -5])).toThrow(
      'trackedWithinMs[1] must be a finite number >= 0, got -5',
    );
  });
});

describe('slaHealth', () => {
  function section(results: Partial<TargetResult>[], openWarned = 0): ComplianceSection {
    const full = results.map((r) => ({ withinMs: HOUR, target: 0.8, actual: 0.9, sample: 100, within: 90, ...r }));
    const withMet = full.map((r) => ({ ...r, met: r.actual === null || r.actual >= r.target }));
    return {
      leads: 100,
      touched: 100,
      open: 0,
      openWarned,
      medianFirstTouchMs: null,
      p95FirstTouchMs: null,
      breaches: { firstTouch: 0, acceptance: 0, followUp: 0 },
      accepted: 0,
      rejected: 0,
      acceptanceRate: null,
      dispositions: {},
      targets: withMet,
      meetsTargets: withMet.every((r) => r.met),
    };
  }

  it('is healthy with every target met by more than 5 points and no warned clocks', () => {
    expect(slaHealth(section([{ actual: 0.9 }, { target: 0.9, actual: 0.96 }]))).toBe('healthy');
  });

  it('is at risk within 5 points of a target (inclusive)', () => {
    expect(slaHealth(section([{ actual: 0.85 }]))).toBe('at-risk');
    expect(slaHealth(section([{ actual: 0.8 }]))).toBe('at-risk');
    expect(slaHealth(section([{ actual: 0.86 }]))).toBe('healthy');
    expect(slaHealth(section([{ actual: 0.86 }]), { atRiskMarginPts: 10 })).toBe('at-risk');
  });

  it('is at risk while an open clock is past its warning', () => {
    expect(slaHealth(section([{ actual: 0.99 }], 1))).toBe('at-risk');
  });

  it('is breaching on a missed target with enough decided leads, at risk below that', () => {
    expect(slaHealth(section([{ actual: 0.7, sample: 10 }]))).toBe('breaching');
    expect(slaHealth(section([{ actual: 0.7, sample: 9 }]))).toBe('at-risk');
    expect(slaHealth(section([{ actual: 0.7, sample: 9 }]), { minSample: 5 })).toBe('breaching');
  });

  it('ignores targets with no decided lead yet', () => {
    expect(slaHealth(section([{ actual: null, sample: 0 }]))).toBe('healthy');
  });
});

describe('histogram', () => {
  it('starts empty and does not modify its input', () => {
    const h = emptyHistogram();
    expect(count(h)).toBe(0);
    expect(quantile(h, 0.5)).toBeNull();
    const h1 = add(h, 1000);
    expect(count(h)).toBe(0);
    expect(count(h1)).toBe(1);
  });

  it('keeps every quantile within 2% of the exact nearest-rank value', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 5000 }, () => Math.floor(Math.exp(random() * 20))); // 1 ms .. ~5.6 days
    let h: Histogram = emptyHistogram();
    for (const v of values) h = add(h, v);
    for (const q of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]) {
      const exact = exactQuantile(values, q);
      const got = quantile(h, q) as number;
      expect(Math.abs(got - exact) / exact, `q=${q}`).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
  });

  it('has a bounded size however many samples it holds', () => {
    let h: Histogram = emptyHistogram();
    for (let ms = 1; ms < MAX_TRACKED_MS * 4; ms = Math.ceil(ms * 1.01) + 1) h = add(h, ms);
    const buckets = Object.keys(h.buckets).length;
    expect(buckets).toBeLessThanOrEqual(Math.ceil(Math.log(MAX_TRACKED_MS) / Math.log(1.02 / 0.98)) + 1);
    for (let i = 0; i < 10_000; i++) h = add(h, 1 + (i % 1000) * 3_600);
    // More samples only raise counts: no new buckets, and the JSON stays a few kB.
    expect(Object.keys(h.buckets).length).toBe(buckets);
    expect(JSON.stringify(h).length).toBeLessThan(8_000);
  });

  it('counts sub-millisecond samples as 0 and clamps samples beyond the range', () => {
    let h = add(add(emptyHistogram(), 0.4), MAX_TRACKED_MS * 10);
    expect(quantile(h, 0)).toBe(0);
    expect(quantile(h, 1)).toBe(MAX_TRACKED_MS);
    h = add(h, 0);
    expect(h.zeros).toBe(2);
  });

  it('merges to the same histogram as adding everything to one', () => {
    const xs = [5, 50, 500, 5_000, 50_000];
    const ys = [7, 70, 700, 0];
    const one = [...xs, ...ys].reduce(add, emptyHistogram());
    const merged = merge(xs.reduce(add, emptyHistogram()), ys.reduce(add, emptyHistogram()));
    expect(merged).toEqual(one);
    expect(quantile(merged, 0.5)).toBe(quantile(one, 0.5));
  });

  it('rejects bad samples and quantiles', () => {
    expect(() => add(emptyHistogram(), -1)).toThrow(
      'histogram sample must be a finite, non-negative number of ms, got -1',
    );
    expect(() => quantile(emptyHistogram(), 1.5)).toThrow('quantile q must be within [0, 1], got 1.5');
  });
});
