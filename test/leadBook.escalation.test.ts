// Escalation chains on their own: the seed chain notify-owner → reassign → notify-manager → return-to-nurture
// at its configured offsets from the breach, round-robin reassignment that skips out-of-office and full reps,
// the jump to the manager when nobody can take the lead, and which manager is told.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { CampaignConfig } from '../sla/config';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  completeEscalationStep,
  drainOutbox,
  dropPlannedStepIfHandled,
  emptyLeadBook,
  nextDueAt,
  rebuildDueQueue,
  releasePlannedStep,
  stepRetryDelayMs,
  type DueEffect,
  type EscalationEffect,
  type LeadBook,
} from '../sla/leadBook';
import type { NewLead } from '../sla/leadEvents';
import { collectDueConfirmed } from './support/dueSteps';
import { bookContext, contact, DAY, HOUR, MINUTE, MONDAY_10AM, newLead, seedConfig } from './support/leadBook';

const config = seedConfig();
const BREACH = MONDAY_10AM + HOUR; // a high-intent lead admitted at MONDAY_10AM breaches first touch here

function bookWith(leads: NewLead[], terms: CampaignConfig = config): LeadBook {
  const book = emptyLeadBook();
  admitLeads(book, leads, bookContext(terms, MONDAY_10AM));
  drainOutbox(book);
  return book;
}

const step = { type: 'escalation', leadId: 'L-1', clock: 'firstTouch', tier: 'high-intent' } as const;

