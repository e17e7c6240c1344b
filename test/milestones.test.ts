// Milestone clocks (responseSla.milestones): the contract's checks, start and stop on CRM facts at their event
// time, pauses that keep the remaining time, late reports, escalation, figures that add up, and the carry-over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCampaignConfig } from '../sla/config';
import { decodeLeadBook, encodeLeadBook } from '../sla/carryOver';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  completeEscalationStep,
  drainOutbox,
  emptyLeadBook,
  milestoneFactsNeeded,
  milestoneFigures,
  validateLeadEvents,
  type EscalationEffect,
  type LeadBook,
} from '../sla/leadBook';
import type { LeadEvent } from '../sla/leadEvents';
import { seedTermsConfig } from './support/campaignConfig';
import {
  accept,
  bookContext,
  contact,
  DAY,
  HOUR,
  iso,
  MINUTE,
  MONDAY_10AM,
  newLead,
  reject,
  seedConfig,
  stage,
} from './support/leadBook';

const OPP = 'm:opportunity-7d';
const milestones = {
  'opportunity-7d': {
    start: 'created',
    stop: 'opportunity',
    within: '7d',
    pauseWhile: { status: ['Waiting on customer'] },
  },
  'demo-48h': { start: 'accepted', stop: 'meetingBooked', within: '16h', clock: 'business', escalate: false },
  'disposition-max': { start: 'created', stop: ['accepted', 'rejected'], within: '5d', tiers: ['standard'] },
  're-engage': { start: 'recycled', stop: 'activity', within: '30d' },
};
const config = parseCampaignConfig(seedTermsConfig({ responseSla: { milestones } }));
const at = (ms: number) => bookContext(config, ms);

const status = (leadId: string, eventId: string, when: number, value: string): LeadEvent => ({
  type: 'status',
  leadId,
  eventId,
  status: value,
  at: iso(when),
});
const meeting = (leadId: string, eventId: string, when: number): LeadEvent => ({
  type: 'meeting',
  leadId,
  eventId,
  at: iso(when),
});

function bookWith(tier = 'high-intent'): LeadBook {
  const book = emptyLeadBook();
  admitLeads(book, [newLead('L-1', MONDAY_10AM, tier)], at(MONDAY_10AM));
  return book;
}

/** Applies events as the workflow does: validated first (a problem fails the test), at `now`. */
function apply(book: LeadBook, events: LeadEvent[], now: number) {
  expect(validateLeadEvents(book, events, at(now))).toEqual([]);
  return applyLeadEvents(book, events, at(now));
}

function configProblems(raw: Record<string, unknown>): string {
  try {
    parseCampaignConfig(seedTermsConfig({ responseSla: { milestones: raw } }));
    return '';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

describe('the contract', () => {
  it('refuses what would make a milestone meaningless, naming the field', () => {
    expect(configProblems({ x: { start: 'created', stop: 'created', within: '1d' } })).toMatch(
      /milestones\.x\.stop: must differ from start/,
    );
    expect(configProblems({ x: { stop: 'opportunity', within: '1d', tiers: ['vip'] } })).toMatch(
      /milestones\.x\.tiers: tier "vip" is not defined/,
    );
    expect(configProblems({ x: { stop: 'opportunity', within: '1d', clock: 'business', calendar: 'emea' } })).toMatch(
      /milestones\.x\.calendar: calendar "emea" is not defined in calendars/,
    );
    expect(configProblems({ x: { stop: 'signed', within: '1d' } })).toMatch(/expected one of created, firstActivity/);
    expect(configProblems({ x: { stop: { status: [] }, within: '1d' } })).toMatch(/at least one Lead status/);
    expect(configProblems({ x: { stop: 'opportunity', within: '0s' } })).toMatch(/milestones\.x\.within/);
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`m${i}`, { stop: 'opportunity', within: '1d' }]),
    );
    expect(configProblems(eleven)).toMatch(/at most 10 milestones/);
  });

  it('refuses a built-in name as a milestone name', () => {
    const raw = JSON.parse('{"__proto__": {"stop": "opportunity", "within": "1d"}}') as Record<string, unknown>;
    expect(configProblems(raw)).toMatch(/__proto__: is a JavaScript built-in name, not a milestone name/);
    expect(configProblems({ constructor: { stop: 'opportunity', within: '1d' } })).toMatch(/built-in name/);
  });

  it('fills the defaults: started at creation, wall time, warned at 75%, escalating', () => {
    const parsed = parseCampaignConfig(
      seedTermsConfig({ responseSla: { milestones: { x: { stop: 'opportunity', within: '7d' } } } }),
    );
    expect(parsed.responseSla.milestones?.x).toEqual({
      start: 'created',
      stop: ['opportunity'],
      within: 7 * DAY,
      clock: 'wall',
      calendar: 'default',
      warnAt: 0.75,
      escalate: true,
    });
  });
});

