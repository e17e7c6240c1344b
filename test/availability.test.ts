// Rep availability and routing at intake, pure: who can take a lead now (out of office, away windows, working
// hours across a DST change, out of rotation, capacity), how breaches take a rep out of rotation, and how an
// intake route is planned and then applied only as the CRM confirms it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyRotation,
  noteRepBreach,
  repUnavailability,
  retractRepBreach,
  type RotationState,
} from '../sla/availability';
import { decodeLeadBook, encodeLeadBook } from '../sla/carryOver';
import { parseCampaignConfig, type CampaignConfig } from '../sla/config';
import {
  admitLeads,
  completeIntakeRoute,
  emptyLeadBook,
  planIntakeRoute,
  type BookContext,
  type LeadBook,
  type PendingRoute,
} from '../sla/leadBook';
import { MAX_ROUTE_ATTEMPTS } from '../sla/leadBook/routing';
import { seedTermsConfig } from './support/campaignConfig';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Monday 2026-03-02 15:00 UTC = 10:00 in New York (EST), inside the 09:00-17:00 business week.
const t0 = Date.parse('2026-03-02T15:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

type Raw = Record<string, unknown>;

function config(reps: Raw[], routing: Raw = { atIntake: true }): CampaignConfig {
  return parseCampaignConfig(
    seedTermsConfig({
      id: 'routing',
      responseSla: { pools: { inbound: { managerId: 'mgr-1', reps } }, routing },
    }),
  );
}

const ctx = (cfg: CampaignConfig, now: number): BookContext => ({
  campaignId: 'c',
  now,
  configs: { 1: cfg },
  currentVersion: 1,
});

function admit(book: LeadBook, cfg: CampaignConfig, now: number, leadId: string, ownerId: string) {
  admitLeads(book, [{ leadId, tier: 'high-intent', ownerId, createdAt: iso(now) }], ctx(cfg, now));
  return planIntakeRoute(book, ctx(cfg, now), book.leads[leadId]);
}

describe('repUnavailability', () => {
  const cfg = config([
    { id: 'rep-a' },
    { id: 'rep-ooo', outOfOffice: true },
    { id: 'rep-away', away: [{ from: iso(t0), to: iso(t0 + 2 * HOUR) }] },
    { id: 'rep-hours', hours: 'default' },
  ]);
  const rep = (id: string) => cfg.responseSla.pools.inbound.reps.find((r) => r.id === id)!;

  it('names why a rep cannot take a lead, with away windows half-open like business hours', () => {
    const none = { rotation: emptyRotation(), inactiveReps: [] };
    expect(repUnavailability(cfg, rep('rep-a'), t0, none)).toBeNull();
    expect(repUnavailability(cfg, rep('rep-ooo'), t0, none)).toBe('out of office');
    expect(repUnavailability(cfg, rep('rep-away'), t0 - 1, none)).toBeNull();
    expect(repUnavailability(cfg, rep('rep-away'), t0, none)).toBe(`away until ${iso(t0 + 2 * HOUR)}`);
    expect(repUnavailability(cfg, rep('rep-away'), t0 + 2 * HOUR - 1, none)).not.toBeNull();
    expect(repUnavailability(cfg, rep('rep-away'), t0 + 2 * HOUR, none)).toBeNull();
  });

  it('skips a rep the CRM deactivated, even when the contract lists them as available', () => {
    expect(repUnavailability(cfg, rep('rep-a'), t0, { rotation: emptyRotation(), inactiveReps: ['rep-a'] })).toBe(
      'inactive in the CRM',
    );
  });

  it("follows the rep's working hours in the calendar's zone, across the March DST change", () => {
    const none = { rotation: emptyRotation(), inactiveReps: [] };
    // 2026-03-09 (Monday after DST starts, EDT = UTC-4): 09:00 local is 13:00Z, no longer 14:00Z.
    expect(repUnavailability(cfg, rep('rep-hours'), Date.parse('2026-03-09T12:59:00Z'), none)).toBe(
      'outside working hours (default)',
    );
    expect(repUnavailability(cfg, rep('rep-hours'), Date.parse('2026-03-09T13:00:00Z'), none)).toBeNull();
    expect(repUnavailability(cfg, rep('rep-hours'), Date.parse('2026-03-07T15:00:00Z'), none)).toBe(
      'outside working hours (default)',
    );
  });

  it('refuses rep hours naming a calendar that does not exist, and away windows that end before they start', () => {
    expect(() => config([{ id: 'rep-a', hours: 'night-shift' }])).toThrow(
      /pools\.inbound\.reps\[0\]\.hours: calendar "night-shift" is not defined in calendars/,
    );
    expect(() => config([{ id: 'rep-a', away: [{ from: iso(t0), to: iso(t0) }] }])).toThrow(
      /away\[0\]\.to: must be after from/,
    );
  });
});

describe('out of rotation', () => {
  const rule = { breaches: 3, within: '1h', for: '4h' };
  const cfg = config([{ id: 'rep-a' }, { id: 'constructor' }], { atIntake: true, outOfRotation: rule });

  it('takes a rep out after N breaches within the window, for the configured time, then back in', () => {
    const rotation: RotationState = emptyRotation();
    expect(noteRepBreach(rotation, cfg, 'rep-a', t0)).toBeUndefined();
    expect(noteRepBreach(rotation, cfg, 'rep-a', t0 + 70 * MINUTE)).toBeUndefined(); // the first fell out of the window
    expect(noteRepBreach(rotation, cfg, 'rep-a', t0 + 80 * MINUTE)).toBeUndefined();
    const until = noteRepBreach(rotation, cfg, 'rep-a', t0 + 90 * MINUTE);
    expect(until).toBe(t0 + 90 * MINUTE + 4 * HOUR);
    const rep = cfg.responseSla.pools.inbound.reps[0];
    expect(repUnavailability(cfg, rep, t0 + 2 * HOUR, { rotation, inactiveReps: [] })).toBe(
      `out of rotation until ${iso(until!)}`,
    );
    expect(repUnavailability(cfg, rep, until!, { rotation, inactiveReps: [] })).toBeNull();
    // Breaches while out do not extend the spell.
    expect(noteRepBreach(rotation, cfg, 'rep-a', t0 + 100 * MINUTE)).toBeUndefined();
  });

  it('counts a late-reported breach at its own time, and forgets a withdrawn one', () => {
    const rotation = emptyRotation();
    noteRepBreach(rotation, cfg, 'constructor', t0 + 50 * MINUTE);
    noteRepBreach(rotation, cfg, 'constructor', t0 + 40 * MINUTE);
    retractRepBreach(rotation, 'constructor', t0 + 40 * MINUTE);
    expect(noteRepBreach(rotation, cfg, 'constructor', t0 + 55 * MINUTE)).toBeUndefined();
    expect(noteRepBreach(rotation, cfg, 'constructor', t0 + 30 * MINUTE)).toBe(t0 + 55 * MINUTE + 4 * HOUR);
    expect(Object.getPrototypeOf(rotation)).toBeNull();
  });

  it('ignores owners that are not configured reps, and campaigns without the rule', () => {
    const rotation = emptyRotation();
    for (let i = 0; i < 5; i++) expect(noteRepBreach(rotation, cfg, '__proto__', t0 + i)).toBeUndefined();
    const without = config([{ id: 'rep-a' }]);
    for (let i = 0; i < 5; i++) expect(noteRepBreach(rotation, without, 'rep-a', t0 + i)).toBeUndefined();
    expect(Object.keys(rotation)).toEqual([]);
  });

  it('keeps at most N breach times per rep whatever arrives, in any order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 * HOUR }), { maxLength: 60 }), (offsets) => {
        const rotation = emptyRotation();
        for (const offset of offsets) noteRepBreach(rotation, cfg, 'rep-a', t0 + offset);
        expect(rotation['rep-a']?.breaches.length ?? 0).toBeLessThanOrEqual(rule.breaches);
      }),
    );
  });

  it('travels through continue-as-new', () => {
    const book = emptyLeadBook();
    noteRepBreach(book.rotation, cfg, 'constructor', t0);
    const decoded = decodeLeadBook(JSON.parse(JSON.stringify(encodeLeadBook(book))));
    expect(decoded.rotation.constructor).toEqual({ breaches: [t0] });
    expect(encodeLeadBook(emptyLeadBook()).rotation).toBeUndefined();
  });
});