describe('the seed escalation chain', () => {
  it('runs notify-owner, reassign, notify-manager and return-to-nurture in order, each at its offset', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const due = (at: number) =>
      collectDueConfirmed(book, bookContext(config, at)).filter((e) => e.type === 'escalation');
    expect(due(BREACH)).toEqual([{ ...step, stepIndex: 0, step: 'notify-owner', ownerId: 'rep-a' }]);
    expect(nextDueAt(book)).toBe(BREACH + 15 * MINUTE);
    expect(due(BREACH + 15 * MINUTE - 1)).toEqual([]);
    expect(due(BREACH + 15 * MINUTE)).toEqual([
      { ...step, stepIndex: 1, step: 'reassign', ownerId: 'rep-a', newOwnerId: 'rep-b', pool: 'inbound' },
    ]);
    expect(nextDueAt(book)).toBe(BREACH + 30 * MINUTE);
    expect(due(BREACH + 30 * MINUTE)).toEqual([
      { ...step, stepIndex: 2, step: 'notify-manager', ownerId: 'rep-b', managerId: 'mgr-1', pool: 'inbound' },
    ]);
    expect(nextDueAt(book)).toBe(BREACH + HOUR);
    expect(due(BREACH + HOUR)).toEqual([{ ...step, stepIndex: 3, step: 'return-to-nurture', ownerId: 'rep-b' }]);
  });

  it('plans a step without touching the lead; the next step waits for the confirmation', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    collectDueConfirmed(book, bookContext(config, BREACH));
    const [reassign] = collectDue(book, bookContext(config, BREACH + 15 * MINUTE));
    expect(reassign).toEqual({
      ...step,
      stepIndex: 1,
      step: 'reassign',
      ownerId: 'rep-a',
      newOwnerId: 'rep-b',
      pool: 'inbound',
    });
    expect(lead).toMatchObject({ ownerId: 'rep-a', reassignments: 0 });
    expect(lead.clocks.firstTouch).toMatchObject({ nextStep: 1, nextStepAt: BREACH + 15 * MINUTE, stepInFlight: 1 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 1 });
    // Nothing else is due while the step is in flight, however late the next wake-up.
    expect(collectDue(book, bookContext(config, BREACH + 3 * HOUR))).toEqual([]);
    expect(nextDueAt(book)).toBe(lead.clocks.followUp?.warnAt);
  });

  it('after one late wake-up, runs the chain step by step, each spaced from when the previous one ran', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    const onClosedUntouched = vi.fn();
    const wake = MONDAY_10AM + 5 * HOUR;
    const fired = (at: number) =>
      collectDueConfirmed(book, bookContext(config, at)).map((e) =>
        e.type === 'escalation' ? `${e.stepIndex} ${e.step}` : e.type,
      );
    // Warning and breach keep their due times; the first step runs when the breach is seen, not 4 h back.
    expect(fired(wake)).toEqual(['warning', 'breach', '0 notify-owner']);
    expect(nextDueAt(book)).toBe(wake + 15 * MINUTE);
    expect(fired(wake + 15 * MINUTE - 1)).toEqual([]);
    expect(fired(wake + 15 * MINUTE)).toEqual(['1 reassign']);
    expect(nextDueAt(book)).toBe(wake + 30 * MINUTE);
    expect(fired(wake + 30 * MINUTE)).toEqual(['2 notify-manager']);
    expect(nextDueAt(book)).toBe(wake + HOUR);
    const last = collectDue(book, bookContext(config, wake + HOUR), { onClosedUntouched });
    expect(last).toMatchObject([{ stepIndex: 3, step: 'return-to-nurture' }]);
    completeEscalationStep(
      book,
      bookContext(config, wake + HOUR),
      { leadId: 'L-1', clock: 'firstTouch', stepIndex: 3, ok: true },
      last[0] as EscalationEffect,
      { onClosedUntouched },
    );
    expect(onClosedUntouched).toHaveBeenCalledExactlyOnceWith(lead);
    expect(lead.history.map((h) => [h.at - MONDAY_10AM, h.what])).toEqual([
      [0, 'created (tier high-intent, owner rep-a)'],
      [45 * MINUTE, 'firstTouch warning'],
      [HOUR, 'firstTouch breached'],
      [5 * HOUR, 'owner rep-a notified'],
      [5 * HOUR + 15 * MINUTE, 'reassigned rep-a → rep-b'],
      [5 * HOUR + 30 * MINUTE, 'manager mgr-1 notified'],
      [6 * HOUR, 'returned to nurture'],
    ]);
  });

  it('returning to nurture stops every clock and retires the lead as closed untouched', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    for (const at of [BREACH, BREACH + 15 * MINUTE, BREACH + 30 * MINUTE])
      collectDueConfirmed(book, bookContext(config, at));
    const ctx = bookContext(config, BREACH + HOUR);
    const [nurture] = collectDue(book, ctx);
    expect(nurture).toEqual({ ...step, stepIndex: 3, step: 'return-to-nurture', ownerId: 'rep-b' });
    expect(lead.status).toBe('open'); // not before the CRM says so
    const onClosedUntouched = vi.fn();
    const ref = { leadId: 'L-1', clock: 'firstTouch', stepIndex: 3 } as const;
    expect(
      completeEscalationStep(book, ctx, { ...ref, ok: true }, nurture as EscalationEffect, { onClosedUntouched }),
    ).toBe('done');
    expect(lead.status).toBe('nurture');
    expect(lead.clocks).toEqual({
      firstTouch: {
        startedAt: MONDAY_10AM,
        warnAt: MONDAY_10AM + 45 * MINUTE,
        deadline: BREACH,
        warnedAt: MONDAY_10AM + 45 * MINUTE,
        breachedAt: BREACH,
        breachedOwnerId: 'rep-a',
        stoppedAt: BREACH + HOUR,
      },
      followUp: {
        startedAt: MONDAY_10AM,
        warnAt: lead.clocks.followUp?.warnAt,
        deadline: lead.clocks.followUp?.deadline,
        stoppedAt: BREACH + HOUR,
      },
    });
    expect(onClosedUntouched).toHaveBeenCalledExactlyOnceWith(lead);
    expect(book.leads).toEqual({});
    expect(book.closedLeadIds).toEqual(['L-1']);
    // The load moved to the new owner on reassignment and left with the lead.
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 0 });
    // A repeated confirmation of a retired lead's step changes nothing.
    expect(completeEscalationStep(book, ctx, { ...ref, ok: true }, nurture as EscalationEffect)).toBe('stale');
    // Entries of a retired lead stay queued and are dropped when they come due, firing nothing.
    expect(nextDueAt(book)).toBe(lead.clocks.followUp?.warnAt);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 30 * DAY))).toEqual([]);
    expect(nextDueAt(book)).toBeUndefined();
  });

  it('moves the lead and its load to the new owner on reassignment', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    collectDueConfirmed(book, bookContext(config, BREACH + 15 * MINUTE));
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 1 });
  });

  it('lets the owner the CRM shows stand when its automation undid the reassignment, and goes on with the chain', () => {
    for (const [ownerInCrm, expected] of [
      ['queue-1', { ownerId: 'queue-1', reassignments: 1 }],
      ['rep-a', { ownerId: 'rep-a', reassignments: 0 }], // moved straight back to the rep who breached
    ] as const) {
      const book = bookWith([newLead('L-1', MONDAY_10AM)]);
      collectDueConfirmed(book, bookContext(config, BREACH));
      const [reassign] = collectDue(book, bookContext(config, BREACH + 15 * MINUTE)) as EscalationEffect[];
      expect(reassign).toMatchObject({ step: 'reassign', newOwnerId: 'rep-b' });
      const ref = { leadId: 'L-1', clock: 'firstTouch', stepIndex: 1 } as const;
      expect(
        completeEscalationStep(
          book,
          bookContext(config, BREACH + 15 * MINUTE),
          { ...ref, ok: true, ownerInCrm },
          reassign,
        ),
      ).toBe('done');
      expect(book.leads['L-1']).toMatchObject(expected);
      expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({ nextStep: 2, breachedOwnerId: 'rep-a' });
      expect(book.leads['L-1'].history.at(-1)?.what).toBe(
        `reassignment to rep-b did not stick: the CRM shows ${ownerInCrm}`,
      );
    }
  });

  it('keeps the chain of the config version a lead was admitted under', () => {
    const v2 = { ...config, version: 2, responseSla: { ...config.responseSla, escalation: [] } };
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    admitLeads(book, [newLead('L-2', MONDAY_10AM)], bookContext({ 1: config, 2: v2 }, MONDAY_10AM, 2));
    const effects = collectDue(book, bookContext({ 1: config, 2: v2 }, BREACH, 2));
    expect(effects.map((e) => `${e.type} ${e.leadId}`)).toEqual([
      'warning L-1',
      'warning L-2',
      'breach L-1',
      // L-1's first step is due at the breach too, but was queued after L-2's breach.
      'breach L-2',
      'escalation L-1',
    ]);
  });
});