describe('starting and stopping on CRM facts', () => {
  it('starts the created-milestones at admission, only for the tiers they name', () => {
    const high = bookWith('high-intent');
    expect(Object.keys(high.leads['L-1'].clocks)).toEqual(['firstTouch', 'followUp', OPP]);
    const standard = bookWith('standard');
    expect(Object.keys(standard.leads['L-1'].clocks)).toEqual(['firstTouch', 'followUp', OPP, 'm:disposition-max']);
    expect(high.leads['L-1'].clocks[OPP]).toMatchObject({
      startedAt: MONDAY_10AM,
      deadline: MONDAY_10AM + 7 * DAY,
      warnAt: MONDAY_10AM + 5.25 * DAY,
    });
  });

  it('meets opportunity-within-7-days at the Opportunity stage, at its event time', () => {
    const book = bookWith();
    apply(book, [stage('L-1', 'e-1', MONDAY_10AM + 3 * DAY, 'Opportunity')], MONDAY_10AM + 4 * DAY);
    const clock = book.leads['L-1'].clocks[OPP];
    expect(clock?.metAt).toBe(MONDAY_10AM + 3 * DAY);
    const record = book.outbox.clocks.find((c) => c.clock === OPP && c.metAt);
    expect(record).toMatchObject({ elapsedBusinessMs: 3 * DAY, elapsedWallMs: 3 * DAY });
  });

  it('breaches opportunity-within-7-days at its deadline and walks the escalation chain for it', () => {
    const book = bookWith();
    apply(
      book,
      [contact('L-1', 'e-1', MONDAY_10AM + MINUTE), accept('L-1', 'e-2', MONDAY_10AM + HOUR)],
      MONDAY_10AM + HOUR,
    );
    const effects = collectDue(book, at(MONDAY_10AM + 7 * DAY));
    expect(effects.filter((e) => e.clock === OPP).map((e) => e.type)).toEqual(['warning', 'breach', 'escalation']);
    const breach = effects.find((e) => e.type === 'breach' && e.clock === OPP);
    expect(breach).toMatchObject({ deadline: MONDAY_10AM + 7 * DAY, ownerId: 'rep-a' });
    expect(book.leads['L-1'].clocks[OPP]).toMatchObject({
      breachedAt: MONDAY_10AM + 7 * DAY,
      breachedOwnerId: 'rep-a',
    });
    // An opportunity after the deadline does not undo the breach.
    apply(book, [stage('L-1', 'e-3', MONDAY_10AM + 8 * DAY, 'Opportunity')], MONDAY_10AM + 8 * DAY);
    expect(milestoneFigures(book)['opportunity-7d']).toMatchObject({
      started: 1,
      met: 0,
      breached: 1,
    });
  });

  it('a milestone declared not to escalate breaches without a chain', () => {
    const book = bookWith();
    apply(
      book,
      [contact('L-1', 'e-1', MONDAY_10AM + MINUTE), accept('L-1', 'e-2', MONDAY_10AM + HOUR)],
      MONDAY_10AM + HOUR,
    );
    // 16 business hours from Monday 11:00 New York: Wednesday 11:00.
    expect(book.leads['L-1'].clocks['m:demo-48h']?.deadline).toBe(MONDAY_10AM + 2 * DAY + HOUR);
    const effects = collectDue(book, at(MONDAY_10AM + 2 * DAY + 2 * HOUR)).filter((e) => e.clock === 'm:demo-48h');
    expect(effects.map((e) => e.type)).toEqual(['warning', 'breach']);
  });

  it('a booked meeting meets demo-scheduled, in business time', () => {
    const book = bookWith();
    apply(
      book,
      [contact('L-1', 'e-1', MONDAY_10AM + MINUTE), accept('L-1', 'e-2', MONDAY_10AM + HOUR)],
      MONDAY_10AM + HOUR,
    );
    // Booked Tuesday 09:30: 6 business hours Monday + 0.5 Tuesday.
    apply(book, [meeting('L-1', 'e-3', MONDAY_10AM + DAY - 30 * MINUTE)], MONDAY_10AM + DAY);
    const record = book.outbox.clocks.find((c) => c.clock === 'm:demo-48h' && c.metAt);
    expect(record?.elapsedBusinessMs).toBe(6.5 * HOUR);
  });

  it('a rejection meets the disposition milestone (not stopped) and stops the others', () => {
    const book = bookWith('standard');
    apply(book, [reject('L-1', 'e-1', MONDAY_10AM + HOUR, 'Bad timing')], MONDAY_10AM + HOUR);
    expect(book.leads['L-1']).toBeUndefined(); // nurtured, nothing left running
    expect(milestoneFigures(book)).toMatchObject({
      'disposition-max': { started: 1, met: 1, stopped: 0 },
      'opportunity-7d': { started: 1, stopped: 1, met: 0 },
    });
  });

  it('a recycled lead stays for its re-engagement milestone, met by the next activity', () => {
    const book = bookWith();
    apply(book, [reject('L-1', 'e-1', MONDAY_10AM + HOUR, 'Not ICP')], MONDAY_10AM + HOUR);
    const lead = book.leads['L-1'];
    expect(lead.status).toBe('recycled');
    expect(lead.clocks['m:re-engage']).toMatchObject({ startedAt: MONDAY_10AM + HOUR });
    expect(lead.clocks.firstTouch?.stoppedAt).toBe(MONDAY_10AM + HOUR);
    // A disposition of a lead already decided is superseded; an activity re-engages it.
    apply(book, [contact('L-1', 'e-2', MONDAY_10AM + 10 * DAY)], MONDAY_10AM + 10 * DAY);
    expect(book.leads['L-1']).toBeUndefined();
    expect(milestoneFigures(book)['re-engage']).toMatchObject({
      started: 1,
      met: 1,
      pending: 0,
    });
  });
});

