// SLA figures against an independent reference. The reference below is written from the definitions in the
// README ("SLA figures"), not from sla/compliance: business time comes from a day-by-day walk with luxon, and
// every figure is a plain filter-and-count over the leads. Random streams (fast-check) of a few thousand leads
// with reassignments, late touches, business-hours tiers across a weekend and the March DST change,
// rejections and still-open leads must give the same figures, group by group.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addDisposition,
  addOutcome,
  classifyLead,
  copyFigures,
  emptyFigures,
  summarizeFigures,
  type ComplianceSection,
  type FirstTouchFacts,
  type TierTime,
  UNPOOLED,
} from '../sla/compliance';
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from '../sla/calendar';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ZONE = 'America/New_York';
const calendar: BusinessCalendar = {
  timezone: ZONE,
  hours: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
};
/** hot: 1 h wall clock; std: 24 business hours (three business days). */
const DEADLINE = { hot: HOUR, std: 24 * HOUR } as const;
type Tier = keyof typeof DEADLINE;
const TARGETS = [
  { withinMs: HOUR, target: 0.8 },
  { withinMs: 24 * HOUR, target: 0.95 },
];
const POOL_OF: Record<string, string> = { 'rep-a': 'east', 'rep-b': 'east', 'rep-c': 'west' };
const poolOf = (owner: string) => POOL_OF[owner];

// ---- the reference: business time by walking local days -------------------------------------------------
function businessOverlap(from: number, to: number): number {
  let total = 0;
  for (
    let day = DateTime.fromMillis(from, { zone: ZONE }).startOf('day');
    day.toMillis() < to;
    day = day.plus({ days: 1 })
  ) {
    if (day.weekday > 5) continue;
    const open = day.set({ hour: 9 }).toMillis();
    const close = day.set({ hour: 17 }).toMillis();
    total += Math.max(0, Math.min(close, to) - Math.max(open, from));
  }
  return total;
}

function businessReach(from: number, ms: number): number {
  let left = ms;
  for (let day = DateTime.fromMillis(from, { zone: ZONE }).startOf('day'); ; day = day.plus({ days: 1 })) {
    if (day.weekday > 5) continue;
    const open = Math.max(day.set({ hour: 9 }).toMillis(), from);
    const close = day.set({ hour: 17 }).toMillis();
    if (close <= open) continue;
    if (close - open >= left) return open + left;
    left -= close - open;
  }
}

const refElapsed = (tier: Tier, from: number, to: number) => (tier === 'hot' ? to - from : businessOverlap(from, to));
const refReach = (tier: Tier, from: number, ms: number) => (tier === 'hot' ? from + ms : businessReach(from, ms));

interface RefLead {
  tier: Tier;
  startedAt: number;
  deadline: number;
  owners: { ownerId: string; from: number }[];
  touchedAt?: number;
  closedAt?: number;
  /** A touch on time reported after the allowed lateness: the breach stands. */
  breachStands: boolean;
}

function refOwner(lead: RefLead, at: number): string {
  return lead.owners.filter((o) => o.from <= at).at(-1)?.ownerId ?? lead.owners[0].ownerId;
}

interface RefRow {
  tier: string;
  clock: string;
  clockOwner: string;
  touchMs?: number;
  rescuer?: string;
  targets: { outcome: string; owner: string }[];
}

function reference(lead: RefLead, now: number): RefRow {
  const current = lead.owners.at(-1)!.ownerId;
  const decidedAt = lead.touchedAt ?? lead.closedAt ?? now;
  let clock: string;
  let clockOwner: string;
  if (lead.breachStands || decidedAt > lead.deadline) [clock, clockOwner] = ['breached', refOwner(lead, lead.deadline)];
  else if (lead.touchedAt !== undefined) [clock, clockOwner] = ['met', refOwner(lead, lead.touchedAt)];
  else if (lead.closedAt !== undefined) [clock, clockOwner] = ['closedUntouched', refOwner(lead, lead.closedAt)];
  else [clock, clockOwner] = ['pending', current];
  const touchMs = lead.touchedAt === undefined ? undefined : refElapsed(lead.tier, lead.startedAt, lead.touchedAt);
  const toucher = lead.touchedAt === undefined ? undefined : refOwner(lead, lead.touchedAt);
  const targets = TARGETS.map(({ withinMs }) => {
    // Within: touched by the instant T is reached, where a deadline of T falls.
    const horizon = refReach(lead.tier, lead.startedAt, withinMs);
    if (lead.touchedAt !== undefined && lead.touchedAt <= horizon) return { outcome: 'within', owner: toucher! };
    if (lead.touchedAt === undefined && lead.closedAt !== undefined)
      return { outcome: 'missed', owner: refOwner(lead, Math.min(horizon, lead.closedAt)) };
    if (lead.touchedAt === undefined && now <= horizon) return { outcome: 'pending', owner: current };
    return { outcome: 'missed', owner: refOwner(lead, horizon) };
  });
  return {
    tier: lead.tier,
    clock,
    clockOwner,
    touchMs,
    rescuer: clock === 'breached' && toucher !== undefined && toucher !== clockOwner ? toucher : undefined,
    targets,
  };
}