describe('round-robin reassignment', () => {
  it('shares leads by weight among reps who are in, skipping out-of-office reps and the current owner', () => {
    // Pool: rep-a weight 2, rep-b, rep-c, rep-d out of office. Owner rep-a is excluded, so b and c
    // alternate (ties go to the rep listed first): b, c, b.
    const leads = ['L-1', 'L-2', 'L-3'].map((id) => newLead(id, MONDAY_10AM));
    const book = bookWith(leads);
    collectDueConfirmed(book, bookContext(config, BREACH));
    const reassigned = collectDueConfirmed(book, bookContext(config, BREACH + 15 * MINUTE)).flatMap((e) =>
      e.type === 'escalation' && e.step === 'reassign' ? [`${e.leadId} → ${e.newOwnerId}`] : [],
    );
    expect(reassigned).toEqual(['L-1 → rep-b', 'L-2 → rep-c', 'L-3 → rep-b']);
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 2, 'rep-c': 1 });
    expect(book.roundRobin.inbound.scores).toEqual({ 'rep-a': 0, 'rep-b': -1, 'rep-c': 1, 'rep-d': 0 });
  });

  it('hands a lead owned by another rep to the weighted favourite', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM, 'high-intent', 'rep-b')]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    collectDueConfirmed(book, bookContext(config, BREACH + 15 * MINUTE));
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
  });

  const smallPool = (reps: Record<string, unknown>[]) =>
    seedConfig({ responseSla: { pools: { inbound: { managerId: 'mgr-1', reps } } } });

  it('skips a rep at capacity', () => {
    const terms = smallPool([{ id: 'rep-a' }, { id: 'rep-b', capacity: 1 }, { id: 'rep-c', capacity: 1 }]);
    // A standard-tier lead keeps rep-b at its cap of 1 without breaching in the meantime.
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('HELD', MONDAY_10AM, 'standard', 'rep-b')], terms);
    collectDueConfirmed(book, bookContext(terms, BREACH));
    collectDueConfirmed(book, bookContext(terms, BREACH + 15 * MINUTE));
    expect(book.leads['L-1'].ownerId).toBe('rep-c');
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 1, 'rep-c': 1 });
  });

  it('when nobody can take the lead, says why and notifies the manager at once instead of 15 min later', () => {
    const terms = smallPool([{ id: 'rep-a' }, { id: 'rep-b', capacity: 1 }, { id: 'rep-c', outOfOffice: true }]);
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('HELD', MONDAY_10AM, 'standard', 'rep-b')], terms);
    const at = BREACH + 15 * MINUTE;
    expect(collectDueConfirmed(book, bookContext(terms, BREACH))).toHaveLength(3); // warning, breach, notify-owner
    expect(collectDueConfirmed(book, bookContext(terms, at))).toEqual([
      {
        ...step,
        stepIndex: 1,
        step: 'reassign',
        ownerId: 'rep-a',
        newOwnerId: null,
        pool: 'inbound',
        reason:
          'no rep in pool "inbound" can take the lead: ' +
          'rep-a (current owner), rep-b (at capacity 1/1), rep-c (out of office)',
      },
      { ...step, stepIndex: 2, step: 'notify-manager', ownerId: 'rep-a', managerId: 'mgr-1', pool: 'inbound' },
    ]);
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-a', reassignments: 0 });
    expect(book.leads['L-1'].history.at(-2)?.what).toMatch(
      /^reassign skipped: no rep in pool "inbound" can take the lead/,
    );
    expect(book.ownerLoad).toEqual({ 'rep-a': 1, 'rep-b': 1 });
    // The rest of the chain keeps its offsets from the breach.
    expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({ nextStep: 3, nextStepAt: BREACH + HOUR });
  });

  it('without a manager step after it, a failed reassignment just waits for the next step', () => {
    const terms = seedConfig({
      escalation: [
        { step: 'reassign', pool: 'inbound', after: '0s' },
        { step: 'return-to-nurture', after: '1h' },
      ],
      responseSla: { pools: { inbound: { managerId: 'mgr-1', reps: [{ id: 'rep-a' }] } } },
    });
    const book = bookWith([newLead('L-1', MONDAY_10AM)], terms);
    const steps = (at: number) =>
      collectDueConfirmed(book, bookContext(terms, at)).flatMap((e) => (e.type === 'escalation' ? [e.step] : []));
    expect(steps(BREACH)).toEqual(['reassign']);
    expect(nextDueAt(book)).toBe(BREACH + HOUR);
    expect(steps(BREACH + HOUR)).toEqual(['return-to-nurture']);
  });
});