describe('pausing', () => {
  it('a paused clock resumes with its remaining time and is met; the stopped time is recorded', () => {
    const book = bookWith();
    apply(book, [status('L-1', 's-1', MONDAY_10AM + 2 * DAY, 'Waiting on customer')], MONDAY_10AM + 2 * DAY);
    expect(book.leads['L-1'].clocks[OPP]).toMatchObject({ pausedAt: MONDAY_10AM + 2 * DAY, remainingMs: 5 * DAY });
    // The old deadline passes while paused: nothing fires.
    expect(collectDue(book, at(MONDAY_10AM + 8 * DAY)).filter((e) => e.clock === OPP)).toEqual([]);
    apply(book, [status('L-1', 's-2', MONDAY_10AM + 8 * DAY, 'Working - Contacted')], MONDAY_10AM + 8 * DAY);
    const clock = book.leads['L-1'].clocks[OPP];
    expect(clock).toMatchObject({ pausedMs: 6 * DAY, deadline: MONDAY_10AM + 13 * DAY });
    expect(clock?.pausedAt).toBeUndefined();
    apply(book, [stage('L-1', 'e-1', MONDAY_10AM + 12 * DAY, 'Opportunity')], MONDAY_10AM + 12 * DAY);
    expect(book.leads['L-1'].clocks[OPP]?.metAt).toBe(MONDAY_10AM + 12 * DAY);
    const met = book.outbox.clocks.find((c) => c.clock === OPP && c.metAt);
    expect(met).toMatchObject({ pausedMs: 6 * DAY, elapsedBusinessMs: 6 * DAY, elapsedWallMs: 12 * DAY });
    expect(milestoneFigures(book)['opportunity-7d']).toMatchObject({
      met: 1,
      breached: 0,
      paused: 1,
      pausedMs: 6 * DAY,
    });
  });

  it('the resumed deadline fires at its own time, even when the resume is heard late', () => {
    const book = bookWith();
    apply(book, [status('L-1', 's-1', MONDAY_10AM + DAY, 'Waiting on customer')], MONDAY_10AM + DAY);
    // The resume happened on day 2 and is heard on day 9, after the deadline it moved to (day 8).
    apply(book, [status('L-1', 's-2', MONDAY_10AM + 2 * DAY, 'Working')], MONDAY_10AM + 9 * DAY);
    const breach = collectDue(book, at(MONDAY_10AM + 9 * DAY)).find((e) => e.type === 'breach' && e.clock === OPP);
    expect(breach && 'deadline' in breach ? breach.deadline : undefined).toBe(MONDAY_10AM + 8 * DAY);
    expect(book.leads['L-1'].clocks[OPP]?.breachedAt).toBe(MONDAY_10AM + 8 * DAY);
  });

  it('a pause reported after the breach fired withdraws it within the allowed lateness, not after', () => {
    const pausedJustBefore = MONDAY_10AM + 7 * DAY - MINUTE;
    const inTime = bookWith();
    collectDue(inTime, at(MONDAY_10AM + 7 * DAY));
    expect(inTime.leads['L-1'].clocks[OPP]?.breachedAt).toBeDefined();
    apply(inTime, [status('L-1', 's-1', pausedJustBefore, 'Waiting on customer')], MONDAY_10AM + 7 * DAY + 5 * MINUTE);
    expect(inTime.leads['L-1'].clocks[OPP]).toMatchObject({ pausedAt: pausedJustBefore, remainingMs: MINUTE });
    expect(inTime.leads['L-1'].clocks[OPP]?.breachedAt).toBeUndefined();

    const tooLate = bookWith();
    collectDue(tooLate, at(MONDAY_10AM + 7 * DAY));
    apply(tooLate, [status('L-1', 's-1', pausedJustBefore, 'Waiting on customer')], MONDAY_10AM + 7 * DAY + HOUR);
    expect(tooLate.leads['L-1'].clocks[OPP]).toMatchObject({ breachedAt: MONDAY_10AM + 7 * DAY });
    expect(tooLate.leads['L-1'].clocks[OPP]?.pausedAt).toBeUndefined();
  });

  it('a breach a late pause withdraws stops its chain: the step in flight completes, no further step comes', () => {
    const book = bookWith();
    const fired = collectDue(book, at(MONDAY_10AM + 7 * DAY));
    const step = fired.find((e) => e.type === 'escalation' && e.clock === OPP) as EscalationEffect;
    expect(step).toMatchObject({ step: 'notify-owner', stepIndex: 0 });
    const late = MONDAY_10AM + 7 * DAY + 5 * MINUTE;
    apply(book, [status('L-1', 's-1', MONDAY_10AM + 7 * DAY - MINUTE, 'Waiting on customer')], late);
    const ref = { leadId: 'L-1', clock: OPP, stepIndex: 0 } as const;
    expect(completeEscalationStep(book, at(late), { ...ref, ok: true }, step)).toBe('done');
    const clock = book.leads['L-1'].clocks[OPP];
    expect(clock).toMatchObject({ pausedAt: MONDAY_10AM + 7 * DAY - MINUTE });
    expect(clock?.nextStep).toBeUndefined();
    expect(collectDue(book, at(MONDAY_10AM + 30 * DAY)).filter((e) => e.clock === OPP)).toEqual([]);
  });

  it('ignores a status change older than the status it knows (events out of order)', () => {
    const book = bookWith();
    apply(book, [status('L-1', 's-2', MONDAY_10AM + 2 * DAY, 'Working')], MONDAY_10AM + 2 * DAY);
    apply(book, [status('L-1', 's-1', MONDAY_10AM + DAY, 'Waiting on customer')], MONDAY_10AM + 2 * DAY);
    expect(book.leads['L-1'].crmStatus).toBe('Working');
    expect(book.leads['L-1'].clocks[OPP]?.pausedAt).toBeUndefined();
  });

  it('a milestone that starts while the lead is in a pause status starts paused', () => {
    const pausing = parseCampaignConfig(
      seedTermsConfig({
        responseSla: {
          milestones: {
            demo: { start: 'accepted', stop: 'meetingBooked', within: '2d', pauseWhile: { status: ['Nurturing'] } },
          },
        },
      }),
    );
    const book = emptyLeadBook();
    const ctx = (ms: number) => bookContext(pausing, ms);
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], ctx(MONDAY_10AM));
    applyLeadEvents(book, [status('L-1', 's-1', MONDAY_10AM + HOUR, 'Nurturing')], ctx(MONDAY_10AM + HOUR));
    applyLeadEvents(book, [accept('L-1', 'e-1', MONDAY_10AM + 2 * HOUR)], ctx(MONDAY_10AM + 2 * HOUR));
    expect(book.leads['L-1'].clocks['m:demo']).toMatchObject({
      pausedAt: MONDAY_10AM + 2 * HOUR,
      remainingMs: 2 * DAY,
    });
  });

  it('a rejection while paused stops the clock and ends its pause there', () => {
    const book = bookWith();
    apply(book, [status('L-1', 's-1', MONDAY_10AM + DAY, 'Waiting on customer')], MONDAY_10AM + DAY);
    apply(book, [reject('L-1', 'e-1', MONDAY_10AM + 3 * DAY, 'Bad timing')], MONDAY_10AM + 3 * DAY);
    expect(milestoneFigures(book)['opportunity-7d']).toMatchObject({
      stopped: 1,
      paused: 1,
      pausedMs: 2 * DAY,
    });
  });

  it('property: any pause/resume sequence keeps deadline = start + within + stopped time, and never breaches while paused', () => {
    const step = fc.record({ gapMin: fc.integer({ min: 1, max: 3 * 24 * 60 }), waiting: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const book = bookWith();
        let now = MONDAY_10AM;
        steps.forEach((s, i) => {
          now += s.gapMin * MINUTE;
          collectDue(book, at(now));
          if (!book.leads['L-1']) return;
          applyLeadEvents(book, [status('L-1', `s-${i}`, now, s.waiting ? 'Waiting on customer' : 'Working')], at(now));
          const clock = book.leads['L-1']?.clocks[OPP];
          if (!clock) return;
          if (clock.breachedAt !== undefined) expect(clock.breachedAt).toBe(clock.deadline);
          if (clock.breachedAt === undefined && clock.pausedAt === undefined)
            expect(clock.deadline).toBe(clock.startedAt + 7 * DAY + (clock.pausedMs ?? 0));
          if (clock.pausedAt !== undefined)
            expect(clock.startedAt + 7 * DAY + (clock.pausedMs ?? 0) - clock.pausedAt).toBe(clock.remainingMs);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('built-in clocks under responseSla.pauseWhile', () => {
  const pausing = parseCampaignConfig(
    seedTermsConfig({ responseSla: { pauseWhile: { status: ['Waiting on customer'] } } }),
  );
  const ctx = (ms: number) => bookContext(pausing, ms);
  const admitted = () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], ctx(MONDAY_10AM));
    return book;
  };
  const touches = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => contact('L-1', `c-${i}`, from + i * MINUTE));

  it('the follow-up clock stands still while the lead waits on the customer, and its elapsed time leaves that out', () => {
    const book = admitted();
    applyLeadEvents(book, [contact('L-1', 'c-first', MONDAY_10AM + 10 * MINUTE)], ctx(MONDAY_10AM + HOUR));
    applyLeadEvents(book, [status('L-1', 's-1', MONDAY_10AM + DAY, 'Waiting on customer')], ctx(MONDAY_10AM + DAY));
    // The original 10-day deadline passes while waiting: nothing fires.
    expect(collectDue(book, ctx(MONDAY_10AM + 11 * DAY)).filter((e) => e.clock === 'followUp')).toEqual([]);
    applyLeadEvents(book, [status('L-1', 's-2', MONDAY_10AM + 11 * DAY, 'Working')], ctx(MONDAY_10AM + 11 * DAY));
    expect(book.leads['L-1'].clocks.followUp).toMatchObject({ deadline: MONDAY_10AM + 20 * DAY, pausedMs: 10 * DAY });
    applyLeadEvents(book, touches(MONDAY_10AM + 12 * DAY, 5), ctx(MONDAY_10AM + 12 * DAY + HOUR));
    const met = book.outbox.clocks.find((c) => c.clock === 'followUp' && c.metAt);
    expect(met).toMatchObject({ pausedMs: 10 * DAY, elapsedBusinessMs: 2 * DAY + 4 * MINUTE });
  });

  it('first touch never pauses; an acceptance clock that starts while the lead waits starts paused', () => {
    const book = admitted();
    applyLeadEvents(
      book,
      [status('L-1', 's-1', MONDAY_10AM + 5 * MINUTE, 'Waiting on customer')],
      ctx(MONDAY_10AM + 5 * MINUTE),
    );
    expect(collectDue(book, ctx(MONDAY_10AM + HOUR)).map((e) => [e.type, e.clock])).toContainEqual([
      'breach',
      'firstTouch',
    ]);
    applyLeadEvents(book, [contact('L-1', 'c-1', MONDAY_10AM + 2 * HOUR)], ctx(MONDAY_10AM + 2 * HOUR));
    expect(book.leads['L-1'].clocks.acceptance).toMatchObject({
      pausedAt: MONDAY_10AM + 2 * HOUR,
      remainingMs: 8 * HOUR,
    });
    // Back to work the next morning at 09:00 New York: 8 business hours from there.
    const nextMorning = Date.parse('2026-03-03T14:00:00Z');
    applyLeadEvents(book, [status('L-1', 's-2', nextMorning, 'Working')], ctx(nextMorning));
    expect(book.leads['L-1'].clocks.acceptance).toMatchObject({ deadline: nextMorning + 8 * HOUR, pausedMs: 5 * HOUR });
    applyLeadEvents(book, [accept('L-1', 'a-1', nextMorning + HOUR)], ctx(nextMorning + HOUR));
    expect(book.outbox.clocks.find((c) => c.clock === 'acceptance' && c.metAt)?.elapsedBusinessMs).toBe(HOUR);
  });

  it('takes statuses named like built-in keys as plain text', () => {
    const odd = parseCampaignConfig(
      seedTermsConfig({ responseSla: { pauseWhile: { status: ['constructor', '__proto__', 'toString'] } } }),
    );
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(odd, MONDAY_10AM));
    for (const [i, value] of ['__proto__', 'hasOwnProperty', 'constructor'].entries())
      applyLeadEvents(
        book,
        [status('L-1', `s-${i}`, MONDAY_10AM + (i + 1) * HOUR, value)],
        bookContext(odd, MONDAY_10AM + 4 * HOUR),
      );
    // __proto__ paused it, hasOwnProperty (not in the set) resumed it, constructor paused it again.
    expect(book.leads['L-1'].clocks.followUp).toMatchObject({ pausedAt: MONDAY_10AM + 3 * HOUR, pausedMs: HOUR });
    expect(book.leads['L-1'].crmStatus).toBe('constructor');
    expect(Object.getPrototypeOf(book.leads['L-1'].clocks)).toBe(Object.prototype);
  });

  it('is refused with the contract error style when empty', () => {
    expect(() => parseCampaignConfig(seedTermsConfig({ responseSla: { pauseWhile: { status: [] } } }))).toThrow(
      /responseSla\.pauseWhile\.status: must list at least one Lead status/,
    );
  });
});

describe('CRM facts to read', () => {
  const only = (m: Record<string, unknown>) => parseCampaignConfig(seedTermsConfig({ responseSla: { milestones: m } }));
  it('asks the CRM poll only for the facts some milestone follows, across config versions', () => {
    expect(milestoneFactsNeeded([seedConfig()])).toBeNull();
    expect(milestoneFactsNeeded([config])).toEqual({ statuses: true, meetings: true, opportunities: true });
    expect(milestoneFactsNeeded([only({ a: { stop: 'accepted', within: '1d' } })])).toBeNull();
    expect(milestoneFactsNeeded([only({ a: { stop: { status: ['Qualified'] }, within: '1d' } })])).toEqual({
      statuses: true,
    });
    expect(
      milestoneFactsNeeded([seedConfig(), only({ a: { start: 'meetingBooked', stop: 'opportunity', within: '1d' } })]),
    ).toEqual({ meetings: true, opportunities: true });
  });
});

describe('figures and carry-over', () => {
  it('started = met + breached + stopped + pending for every milestone, over many leads', () => {
    const book = emptyLeadBook();
    const leads = Array.from({ length: 40 }, (_, i) =>
      newLead(`L-${i}`, MONDAY_10AM + i * MINUTE, i % 2 ? 'standard' : 'high-intent'),
    );
    admitLeads(book, leads, at(MONDAY_10AM + HOUR));
    for (let i = 0; i < 40; i++) {
      const id = `L-${i}`;
      const t = MONDAY_10AM + HOUR + i * MINUTE;
      const events: LeadEvent[] =
        i % 4 === 0
          ? [stage(id, `o-${i}`, t, 'Opportunity')]
          : i % 4 === 1
            ? [reject(id, `r-${i}`, t, 'Not ICP')]
            : i % 4 === 2
              ? [status(id, `s-${i}`, t, 'Waiting on customer')]
              : [contact(id, `c-${i}`, t), accept(id, `a-${i}`, t)];
      applyLeadEvents(book, events, at(MONDAY_10AM + 2 * HOUR));
    }
    collectDue(book, at(MONDAY_10AM + 9 * DAY));
    const figures = milestoneFigures(book);
    for (const figure of Object.values(figures))
      expect(figure.met + figure.breached + figure.stopped + figure.pending).toBe(figure.started);
    expect(figures['opportunity-7d']).toMatchObject({ started: 40, met: 10, stopped: 10, pausedNow: 10 });
  });

  it('a book with paused milestones survives the carry-over exactly', () => {
    const book = bookWith();
    admitLeads(book, [newLead('L-2', MONDAY_10AM, 'standard')], at(MONDAY_10AM));
    apply(book, [status('L-1', 's-1', MONDAY_10AM + DAY, 'Waiting on customer')], MONDAY_10AM + DAY);
    apply(book, [reject('L-2', 'r-1', MONDAY_10AM + DAY, 'Bad timing')], MONDAY_10AM + DAY);
    drainOutbox(book);
    const decoded = decodeLeadBook(JSON.parse(JSON.stringify(encodeLeadBook(book))));
    expect(decoded.leads['L-1']).toEqual(book.leads['L-1']);
    expect(decoded.milestoneTally).toEqual(book.milestoneTally);
    // And it keeps working after: the resume schedules the moved deadline.
    applyLeadEvents(decoded, [status('L-1', 's-2', MONDAY_10AM + 3 * DAY, 'Working')], at(MONDAY_10AM + 3 * DAY));
    expect(decoded.leads['L-1'].clocks[OPP]?.deadline).toBe(MONDAY_10AM + 9 * DAY);
    expect(collectDue(decoded, at(MONDAY_10AM + 9 * DAY)).some((e) => e.type === 'breach' && e.clock === OPP)).toBe(
      true,
    );
  });

  it('refuses a milestone clock whose name is not in the string table', () => {
    const encoded = encodeLeadBook(bookWith());
    const lead = encoded.leads[0] as unknown[];
    while (lead.length < 17) lead.push(null);
    lead[16] = [[999, [0, 1, 2]]];
    expect(() => decodeLeadBook(JSON.parse(JSON.stringify({ ...encoded, leads: [lead] })))).toThrow(
      /leads\[0\]\[16\]\[0\]\[0\]: string index 999 is outside the string table/,
    );
  });
});

describe('against an independent reference', () => {
  // The reference walks one lead's timeline minute by minute from the definitions: the clock runs while the lead
  // is not waiting on the customer; it is breached once it has run 7 days, met by an opportunity before that,
  // stopped by a rejection before either; stopped time is the time it stood still before it ended.
  type Step = { kind: 'wait' | 'work' | 'opportunity' | 'reject'; gapMin: number };
  function reference(steps: Step[], endMin: number) {
    let running = 0;
    let stood = 0;
    let waiting = false;
    let t = 0;
    const within = 7 * 24 * 60;
    const advanceTo = (to: number): 'breached' | null => {
      if (!waiting && running + (to - t) >= within) {
        t += within - running;
        running = within;
        return 'breached';
      }
      if (waiting) stood += to - t;
      else running += to - t;
      t = to;
      return null;
    };
    let at = 0;
    for (const step of steps) {
      at += step.gapMin;
      if (advanceTo(at)) return { outcome: 'breached', stood, breachedAtMin: t };
      if (step.kind === 'wait') waiting = true;
      if (step.kind === 'work') waiting = false;
      if (step.kind === 'opportunity') return { outcome: 'met', stood, elapsedMin: running };
      if (step.kind === 'reject') return { outcome: 'stopped', stood };
    }
    if (advanceTo(Math.max(at, endMin))) return { outcome: 'breached', stood, breachedAtMin: t };
    return { outcome: 'pending', stood };
  }

  it('property: outcome, breach time, elapsed and stopped time match the reference on random timelines', () => {
    const step = fc.record({
      kind: fc.constantFrom<Step['kind']>('wait', 'work', 'wait', 'work', 'opportunity', 'reject'),
      gapMin: fc.integer({ min: 1, max: 4 * 24 * 60 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 10 }), fc.integer({ min: 0, max: 30 * 24 * 60 }), (steps, endMin) => {
        const book = bookWith();
        const t0 = MONDAY_10AM;
        let now = t0;
        let ended = false;
        steps.forEach((s, i) => {
          if (ended) return;
          now += s.gapMin * MINUTE;
          collectDue(book, at(now));
          const lead = book.leads['L-1'];
          if (!lead) return void (ended = true);
          const event: LeadEvent =
            s.kind === 'opportunity'
              ? stage('L-1', `e-${i}`, now, 'Opportunity')
              : s.kind === 'reject'
                ? reject('L-1', `e-${i}`, now, 'Bad timing')
                : status('L-1', `e-${i}`, now, s.kind === 'wait' ? 'Waiting on customer' : 'Working');
          applyLeadEvents(book, [event], at(now));
          if (s.kind === 'opportunity' || s.kind === 'reject') ended = true;
        });
        const end = Math.max(now, t0 + endMin * MINUTE);
        collectDue(book, at(end));
        const expected = reference(steps, endMin);
        const figures = milestoneFigures(book)['opportunity-7d'];
        const outcome = (['met', 'breached', 'stopped', 'pending'] as const).find((o) => figures[o] === 1);
        expect(outcome).toBe(expected.outcome);
        const rows = book.outbox.clocks.filter((c) => c.clock === OPP);
        if (expected.outcome === 'breached')
          expect(rows.find((c) => c.breachedAt)?.breachedAt).toBe(
            iso(t0 + (expected.breachedAtMin as number) * MINUTE),
          );
        if (expected.outcome === 'met') {
          const met = rows.find((c) => c.metAt);
          expect(met?.elapsedBusinessMs).toBe((expected.elapsedMin as number) * MINUTE);
        }
        if (expected.outcome !== 'pending') expect(figures.pausedMs).toBe(expected.stood * MINUTE);
      }),
      { numRuns: 400 },
    );
  });
});