describe('routing at intake', () => {
  const away = { from: iso(t0 - HOUR), to: iso(t0 + HOUR) };

  it('routes a lead whose owner is away to the next available rep, and the book follows the CRM', () => {
    const cfg = config([{ id: 'rep-a', away: [away] }, { id: 'rep-b', outOfOffice: true }, { id: 'rep-c' }]);
    const book = emptyLeadBook();
    const plan = admit(book, cfg, t0, 'L-1', 'rep-a');
    expect(plan).toEqual({
      route: {
        leadId: 'L-1',
        fromOwnerId: 'rep-a',
        toOwnerId: 'rep-c',
        pool: 'inbound',
        reason: `away until ${away.to}`,
        at: iso(t0),
      },
    });
    // Not yet: the book changes owner only when the CRM has the new one.
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
    const route: PendingRoute = { ...(plan as { route: PendingRoute }).route, attempts: 0, nextAttemptAt: t0 };
    const done = completeIntakeRoute(book, ctx(cfg, t0 + 5_000), route, {
      leadId: 'L-1',
      ok: true,
      stuck: true,
      actualOwnerId: 'rep-c',
    });
    expect(done).toEqual({ outcome: 'routed' });
    expect(book.leads['L-1'].ownerId).toBe('rep-c');
    expect(book.leads['L-1'].owners).toEqual([
      { ownerId: 'rep-a', from: t0 },
      { ownerId: 'rep-c', from: t0 },
    ]);
    expect({ a: book.ownerLoad['rep-a'], c: book.ownerLoad['rep-c'] }).toEqual({ a: 0, c: 1 });
    expect(book.outbox.events.at(-1)).toMatchObject({
      kind: 'owner-change',
      eventId: 'c:L-1:intake-route',
      detail: { from: 'rep-a', to: 'rep-c', routedTo: 'rep-c' },
    });
  });

  it('retries a failed route a backoff after its dispatch, however late its result is heard (follow-ups-from-dispatch)', () => {
    const cfg = config([{ id: 'rep-a', outOfOffice: true }, { id: 'rep-c' }]);
    const retryAt = (heardAfterMs: number, dispatchedAt?: number) => {
      const book = emptyLeadBook();
      const plan = admit(book, cfg, t0, 'L-1', 'rep-a') as { route: PendingRoute };
      const route: PendingRoute = { ...plan.route, attempts: 0, nextAttemptAt: t0 };
      const failed = { leadId: 'L-1', ok: false as const, error: 'CRM down' };
      expect(completeIntakeRoute(book, ctx(cfg, t0 + heardAfterMs), route, failed, dispatchedAt)).toMatchObject({
        outcome: 'retry',
      });
      return route.nextAttemptAt;
    };
    expect(retryAt(45_000, t0)).toBe(t0 + 60_000);
    expect(retryAt(5_000, t0)).toBe(retryAt(45_000, t0));
    // Without a dispatch time (runs recorded before), from the result's task as before.
    expect(retryAt(45_000)).toBe(t0 + 45_000 + 60_000);
  });

  it("takes the CRM's word that the owner stuck: its 18-character ID for the configured 15-character one is the same user", () => {
    const rep15 = '005000000000001';
    const cfg = config([{ id: 'rep-a', outOfOffice: true }, { id: rep15 }]);
    const book = emptyLeadBook();
    const plan = admit(book, cfg, t0, 'L-1', 'rep-a') as { route: PendingRoute };
    const route: PendingRoute = { ...plan.route, attempts: 0, nextAttemptAt: t0 };
    const result = { leadId: 'L-1', ok: true as const, stuck: true, actualOwnerId: `${rep15}AAA` };
    expect(completeIntakeRoute(book, ctx(cfg, t0), route, result)).toEqual({ outcome: 'routed' });
    expect(book.leads['L-1'].ownerId).toBe(rep15);
  });

  it('keeps a lead whose owner can take it, and one whose owner is not a configured rep', () => {
    const cfg = config([{ id: 'rep-a' }, { id: 'rep-c' }]);
    const book = emptyLeadBook();
    expect(admit(book, cfg, t0, 'L-1', 'rep-a')).toBeUndefined();
    expect(admit(book, cfg, t0, 'L-2', '00G000000000001AAA')).toBeUndefined();
    expect(
      admit(
        book,
        config([{ id: 'rep-a', outOfOffice: true }, { id: 'rep-c' }], { atIntake: false }),
        t0,
        'L-3',
        'rep-a',
      ),
    ).toBeUndefined();
  });

  it('routes away from a rep at capacity, counting the leads held before this one', () => {
    const cfg = config([{ id: 'rep-a', capacity: 1 }, { id: 'rep-c' }]);
    const book = emptyLeadBook();
    expect(admit(book, cfg, t0, 'L-1', 'rep-a')).toBeUndefined();
    expect(admit(book, cfg, t0, 'L-2', 'rep-a')).toMatchObject({
      route: { toOwnerId: 'rep-c', reason: 'at capacity 1/1' },
    });
  });

  it('says why nobody could take it, and leaves the lead with its owner', () => {
    const cfg = config([
      { id: 'rep-a', outOfOffice: true },
      { id: 'rep-c', away: [away] },
    ]);
    const book = emptyLeadBook();
    const plan = admit(book, cfg, t0, 'L-1', 'rep-a');
    expect(plan).toEqual({
      unrouted: `owner rep-a out of office; no rep in pool "inbound" can take the lead: rep-a (current owner), rep-c (away until ${away.to})`,
    });
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
  });

  it('adopts the owner the CRM shows when an assignment rule moved the lead, and retries failed writes with backoff', () => {
    const cfg = config([{ id: 'rep-a', outOfOffice: true }, { id: 'rep-c' }]);
    const book = emptyLeadBook();
    const plan = admit(book, cfg, t0, 'L-1', 'rep-a') as { route: PendingRoute };
    const route: PendingRoute = { ...plan.route, attempts: 0, nextAttemptAt: t0 };
    const failed = { leadId: 'L-1', ok: false as const, error: 'REQUEST_LIMIT_EXCEEDED' };
    expect(completeIntakeRoute(book, ctx(cfg, t0), route, failed)).toEqual({
      outcome: 'retry',
      nextAttemptAt: t0 + MINUTE,
    });
    expect(completeIntakeRoute(book, ctx(cfg, t0 + MINUTE), route, failed)).toEqual({
      outcome: 'retry',
      nextAttemptAt: t0 + 3 * MINUTE,
    });
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
    const moved = completeIntakeRoute(book, ctx(cfg, t0 + 4 * MINUTE), route, {
      leadId: 'L-1',
      ok: true,
      stuck: false,
      actualOwnerId: '00G000000000001AAA',
    });
    expect(moved).toEqual({ outcome: 'moved-by-crm', actualOwnerId: '00G000000000001AAA' });
    expect(book.leads['L-1'].ownerId).toBe('00G000000000001AAA');
    // A later answer for the same route finds the owner changed: nothing more happens.
    expect(
      completeIntakeRoute(book, ctx(cfg, t0 + 5 * MINUTE), route, {
        leadId: 'L-1',
        ok: true,
        stuck: true,
        actualOwnerId: 'rep-c',
      }),
    ).toEqual({
      outcome: 'moot',
    });
  });

  it('gives up after the last attempt, keeping the owner', () => {
    const cfg = config([{ id: 'rep-a', outOfOffice: true }, { id: 'rep-c' }]);
    const book = emptyLeadBook();
    const plan = admit(book, cfg, t0, 'L-1', 'rep-a') as { route: PendingRoute };
    const route: PendingRoute = { ...plan.route, attempts: MAX_ROUTE_ATTEMPTS - 1, nextAttemptAt: t0 };
    expect(completeIntakeRoute(book, ctx(cfg, t0), route, { leadId: 'L-1', ok: false, error: 'down' })).toEqual({
      outcome: 'given-up',
      error: 'down',
    });
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
  });

  it('routes away from a rep out of rotation, and reassignment skips them too', () => {
    const cfg = config([{ id: 'rep-a' }, { id: 'rep-c' }], {
      atIntake: true,
      outOfRotation: { breaches: 1, within: '1h', for: '1d' },
    });
    const book = emptyLeadBook();
    noteRepBreach(book.rotation, cfg, 'rep-a', t0 - MINUTE);
    expect(admit(book, cfg, t0, 'L-1', 'rep-a')).toMatchObject({ route: { toOwnerId: 'rep-c' } });
    noteRepBreach(book.rotation, cfg, 'rep-c', t0);
    expect(admit(book, cfg, t0 + 1, 'L-2', 'rep-c')).toMatchObject({
      unrouted: expect.stringContaining('rep-a (out of rotation until'),
    });
  });
});