describe('which manager is notified', () => {
  const outbound = { managerId: 'mgr-2', reps: [{ id: 'rep-x', outOfOffice: true }] };

  it("is the manager of the owner's pool", () => {
    const terms = seedConfig({
      escalation: [{ step: 'notify-manager', after: '0s' }],
      responseSla: { pools: { outbound } },
    });
    const book = bookWith([newLead('L-1', MONDAY_10AM, 'high-intent', 'rep-x')], terms);
    expect(collectDue(book, bookContext(terms, BREACH)).at(-1)).toMatchObject({ managerId: 'mgr-2', pool: 'outbound' });
  });

  it("falls back to the reassign step's pool for an owner in no pool", () => {
    const terms = seedConfig({
      escalation: [
        { step: 'reassign', pool: 'outbound', after: '0s' },
        { step: 'notify-manager', after: '30m' },
      ],
      responseSla: { pools: { outbound } },
    });
    const book = bookWith([newLead('L-1', MONDAY_10AM, 'high-intent', 'rep-z')], terms);
    // rep-x is out of office, so the reassignment finds nobody and the manager step follows at once.
    expect(collectDueConfirmed(book, bookContext(terms, BREACH)).at(-1)).toMatchObject({
      step: 'notify-manager',
      managerId: 'mgr-2',
      pool: 'outbound',
    });
  });

  it('falls back to the first pool when the chain reassigns nowhere', () => {
    const terms = seedConfig({
      escalation: [{ step: 'notify-manager', after: '0s' }],
      responseSla: { pools: { outbound } },
    });
    const book = bookWith([newLead('L-1', MONDAY_10AM, 'high-intent', 'rep-z')], terms);
    expect(collectDue(book, bookContext(terms, BREACH)).at(-1)).toMatchObject({ managerId: 'mgr-1', pool: 'inbound' });
  });
});

