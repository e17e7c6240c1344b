// Escalation chains on their own: the seed chain notify-owner → reassign → notify-manager → return-to-nurture
// at its configured offsets from the breach, round-robin reassignment that skips out-of-office and full reps,
// the jump to the manager when nobody can take the lead, and which manager is told.
import { describe, expect, it, vi } from 'vitest';
import type { CampaignConfig } from '../sla/config';
import { admitLeads, drainOutbox, emptyLeadBook, nextDueAt, type DueObservers, type LeadBook } from '../sla/leadBook';
import type { NewLead } from '../sla/leadEvents';
import { bookContext, DAY, HOUR, MINUTE, MONDAY_10AM, newLead, seedConfig } from './support/leadBook';
import { collectDueConfirmed } from './support/dueSteps';

const config = seedConfig();
const BREACH = MONDAY_10AM + HOUR; // a high-intent lead admitted at MONDAY_10AM breaches first touch here

function bookWith(leads: NewLead[], terms: CampaignConfig = config): LeadBook {
  const book = emptyLeadBook();
  admitLeads(book, leads, bookContext(terms, MONDAY_10AM));
  drainOutbox(book);
  return book;
}

/** Wakes the book at each time in turn, confirming steps, as the workflow does when its timer fires. */
function walk(book: LeadBook, terms: CampaignConfig, times: number[], observers: DueObservers = {}) {
  return times.flatMap((at) => collectDueConfirmed(book, bookContext(terms, at), observers));
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

  it('after an outage, a late wake-up fires the breach and the first step only; the rest keep their spacing', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    const lead = book.leads['L-1'];
    const late = MONDAY_10AM + 5 * HOUR;
    const effects = collectDueConfirmed(book, bookContext(config, late));
    expect(effects.map((e) => (e.type === 'escalation' ? `${e.stepIndex} ${e.step}` : e.type))).toEqual([
      'warning',
      'breach',
      '0 notify-owner',
    ]);
    // The breach keeps its deadline as its time; the chain runs from when it was seen.
    expect(lead.clocks.firstTouch?.breachedAt).toBe(BREACH);
    expect(nextDueAt(book)).toBe(late + 15 * MINUTE);
    walk(book, config, [late + 15 * MINUTE, late + 30 * MINUTE, late + HOUR]);
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
    const onClosedUntouched = vi.fn();
    walk(book, config, [BREACH, BREACH + 15 * MINUTE, BREACH + 30 * MINUTE, BREACH + HOUR], { onClosedUntouched });
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
    // Entries of a retired lead stay queued and are dropped when they come due, firing nothing.
    expect(nextDueAt(book)).toBe(lead.clocks.followUp?.warnAt);
    expect(collectDueConfirmed(book, bookContext(config, MONDAY_10AM + 30 * DAY))).toEqual([]);
    expect(nextDueAt(book)).toBeUndefined();
  });

  it('moves the lead and its load to the new owner on reassignment', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)]);
    walk(book, config, [BREACH, BREACH + 15 * MINUTE]);
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 1 });
  });

  it('keeps the chain of the config version a lead was admitted under', () => {
    const v2 = { ...config, version: 2, responseSla: { ...config.responseSla, escalation: [] } };
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    admitLeads(book, [newLead('L-2', MONDAY_10AM)], bookContext({ 1: config, 2: v2 }, MONDAY_10AM, 2));
    const effects = collectDueConfirmed(book, bookContext({ 1: config, 2: v2 }, BREACH, 2));
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
    const reassigned = walk(book, config, [BREACH, BREACH + 15 * MINUTE]).flatMap((e) =>
      e.type === 'escalation' && e.step === 'reassign' ? [`${e.leadId} → ${e.newOwnerId}`] : [],
    );
    expect(reassigned).toEqual(['L-1 → rep-b', 'L-2 → rep-c', 'L-3 → rep-b']);
    expect(book.ownerLoad).toEqual({ 'rep-a': 0, 'rep-b': 2, 'rep-c': 1 });
    expect(book.roundRobin.inbound.scores).toEqual({ 'rep-a': 0, 'rep-b': -1, 'rep-c': 1, 'rep-d': 0 });
  });

  it('hands a lead owned by another rep to the weighted favourite', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM, 'high-intent', 'rep-b')]);
    walk(book, config, [BREACH, BREACH + 15 * MINUTE]);
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
  });

  const smallPool = (reps: Record<string, unknown>[]) =>
    seedConfig({ responseSla: { pools: { inbound: { managerId: 'mgr-1', reps } } } });

  it('skips a rep at capacity', () => {
    const terms = smallPool([{ id: 'rep-a' }, { id: 'rep-b', capacity: 1 }, { id: 'rep-c', capacity: 1 }]);
    // A standard-tier lead keeps rep-b at its cap of 1 without breaching in the meantime.
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('HELD', MONDAY_10AM, 'standard', 'rep-b')], terms);
    walk(book, terms, [BREACH, BREACH + 15 * MINUTE]);
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
          'every rep in pool "inbound" is out of office, at capacity or the current owner: ' +
          'rep-a (current owner), rep-b (at capacity 1/1), rep-c (out of office)',
      },
      { ...step, stepIndex: 2, step: 'notify-manager', ownerId: 'rep-a', managerId: 'mgr-1', pool: 'inbound' },
    ]);
    expect(book.leads['L-1']).toMatchObject({ ownerId: 'rep-a', reassignments: 0 });
    expect(book.leads['L-1'].history.at(-2)?.what).toMatch(/^reassign skipped: every rep in pool "inbound"/);
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
    expect(collectDueConfirmed(book, bookContext(terms, BREACH)).at(-1)).toMatchObject({
      managerId: 'mgr-2',
      pool: 'outbound',
    });
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
    expect(collectDueConfirmed(book, bookContext(terms, BREACH)).at(-1)).toMatchObject({
      managerId: 'mgr-1',
      pool: 'inbound',
    });
  });
});