function nearestRank(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** The reference figures of one group: rows whose clock (or target, or rescue) belongs to it. */
function refGroup(rows: RefRow[], inGroup: (owner: string, tier: string) => boolean) {
  const own = rows.filter((r) => inGroup(r.clockOwner, r.tier));
  const count = (clock: string) => own.filter((r) => r.clock === clock).length;
  const touched = own.filter((r) => r.touchMs !== undefined);
  return {
    leads: own.length,
    met: count('met'),
    breached: count('breached'),
    pending: count('pending'),
    closedUntouched: count('closedUntouched'),
    touched: touched.length,
    neverTouched: own.length - touched.length,
    rescues: rows.filter((r) => r.rescuer !== undefined && inGroup(r.rescuer, r.tier)).length,
    median: nearestRank(
      touched.map((r) => r.touchMs!),
      0.5,
    ),
    targets: TARGETS.map((_, i) => {
      const mine = rows.filter((r) => inGroup(r.targets[i].owner, r.tier));
      const n = (outcome: string) => mine.filter((r) => r.targets[i].outcome === outcome).length;
      return { within: n('within'), missed: n('missed'), pending: n('pending') };
    }),
  };
}

function expectSame(actual: ComplianceSection | undefined, expected: ReturnType<typeof refGroup>, where: string) {
  if (
    expected.leads === 0 &&
    expected.rescues === 0 &&
    expected.targets.every((t) => t.within + t.missed + t.pending === 0)
  ) {
    if (actual) expect(actual.leads, where).toBe(0);
    return;
  }
  expect(actual, where).toBeDefined();
  const { median, targets, ...counts } = expected;
  expect(actual, where).toMatchObject(counts);
  expect(
    actual!.targets.map(({ within, missed, pending }) => ({ within, missed, pending })),
    where,
  ).toEqual(targets);
  if (median === null) expect(actual!.medianFirstTouchMs, where).toBeNull();
  // The module keeps a histogram: its median is within 2% of the exact nearest-rank one.
  else expect(Math.abs(actual!.medianFirstTouchMs! - median), where).toBeLessThanOrEqual(median * 0.021 + 1);
  // Counts that add up.
  expect(actual!.met + actual!.breached + actual!.pending + actual!.closedUntouched, where).toBe(actual!.leads);
  for (const t of actual!.targets) expect(t.sample, where).toBe(t.within + t.missed);
}

// ---- the module under test, with the project's calendar --------------------------------------------------
const moduleTime: TierTime = {
  elapsed: (tier, from, to) =>
    tier === 'hot' ? to - from : businessTimeBetween(new Date(from), new Date(to), calendar),
  reach: (tier, from, ms) => (tier === 'hot' ? from + ms : addBusinessTime(new Date(from), ms, calendar).getTime()),
};

/** A reference lead as the facts the module classifies. */
const moduleFacts = (lead: RefLead): FirstTouchFacts => ({
  tier: lead.tier,
  startedAt: lead.startedAt,
  deadline: lead.deadline,
  owners: lead.owners,
  ...(lead.touchedAt !== undefined
    ? { touchedAt: lead.touchedAt, touchElapsedMs: moduleTime.elapsed(lead.tier, lead.startedAt, lead.touchedAt) }
    : lead.closedAt !== undefined
      ? { closedAt: lead.closedAt }
      : {}),
  // The breach row exists when it stands, and (as the timer fired) for most leads decided late.
  ...(lead.breachStands ? { breachedAt: lead.deadline } : {}),
});

function moduleFigures(leads: RefLead[], now: number) {
  const acc = emptyFigures(TARGETS.map((t) => t.withinMs));
  for (const lead of leads)
    addOutcome(acc, classifyLead(moduleFacts(lead), acc.trackedWithinMs, now, moduleTime, 'reach'), poolOf);
  return summarizeFigures(acc, TARGETS);
}

function compareAll(leads: RefLead[], now: number) {
  const rows = leads.map((lead) => reference(lead, now));
  const figures = moduleFigures(leads, now);
  expectSame(
    figures,
    refGroup(rows, () => true),
    'overall',
  );
  for (const tier of ['hot', 'std'])
    expectSame(
      figures.byTier[tier],
      refGroup(rows, (_o, t) => t === tier),
      `tier ${tier}`,
    );
  for (const owner of ['rep-a', 'rep-b', 'rep-c', 'rep-x'])
    expectSame(
      figures.byOwner[owner],
      refGroup(rows, (o) => o === owner),
      `owner ${owner}`,
    );
  for (const pool of ['east', 'west', UNPOOLED])
    expectSame(
      figures.byPool[pool],
      refGroup(rows, (o) => (POOL_OF[o] ?? UNPOOLED) === pool),
      `pool ${pool}`,
    );
  return figures;
}

// ---- generated streams -----------------------------------------------------------------------------------
/** Sunday 2026-03-01 00:00 New York: the window crosses two weekends and the 8 March DST change. */
const T0 = Date.parse('2026-03-01T05:00:00Z');
const OWNERS = ['rep-a', 'rep-b', 'rep-c', 'rep-x'];

const leadArb = fc
  .record({
    tier: fc.constantFrom<Tier>('hot', 'std'),
    startMin: fc.integer({ min: 0, max: 14 * 24 * 60 }),
    owner: fc.constantFrom(...OWNERS),
    reassign: fc.array(
      fc.record({ afterMin: fc.integer({ min: 1, max: 5 * 24 * 60 }), to: fc.constantFrom(...OWNERS) }),
      {
        maxLength: 3,
      },
    ),
    // Log-spread so minutes, hours and days all occur.
    touchMin: fc.option(fc.integer({ min: 0, max: 13 }).map((e) => Math.round(2 ** e) + (e % 3))),
    closeMin: fc.option(fc.integer({ min: 1, max: 6 * 24 * 60 })),
    lateReport: fc.boolean(),
  })
  .map(({ tier, startMin, owner, reassign, touchMin, closeMin, lateReport }): RefLead => {
    const startedAt = T0 + startMin * MINUTE;
    const owners = [{ ownerId: owner, from: startedAt }];
    for (const r of [...reassign].sort((a, b) => a.afterMin - b.afterMin)) {
      if (r.to !== owners.at(-1)!.ownerId) owners.push({ ownerId: r.to, from: startedAt + r.afterMin * MINUTE });
    }
    const deadline = refReach(tier, startedAt, DEADLINE[tier]);
    const lead: RefLead = { tier, startedAt, deadline, owners, breachStands: false };
    const touchedAt = touchMin === null ? undefined : startedAt + touchMin * MINUTE;
    const closedAt = closeMin === null ? undefined : startedAt + closeMin * MINUTE;
    // A lead closed before any touch is never touched afterwards.
    if (touchedAt !== undefined && (closedAt === undefined || touchedAt < closedAt)) lead.touchedAt = touchedAt;
    else if (closedAt !== undefined) lead.closedAt = closedAt;
    lead.breachStands = lead.touchedAt !== undefined && lead.touchedAt <= deadline && lateReport && touchMin! % 5 === 0;
    return lead;
  });

/** Only what happened by `now` is known: later touches, closes and owner changes have not happened yet. */
function asKnownAt(lead: RefLead, now: number): RefLead {
  const known: RefLead = { ...lead, owners: lead.owners.filter((o, i) => i === 0 || o.from <= now) };
  if (known.touchedAt !== undefined && known.touchedAt > now) delete known.touchedAt;
  if (known.closedAt !== undefined && known.closedAt > now) delete known.closedAt;
  if (known.touchedAt === undefined) known.breachStands = false;
  return known;
}

describe('SLA figures against the independent reference', () => {
  it('agree on random streams, overall and per tier, owner and pool, with open leads pending', () => {
    fc.assert(
      fc.property(
        fc.array(leadArb, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 * 24 * 60 }),
        (leads, nowMin) => {
          const now = T0 + nowMin * MINUTE;
          compareAll(
            leads.filter((l) => l.startedAt <= now).map((l) => asKnownAt(l, now)),
            now,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agree on one stream of 3,000 leads', () => {
    const leads = fc.sample(leadArb, { numRuns: 3000, seed: 20261203 });
    const now = T0 + 10 * 24 * HOUR;
    const figures = compareAll(
      leads.filter((l) => l.startedAt <= now).map((l) => asKnownAt(l, now)),
      now,
    );
    // The stream exercises every outcome and rescue, so the comparison above is not vacuous.
    expect(
      figures.met * figures.breached * figures.pending * figures.closedUntouched * figures.rescues,
    ).toBeGreaterThan(0);
    expect(figures.targets.every((t) => t.within > 0 && t.missed > 0 && t.pending > 0)).toBe(true);
  });
});

describe('attribution: the rep who missed keeps the miss', () => {
  const start = Date.parse('2026-03-02T15:00:00Z'); // Monday 10:00 New York
  const hotLead = (extra: Partial<RefLead>): RefLead => ({
    tier: 'hot',
    startedAt: start,
    deadline: start + HOUR,
    owners: [{ ownerId: 'rep-a', from: start }],
    breachStands: false,
    ...extra,
  });

  it('a breach stays with the first owner; the overflow rep who touches later gets a rescue, not a miss', () => {
    const lead = hotLead({
      owners: [
        { ownerId: 'rep-a', from: start },
        { ownerId: 'rep-c', from: start + HOUR + 15 * MINUTE },
      ],
      touchedAt: start + 2 * HOUR,
    });
    const figures = compareAll([lead], start + 3 * HOUR);
    expect(figures.byOwner['rep-a']).toMatchObject({ leads: 1, breached: 1, met: 0, touched: 1, rescues: 0 });
    expect(figures.byOwner['rep-a'].targets[0]).toMatchObject({ within: 0, missed: 1, actual: 0 });
    // The 24 h target was reached by rep-c's touch: theirs.
    expect(figures.byOwner['rep-c']).toMatchObject({ leads: 0, rescues: 1 });
    expect(figures.byOwner['rep-c'].targets[1]).toMatchObject({ within: 1, missed: 0, actual: 1 });
    expect(figures.byPool.east).toMatchObject({ leads: 1, breached: 1 });
    expect(figures.byPool.west).toMatchObject({ leads: 0, rescues: 1 });
  });

  it('a lead never touched and reassigned twice: each target is missed by whoever held it when T ran out', () => {
    const lead = hotLead({
      owners: [
        { ownerId: 'rep-a', from: start },
        { ownerId: 'rep-b', from: start + 2 * HOUR },
        { ownerId: 'rep-c', from: start + 30 * HOUR },
      ],
    });
    const figures = compareAll([lead], start + 40 * HOUR);
    expect(figures.byOwner['rep-a'].targets[0]).toMatchObject({ missed: 1 });
    expect(figures.byOwner['rep-b'].targets[1]).toMatchObject({ missed: 1 });
    // rep-c took it after both targets had run out: nothing of it is theirs.
    expect(figures.byOwner['rep-c']).toBeUndefined();
  });

  it('an open lead is pending, then a miss, in the tier time base (a Friday-evening standard lead waits out the weekend)', () => {
    const friday = Date.parse('2026-03-06T22:00:00Z'); // Friday 17:00 New York: after hours
    const lead: RefLead = {
      tier: 'std',
      startedAt: friday,
      deadline: refReach('std', friday, 24 * HOUR),
      owners: [{ ownerId: 'rep-b', from: friday }],
      breachStands: false,
    };
    const monday = Date.parse('2026-03-09T13:30:00Z'); // Monday 09:30 EDT: 30 business minutes
    expect(compareAll([lead], monday).targets[0]).toMatchObject({ pending: 1, sample: 0, actual: null });
    const afternoon = Date.parse('2026-03-09T15:00:00Z'); // Monday 11:00 EDT: 2 business hours
    expect(compareAll([lead], afternoon).targets[0]).toMatchObject({ missed: 1, pending: 0 });
    expect(compareAll([lead], afternoon)).toMatchObject({ pending: 1, breached: 0 });
  });
});

describe('within T and the deadline agree at the close of a business day', () => {
  const monday = Date.parse('2026-03-02T14:00:00Z'); // Monday 09:00 New York
  const wednesdayClose = Date.parse('2026-03-04T22:00:00Z'); // Wednesday 17:00: 24 business hours reached
  const stdLead = (extra: Partial<RefLead>): RefLead => ({
    tier: 'std',
    startedAt: monday,
    deadline: refReach('std', monday, 24 * HOUR),
    owners: [{ ownerId: 'rep-b', from: monday }],
    breachStands: false,
    ...extra,
  });

  it('a touch after the close that T ran out at is a breach and a miss, though no business time passed since', () => {
    expect(stdLead({}).deadline).toBe(wednesdayClose);
    const late = stdLead({ touchedAt: wednesdayClose + HOUR });
    expect(moduleTime.elapsed('std', monday, wednesdayClose + HOUR)).toBe(24 * HOUR);
    const figures = compareAll([late], wednesdayClose + 2 * HOUR);
    expect(figures).toMatchObject({ breached: 1, met: 0 });
    expect(figures.targets[1]).toMatchObject({ within: 0, missed: 1 });
    // At the close itself: met, and within.
    const onTime = compareAll([stdLead({ touchedAt: wednesdayClose })], wednesdayClose + 2 * HOUR);
    expect(onTime).toMatchObject({ met: 1, breached: 0 });
    expect(onTime.targets[1]).toMatchObject({ within: 1, missed: 0 });
    // Untouched that evening: breached, and missed rather than pending until Thursday's opening.
    const open = compareAll([stdLead({})], wednesdayClose + 2 * HOUR);
    expect(open).toMatchObject({ breached: 1, pending: 0 });
    expect(open.targets[1]).toMatchObject({ missed: 1, pending: 0 });
  });

  it('figures begun before patch within-at-reach keep counting business time elapsed', () => {
    const late = classifyLead(
      moduleFacts(stdLead({ touchedAt: wednesdayClose + HOUR })),
      [24 * HOUR],
      wednesdayClose + 2 * HOUR,
      moduleTime,
      'elapsed',
    );
    expect(late.clock.outcome).toBe('breached');
    expect(late.targets[0].outcome).toBe('within');
    const open = classifyLead(moduleFacts(stdLead({})), [24 * HOUR], wednesdayClose + 2 * HOUR, moduleTime, 'elapsed');
    expect(open.targets[0].outcome).toBe('pending');
  });

  it('for any start and touch, the clock is met exactly when the target of its own deadline is within', () => {
    const week = 7 * 24 * HOUR;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: week }),
        fc.integer({ min: 0, max: 2 * week }),
        (startOffset, touchOffset) => {
          const startedAt = monday + Math.round(startOffset / MINUTE) * MINUTE;
          const lead = stdLead({
            startedAt,
            deadline: refReach('std', startedAt, 24 * HOUR),
            owners: [{ ownerId: 'rep-b', from: startedAt }],
            touchedAt: startedAt + Math.round(touchOffset / MINUTE) * MINUTE,
          });
          const outcome = classifyLead(moduleFacts(lead), [24 * HOUR], lead.touchedAt! + 1, moduleTime, 'reach');
          expect(outcome.clock.outcome === 'met').toBe(outcome.targets[0].outcome === 'within');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('hostile keys in the figures', () => {
  it('owners, tiers and reasons named like Object.prototype members are ordinary keys, also after a carry-over', () => {
    const start = Date.parse('2026-03-02T15:00:00Z');
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const acc = emptyFigures([HOUR]);
    const noPool = () => undefined;
    for (const [i, key] of keys.entries()) {
      const facts: FirstTouchFacts = {
        tier: key,
        startedAt: start,
        deadline: start + HOUR,
        owners: [
          { ownerId: key, from: start },
          { ownerId: keys[(i + 1) % keys.length], from: start + 2 * HOUR },
        ],
        touchedAt: start + 3 * HOUR,
        touchElapsedMs: 3 * HOUR,
      };
      addOutcome(acc, classifyLead(facts, acc.trackedWithinMs, start + 4 * HOUR, moduleTime, 'reach'), noPool);
      addDisposition(acc, { tier: key, ownerId: key, decision: 'reject', reason: key }, noPool);
    }
    // Continue-as-new carries the accumulator as JSON; the workflow revives it with copyFigures.
    const revived = copyFigures(JSON.parse(JSON.stringify(acc)) as typeof acc);
    const figures = summarizeFigures(revived, [{ withinMs: HOUR, target: 0.8 }]);
    expect(Object.keys(figures.byOwner).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      // Each key breached its own lead and rescued the previous key's.
      expect(figures.byOwner[key]).toMatchObject({ leads: 1, breached: 1, rescues: 1, rejected: 1 });
      expect(figures.byTier[key]).toMatchObject({ leads: 1, rescues: 1 });
      expect(figures.dispositions[key]).toBe(1);
    }
    expect(figures.byPool[UNPOOLED]).toMatchObject({ leads: 4, rescues: 4 });
    expect(Object.getPrototypeOf(figures.byOwner)).toBeNull();
  });
});