describe('a step whose side effect fails or is overtaken', () => {
  const ref = (stepIndex: number) => ({ leadId: 'L-1', clock: 'firstTouch', stepIndex }) as const;
  const complete = (book: LeadBook, at: number, effect: DueEffect, ok: boolean) =>
    completeEscalationStep(
      book,
      bookContext(config, at),
      ok
        ? { ...ref((effect as EscalationEffect).stepIndex), ok }
        : { ...ref((effect as EscalationEffect).stepIndex), ok, error: 'CRM 503' },
      effect as EscalationEffect,
    );

  it('waits 2 s after the first failure, doubling up to 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(stepRetryDelayMs)).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000,
    ]);
  });

  it('retries a failed reassignment with backoff and moves the lead only once the CRM took it', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    collectDueConfirmed(book, bookContext(config, BREACH));
    const t1 = BREACH + 15 * MINUTE;
    const [first] = collectDue(book, bookContext(config, t1));
    expect(first).toMatchObject({ step: 'reassign', newOwnerId: 'rep-b' });
    expect(complete(book, t1, first, false)).toBe('failed');
    expect(lead).toMatchObject({ ownerId: 'rep-a', reassignments: 0 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 1 });
    expect(lead.clocks.firstTouch).toMatchObject({ nextStep: 1, nextStepAt: t1 + 2_000, stepAttempts: 1 });
    expect(lead.clocks.firstTouch?.stepInFlight).toBeUndefined();
    expect(nextDueAt(book)).toBe(t1 + 2_000);
    expect(collectDue(book, bookContext(config, t1 + 1_999))).toEqual([]);
    // The failed attempt's write may have landed: the retry writes the same owner, taking no second turn.
    const t2 = t1 + 2_000;
    const [second] = collectDue(book, bookContext(config, t2));
    expect(second).toMatchObject({ step: 'reassign', stepIndex: 1, ownerId: 'rep-a', newOwnerId: 'rep-b' });
    expect(complete(book, t2, second, false)).toBe('failed');
    expect(lead.clocks.firstTouch).toMatchObject({ nextStep: 1, nextStepAt: t2 + 4_000, stepAttempts: 2 });
    expect(lead.ownerId).toBe('rep-a');
    const t3 = t2 + 4_000;
    const [third] = collectDue(book, bookContext(config, t3));
    expect(third).toMatchObject({ step: 'reassign', newOwnerId: 'rep-b' });
    expect(complete(book, t3, third, true)).toBe('done');
    expect(lead).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 1 });
    expect(lead.clocks.firstTouch?.stepAttempts).toBeUndefined();
    // The manager step keeps its 15 min after the reassignment that ran 6 s late.
    expect(lead.clocks.firstTouch).toMatchObject({ nextStep: 2, nextStepAt: BREACH + 30 * MINUTE + 6_000 });
    expect(lead.history.at(-1)).toEqual({ at: t3, what: 'reassigned rep-a → rep-b' });
  });

  it('never moves the owner or closes the lead on a failed step, nurture included', () => {
    const terms = seedConfig({ escalation: [{ step: 'return-to-nurture', after: '0s' }] });
    const book = bookWith([newLead('L-1', MONDAY_10AM)], terms);
    const lead = book.leads['L-1'];
    const fired = collectDue(book, bookContext(terms, BREACH));
    expect(fired.map((e) => e.type)).toEqual(['warning', 'breach', 'escalation']);
    completeEscalationStep(
      book,
      bookContext(terms, BREACH),
      { ...ref(0), ok: false, error: 'CRM 503' },
      fired[2] as EscalationEffect,
    );
    expect(lead.status).toBe('open');
    expect(book.leads['L-1']).toBe(lead);
    expect(lead.clocks.followUp?.stoppedAt).toBeUndefined();
    expect(nextDueAt(book)).toBe(BREACH + 2_000);
  });

  it('a touch while a step is in flight ends the chain: its completion schedules nothing', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    expect(notify).toMatchObject({ step: 'notify-owner', stepIndex: 0 });
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + 5 * MINUTE)], bookContext(config, BREACH + 5 * MINUTE));
    expect(lead.clocks.firstTouch).toMatchObject({ metAt: BREACH + 5 * MINUTE, stepInFlight: 0 });
    expect(lead.clocks.firstTouch?.nextStepAt).toBeUndefined();
    expect(complete(book, BREACH + 6 * MINUTE, notify, true)).toBe('done');
    expect(lead.clocks.firstTouch).toEqual({
      startedAt: MONDAY_10AM,
      warnAt: MONDAY_10AM + 45 * MINUTE,
      deadline: BREACH,
      warnedAt: MONDAY_10AM + 45 * MINUTE,
      breachedAt: BREACH,
      breachedOwnerId: 'rep-a',
      metAt: BREACH + 5 * MINUTE,
    });
    expect(lead).toMatchObject({ ownerId: 'rep-a', status: 'open', reassignments: 0 });
    // Only the acceptance window (opened at the touch) and the follow-up clock are left to run.
    expect(collectDue(book, bookContext(config, BREACH + 3 * HOUR))).toEqual([]);
  });

  it('a failure reported after a touch does not bring the chain back', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + MINUTE)], bookContext(config, BREACH + MINUTE));
    expect(complete(book, BREACH + 2 * MINUTE, notify, false)).toBe('failed');
    const clock = book.leads['L-1'].clocks.firstTouch;
    expect(clock?.nextStepAt).toBeUndefined();
    expect(clock?.stepInFlight).toBeUndefined();
    expect(collectDue(book, bookContext(config, BREACH + 3 * HOUR))).toEqual([]);
  });

  const supersededRow = (
    stepIndex: number,
    stepKind: string,
    at: number,
    handledAt: number,
    failedAttempts: number,
  ) => ({
    campaignId: 'c-1',
    leadId: 'L-1',
    clock: 'firstTouch',
    stepIndex,
    step: stepKind,
    at: new Date(at).toISOString(),
    outcome: { superseded: true, handledAt: new Date(handledAt).toISOString(), failedAttempts },
  });

  it('a step that failed, then lost the race with a touch, is recorded as superseded, not dropped', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + MINUTE)], bookContext(config, BREACH + MINUTE));
    expect(drainOutbox(book).steps ?? []).toEqual([]);
    expect(complete(book, BREACH + 2 * MINUTE, notify, false)).toBe('failed');
    expect(drainOutbox(book).steps).toEqual([
      supersededRow(0, 'notify-owner', BREACH + 2 * MINUTE, BREACH + MINUTE, 1),
    ]);
    expect(book.leads['L-1'].clocks.firstTouch?.nextStep).toBeUndefined();
  });

  it('a failed step waiting for its retry when the touch arrives is superseded at the touch', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    const t = BREACH + 15 * MINUTE;
    const [reassign] = collectDue(book, bookContext(config, t));
    expect(complete(book, t, reassign, false)).toBe('failed');
    drainOutbox(book);
    // The touch happened 1 s after the failure, before the retry (t + 2 s); we hear of it a minute later.
    applyLeadEvents(book, [contact('L-1', 'e-1', t + 1_000)], bookContext(config, t + MINUTE));
    expect(drainOutbox(book).steps).toEqual([supersededRow(1, 'reassign', t + MINUTE, t + 1_000, 1)]);
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-a', reassignments: 0 });
    expect(collectDue(book, bookContext(config, t + 3 * HOUR))).toEqual([]);
  });

  it('a step that fell due while nobody could run it (worker down) is superseded by a touch after its due time', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    // Reassign was due at BREACH + 15 min; the touch at + 16 min is applied before the timer fires.
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + 16 * MINUTE)], bookContext(config, BREACH + 20 * MINUTE));
    expect(drainOutbox(book).steps).toEqual([
      supersededRow(1, 'reassign', BREACH + 20 * MINUTE, BREACH + 16 * MINUTE, 0),
    ]);
  });

  it('a step the contract had due, still waiting because the step before it ran late, is superseded by the touch', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    expect(complete(book, BREACH, notify, false)).toBe('failed');
    const [retry] = collectDue(book, bookContext(config, BREACH + 2_000));
    expect(complete(book, BREACH + 2_000, retry, true)).toBe('done');
    // Spaced from the late notification: reassign waits until 15 min after it, not after the breach.
    expect(book.leads['L-1'].clocks.firstTouch?.nextStepAt).toBe(BREACH + 15 * MINUTE + 2_000);
    drainOutbox(book);
    const touch = BREACH + 15 * MINUTE + 1_000;
    applyLeadEvents(book, [contact('L-1', 'e-1', touch)], bookContext(config, touch + 500));
    expect(drainOutbox(book).steps).toEqual([supersededRow(1, 'reassign', touch + 500, touch, 0)]);
  });

  it('a touch before the next step is due supersedes nothing: the chain simply ends', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + 14 * MINUTE)], bookContext(config, BREACH + 20 * MINUTE));
    expect(drainOutbox(book).steps ?? []).toEqual([]);
    expect(collectDue(book, bookContext(config, BREACH + 3 * HOUR))).toEqual([]);
  });

  it('a reassignment the CRM confirms after the touch still moves the lead: the book follows the CRM', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    collectDueConfirmed(book, bookContext(config, BREACH));
    const t = BREACH + 15 * MINUTE;
    const [reassign] = collectDue(book, bookContext(config, t));
    applyLeadEvents(book, [contact('L-1', 'e-1', t + MINUTE)], bookContext(config, t + MINUTE));
    expect(complete(book, t + 2 * MINUTE, reassign, true)).toBe('done');
    expect(lead).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 1 });
    expect(lead.clocks.firstTouch?.nextStep).toBeUndefined();
    expect(collectDue(book, bookContext(config, t + 3 * HOUR))).toEqual([]);
  });

  it('answers a confirmation for a step that is not in flight as stale', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    expect(complete(book, BREACH, { ...(notify as EscalationEffect), stepIndex: 1 }, true)).toBe('stale');
    expect(
      completeEscalationStep(
        book,
        bookContext(config, BREACH),
        { ...ref(0), leadId: 'L-9', ok: true },
        notify as EscalationEffect,
      ),
    ).toBe('stale');
    expect(book.leads['L-1'].clocks.firstTouch?.stepInFlight).toBe(0);
  });
});

describe('a step held back while the run hands over', () => {
  it('is pending again: a touch meanwhile supersedes it, and the next run would plan it from nextStepAt', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    expect(notify).toMatchObject({ step: 'notify-owner', stepIndex: 0 });
    releasePlannedStep(book, notify as EscalationEffect);
    const clock = book.leads['L-1'].clocks.firstTouch!;
    expect(clock.stepInFlight).toBeUndefined();
    expect(clock.nextStepAt).toBe(BREACH);
    drainOutbox(book);
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + MINUTE)], bookContext(config, BREACH + 2 * MINUTE));
    expect(drainOutbox(book).steps).toEqual([
      {
        campaignId: 'c-1',
        leadId: 'L-1',
        clock: 'firstTouch',
        stepIndex: 0,
        step: 'notify-owner',
        at: new Date(BREACH + 2 * MINUTE).toISOString(),
        outcome: { superseded: true, handledAt: new Date(BREACH + MINUTE).toISOString(), failedAttempts: 0 },
      },
    ]);
  });

  it('untouched, it is planned again once the due queue is rebuilt (the next run, or a run that goes on)', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    releasePlannedStep(book, notify as EscalationEffect);
    expect(collectDue(book, bookContext(config, BREACH + MINUTE))).toEqual([]);
    rebuildDueQueue(book);
    expect(collectDue(book, bookContext(config, BREACH + MINUTE))).toEqual([notify]);
  });

  it('releasing a step that already completed, or of an unknown lead, changes nothing', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    releasePlannedStep(book, { leadId: 'constructor', clock: 'firstTouch', stepIndex: 0 });
    releasePlannedStep(book, { leadId: 'L-1', clock: 'firstTouch', stepIndex: 3 });
    expect(book.leads['L-1'].clocks.firstTouch?.stepInFlight).toBeUndefined();
  });
});

describe('a chain that ran late', () => {
  it('a step the contract had due before the touch, waiting on a confirmation that came after it, is superseded', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    // The worker died: the owner is notified only 40 minutes on; the touch came at +20 min, after the reassign
    // (due at +15 min) and before the manager step (+30 min) by the contract.
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + 20 * MINUTE)], bookContext(config, BREACH + 21 * MINUTE));
    drainOutbox(book);
    const step0 = notify as EscalationEffect;
    const ok = { leadId: 'L-1', clock: 'firstTouch' as const, stepIndex: 0, ok: true as const };
    expect(completeEscalationStep(book, bookContext(config, BREACH + 40 * MINUTE), ok, step0)).toBe('done');
    expect(drainOutbox(book).steps).toEqual([
      {
        campaignId: 'c-1',
        leadId: 'L-1',
        clock: 'firstTouch',
        stepIndex: 1,
        step: 'reassign',
        at: new Date(BREACH + 40 * MINUTE).toISOString(),
        outcome: { superseded: true, handledAt: new Date(BREACH + 20 * MINUTE).toISOString(), failedAttempts: 0 },
      },
    ]);
    expect(collectDue(book, bookContext(config, BREACH + 3 * HOUR))).toEqual([]);
  });

  it('a touch before the next step was due leaves nothing to supersede; old runs record nothing', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + 5 * MINUTE)], bookContext(config, BREACH + 6 * MINUTE));
    drainOutbox(book);
    const ok = { leadId: 'L-1', clock: 'firstTouch' as const, stepIndex: 0, ok: true as const };
    completeEscalationStep(book, bookContext(config, BREACH + 40 * MINUTE), ok, notify as EscalationEffect);
    expect(drainOutbox(book).steps ?? []).toEqual([]);

    const old = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , oldNotify] = collectDue(old, bookContext(config, BREACH));
    applyLeadEvents(old, [contact('L-1', 'e-1', BREACH + 20 * MINUTE)], bookContext(config, BREACH + 21 * MINUTE));
    drainOutbox(old);
    completeEscalationStep(old, bookContext(config, BREACH + 40 * MINUTE), ok, oldNotify as EscalationEffect, {
      recordSupersededAfterConfirmed: false,
    });
    expect(drainOutbox(old).steps ?? []).toEqual([]);
  });
});

describe('a step done whose ledger rows the activity could not write', () => {
  it('is done, and its rows go out with the workflow ledger write', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    drainOutbox(book);
    const row = {
      campaignId: 'c-1',
      leadId: 'L-1',
      clock: 'firstTouch' as const,
      stepIndex: 0,
      step: 'notify-owner' as const,
      at: new Date(BREACH).toISOString(),
      outcome: { ownerId: 'rep-a' },
    };
    const result = { leadId: 'L-1', clock: 'firstTouch' as const, stepIndex: 0, ok: true as const };
    const done = completeEscalationStep(
      book,
      bookContext(config, BREACH + MINUTE),
      { ...result, unrecorded: { step: row, events: [] } },
      notify as EscalationEffect,
    );
    expect(done).toBe('done');
    expect(drainOutbox(book).steps).toEqual([row]);
    expect(book.leads['L-1'].clocks.firstTouch?.nextStep).toBe(1);
  });
});

describe('a planned step whose lead was handled before it was sent', () => {
  it('is dropped: superseded when the contract had it due before the touch, else it lapses', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    applyLeadEvents(book, [contact('L-1', 'e-1', BREACH + MINUTE)], bookContext(config, BREACH + MINUTE));
    drainOutbox(book);
    expect(dropPlannedStepIfHandled(book, bookContext(config, BREACH + MINUTE), notify as EscalationEffect)).toBe(true);
    expect(drainOutbox(book).steps).toEqual([
      expect.objectContaining({ stepIndex: 0, outcome: expect.objectContaining({ superseded: true }) }),
    ]);
    expect(book.leads['L-1'].clocks.firstTouch?.stepInFlight).toBeUndefined();
    // Once dropped, its result (were one to come) is stale.
    expect(dropPlannedStepIfHandled(book, bookContext(config, BREACH + MINUTE), notify as EscalationEffect)).toBe(
      false,
    );
  });

  it('an unhandled lead keeps its step planned', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [, , notify] = collectDue(book, bookContext(config, BREACH));
    expect(dropPlannedStepIfHandled(book, bookContext(config, BREACH), notify as EscalationEffect)).toBe(false);
    expect(book.leads['L-1'].clocks.firstTouch?.stepInFlight).toBe(0);
  });
});

describe('a reassign step retried after a failure', () => {
  // A failed reassign step may still have moved the lead (the CRM took the write, then the read-back failed): its
  // retry must write the same owner, never the next round-robin pick, or the lead is reassigned twice.
  const T1 = BREACH + 15 * MINUTE;
  const failed = (effect: EscalationEffect) =>
    ({
      leadId: effect.leadId,
      clock: effect.clock,
      stepIndex: effect.stepIndex,
      ok: false,
      error: 'read-back',
    }) as const;
  const reassignDue = (book: LeadBook, at: number) =>
    collectDue(book, bookContext(config, at)).filter(
      (e): e is EscalationEffect => e.type === 'escalation' && e.step === 'reassign',
    );

  it('writes the owner its first attempt picked and takes one round-robin turn, however often it fails', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    let [effect] = reassignDue(book, T1);
    expect(effect.newOwnerId).toBe('rep-b');
    const turnTaken = structuredClone(book.roundRobin);
    let now = T1;
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect(completeEscalationStep(book, bookContext(config, now), failed(effect), effect)).toBe('failed');
      now = nextDueAt(book)!;
      [effect] = reassignDue(book, now);
      expect(effect).toMatchObject({ step: 'reassign', stepIndex: 1, ownerId: 'rep-a', newOwnerId: 'rep-b' });
      expect(book.roundRobin).toEqual(turnTaken);
    }
    const ref = { leadId: 'L-1', clock: 'firstTouch', stepIndex: 1 } as const;
    expect(completeEscalationStep(book, bookContext(config, now), { ...ref, ok: true }, effect)).toBe('done');
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(book.leads['L-1'].clocks.firstTouch).not.toHaveProperty('reassignPick');
    // The next lead to reassign gets the next turn, not one the retries burnt.
    admitLeads(book, [newLead('L-2', now)], bookContext(config, now));
    collectDueConfirmed(book, bookContext(config, now + HOUR));
    expect(reassignDue(book, now + HOUR + 15 * MINUTE)).toEqual([
      expect.objectContaining({ leadId: 'L-2', newOwnerId: 'rep-c' }),
    ]);
  });

  it('runs recorded before the fix (keepReassignee false) still take the next turn on each retry', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    const [first] = reassignDue(book, T1);
    completeEscalationStep(book, bookContext(config, T1), failed(first), first, { keepReassignee: false });
    const [second] = reassignDue(book, T1 + 2_000);
    expect([first.newOwnerId, second.newOwnerId]).toEqual(['rep-b', 'rep-c']);
  });

  it('a kept pick goes with the step: forgotten when the lead is handled, never reused by a later step', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('L-2', MONDAY_10AM)]);
    collectDueConfirmed(book, bookContext(config, BREACH));
    const [one, two] = reassignDue(book, T1);
    expect([one.newOwnerId, two.newOwnerId]).toEqual(['rep-b', 'rep-c']);
    completeEscalationStep(book, bookContext(config, T1), failed(one), one);
    completeEscalationStep(book, bookContext(config, T1), failed(two), two);
    // L-1 is touched while its retry waits: the step is superseded and its pick forgotten.
    applyLeadEvents(book, [contact('L-1', 'e-1', T1 + 1_000)], bookContext(config, T1 + 1_000));
    expect(book.leads['L-1'].clocks.firstTouch).not.toHaveProperty('reassignPick');
    // L-2's retry is in flight when the touch comes, then fails: superseded, nothing kept.
    const [retry] = reassignDue(book, T1 + 2_000);
    expect(retry).toMatchObject({ leadId: 'L-2', newOwnerId: 'rep-c' });
    applyLeadEvents(book, [contact('L-2', 'e-2', T1 + 3_000)], bookContext(config, T1 + 3_000));
    completeEscalationStep(book, bookContext(config, T1 + 4_000), failed(retry), retry);
    expect(book.leads['L-2'].clocks.firstTouch).not.toHaveProperty('reassignPick');
  });

  it('a reassign nobody could take keeps nothing: its retry looks for an owner again', () => {
    const full = seedConfig({
      escalation: [
        { step: 'reassign', pool: 'inbound', after: '0s' },
        { step: 'return-to-nurture', after: '1h' },
      ],
    });
    const book = bookWith([newLead('L-1', MONDAY_10AM)], full);
    const [first] = collectDue(book, bookContext(full, BREACH)).filter(
      (e): e is EscalationEffect => e.type === 'escalation',
    );
    expect(first.newOwnerId).toBe('rep-b');
    // Nobody named: the failure keeps nothing, so a retry of a step with no owner behaves as before.
    completeEscalationStep(book, bookContext(full, BREACH), failed(first), { ...first, newOwnerId: null });
    const [again] = collectDue(book, bookContext(full, BREACH + 2_000)).filter(
      (e): e is EscalationEffect => e.type === 'escalation',
    );
    expect(again.newOwnerId).toBe('rep-c');
  });
});

describe('follow-ups timed from the dispatch (patch follow-ups-from-dispatch)', () => {
  // The task that hears a step's result can read a later time on a replay from scratch than it did live (sdk-core
  // merges a task that made no command into the next one): what comes due next must not depend on that time.
  const scheduleAfter = (heardAfterMs: number, ok: boolean, spacedFromDispatch: boolean) => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const [first] = collectDue(book, bookContext(config, BREACH)).filter(
      (effect): effect is EscalationEffect => effect.type === 'escalation',
    );
    const dispatched = { ...first, at: new Date(BREACH).toISOString() };
    const ref = { leadId: 'L-1', clock: first.clock, stepIndex: first.stepIndex };
    completeEscalationStep(
      book,
      bookContext(config, BREACH + heardAfterMs),
      ok ? { ...ref, ok: true } : { ...ref, ok: false, error: 'CRM down' },
      dispatched,
      { spacedFromDispatch },
    );
    return book.leads['L-1'].clocks.firstTouch?.nextStepAt;
  };

  it('the next step and a retry come due at the same instant however late the result is heard', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * MINUTE }), fc.boolean(), (heardAfterMs, ok) => {
        expect(scheduleAfter(heardAfterMs, ok, true)).toBe(scheduleAfter(0, ok, true));
      }),
      { numRuns: 200 },
    );
    // A retry waits its backoff from the dispatch.
    expect(scheduleAfter(90_000, false, true)).toBe(BREACH + stepRetryDelayMs(1));
  });

  it('runs recorded before it time them from the result, as they did', () => {
    expect(scheduleAfter(90_000, false, false)).toBe(BREACH + 90_000 + stepRetryDelayMs(1));
    expect(scheduleAfter(0, false, false)).not.toBe(scheduleAfter(90_000, false, false));
  });
});
