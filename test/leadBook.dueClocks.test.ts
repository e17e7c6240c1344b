// The due queue on its own: warnings then breaches at their exact times, the ledger rows they queue,
// met or closed clocks staying silent, the queue rebuilt from lead state, and leads retired once settled.
import { describe, expect, it, vi } from 'vitest';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  drainOutbox,
  emptyLeadBook,
  nextDueAt,
  openClockCount,
  openLeadCount,
  rebuildDueQueue,
  type LeadBook,
} from '../sla/leadBook';
import { emptyDueQueue, popDue } from '../sla/dueQueue';
import { collectDueConfirmed } from './support/dueSteps';
import { bookContext, contact, DAY, HOUR, MINUTE, MONDAY_10AM, newLead, seedConfig } from './support/leadBook';

const config = seedConfig();
const noChain = seedConfig({ escalation: [] });

function bookWith(leads = [newLead('L-1', MONDAY_10AM)], terms = config): LeadBook {
  const book = emptyLeadBook();
  admitLeads(book, leads, bookContext(terms, MONDAY_10AM));
  drainOutbox(book);
  return book;
}

const warning = {
  type: 'warning',
  leadId: 'L-1',
  clock: 'firstTouch',
  ownerId: 'rep-a',
  tier: 'high-intent',
  deadline: MONDAY_10AM + HOUR,
};

describe('collectDue', () => {
  it('fires nothing before the warning time, then the warning at 45 min, then the breach at 1 h', () => {
    const book = bookWith();
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 45 * MINUTE - 1))).toEqual([]);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 45 * MINUTE))).toEqual([warning]);
    expect(book.leads['L-1'].clocks.firstTouch?.warnedAt).toBe(MONDAY_10AM + 45 * MINUTE);
    expect(nextDueAt(book)).toBe(MONDAY_10AM + HOUR);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + HOUR - 1))).toEqual([]);
    const onBreach = vi.fn();
    // The contract has no escalation chain: the breach says so (its alert does not claim escalation started).
    expect(collectDue(book, bookContext(noChain, MONDAY_10AM + HOUR), { onBreach })).toEqual([
      { ...warning, type: 'breach', escalates: false },
    ]);
    expect(onBreach).toHaveBeenCalledExactlyOnceWith(book.leads['L-1'], 'firstTouch');
    expect(book.leads['L-1'].history.map((h) => h.what)).toEqual([
      'created (tier high-intent, owner rep-a)',
      'firstTouch warning',
      'firstTouch breached',
    ]);
  });

  it('stamps a late wake-up with the due times, not with now, and fires in due order', () => {
    const book = bookWith();
    const effects = collectDue(book, bookContext(noChain, MONDAY_10AM + 3 * HOUR));
    expect(effects).toEqual([warning, { ...warning, type: 'breach', escalates: false }]);
    expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({
      warnedAt: MONDAY_10AM + 45 * MINUTE,
      breachedAt: MONDAY_10AM + HOUR,
    });
  });

  it('queues one ledger row per warning and breach, each showing the clock so far', () => {
    const book = bookWith();
    collectDue(book, bookContext(noChain, MONDAY_10AM + HOUR));
    const row = {
      campaignId: 'c-1',
      leadId: 'L-1',
      clock: 'firstTouch',
      startedAt: '2026-03-02T15:00:00.000Z',
      deadline: '2026-03-02T16:00:00.000Z',
      warnedAt: '2026-03-02T15:45:00.000Z',
    };
    expect(book.outbox.clocks).toEqual([row, { ...row, breachedAt: '2026-03-02T16:00:00.000Z' }]);
  });

  it('orders several leads by due time, then by when they were scheduled', () => {
    const book = bookWith([
      newLead('L-late', MONDAY_10AM, 'high-intent', 'rep-b'),
      newLead('L-early', MONDAY_10AM - 30 * MINUTE),
      newLead('L-tie', MONDAY_10AM, 'high-intent', 'rep-c'),
    ]);
    const fired = collectDue(book, bookContext(noChain, MONDAY_10AM + HOUR)).map((e) => `${e.type} ${e.leadId}`);
    expect(fired).toEqual([
      'warning L-early',
      'breach L-early',
      'warning L-late',
      'warning L-tie',
      'breach L-late',
      'breach L-tie',
    ]);
  });

  it('stays silent for a clock met before its warning', () => {
    const book = bookWith();
    applyLeadEvents(book, [contact('L-1', 'e-1', MONDAY_10AM + 10 * MINUTE)], bookContext(config, MONDAY_10AM + HOUR));
    // Only the acceptance clock opened at the touch could be due; Monday 10:10 + 8 business hours is Tuesday 10:10.
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 2 * HOUR))).toEqual([]);
  });

  it('warns and breaches a clock met after its warning only with the warning', () => {
    const book = bookWith();
    collectDue(book, bookContext(config, MONDAY_10AM + 50 * MINUTE));
    applyLeadEvents(book, [contact('L-1', 'e-1', MONDAY_10AM + 55 * MINUTE)], bookContext(config, MONDAY_10AM + HOUR));
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 2 * HOUR))).toEqual([]);
    expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({
      warnedAt: MONDAY_10AM + 45 * MINUTE,
      metAt: MONDAY_10AM + 55 * MINUTE,
    });
    expect(book.leads['L-1'].clocks.firstTouch?.breachedAt).toBeUndefined();
  });

  it('keeps a lead with a breached but unescalated clock open while its follow-up clock runs', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)], noChain);
    collectDue(book, bookContext(noChain, MONDAY_10AM + HOUR));
    expect(openLeadCount(book)).toBe(1);
    expect(openClockCount(book)).toBe(1); // followUp; the breached firstTouch no longer counts
  });

  it('retires an untouched lead once its last clock breaches, and says it closed untouched', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)], noChain);
    const onClosedUntouched = vi.fn();
    const effects = collectDue(book, bookContext(noChain, MONDAY_10AM + 10 * DAY), { onClosedUntouched });
    expect(effects.map((e) => `${e.type} ${e.clock}`)).toEqual([
      'warning firstTouch',
      'breach firstTouch',
      'warning followUp',
      'breach followUp',
    ]);
    expect(onClosedUntouched).toHaveBeenCalledOnce();
    expect(onClosedUntouched.mock.calls[0][0]).toMatchObject({ leadId: 'L-1', status: 'open' });
    expect(book.leads).toEqual({});
    expect(book.closedLeadIds).toEqual(['L-1']);
    expect(book.ownerLoad).toEqual({ 'rep-a': 0 });
    expect(nextDueAt(book)).toBeUndefined();
  });

  it('retires a touched lead once settled without calling it untouched', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM)], noChain);
    const ctx = bookContext(noChain, MONDAY_10AM + 11 * DAY);
    applyLeadEvents(book, [contact('L-1', 'e-1', MONDAY_10AM + 10 * MINUTE)], ctx);
    const onClosedUntouched = vi.fn();
    // Acceptance (opened at the touch) and follow-up both breach; nothing is left to run.
    collectDue(book, ctx, { onClosedUntouched });
    expect(book.closedLeadIds).toEqual(['L-1']);
    expect(onClosedUntouched).not.toHaveBeenCalled();
  });
});

describe('nextDueAt and rebuildDueQueue', () => {
  it('is undefined for an empty book and the earliest warning after admission', () => {
    expect(nextDueAt(emptyLeadBook())).toBeUndefined();
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('L-2', MONDAY_10AM - 20 * MINUTE)]);
    expect(nextDueAt(book)).toBe(MONDAY_10AM + 25 * MINUTE);
  });

  it('rebuilds the queue from the clocks: warned clocks only wait for their breach, met clocks for nothing', () => {
    const book = bookWith([newLead('L-1', MONDAY_10AM), newLead('L-2', MONDAY_10AM)]);
    collectDue(book, bookContext(config, MONDAY_10AM + 45 * MINUTE));
    applyLeadEvents(book, [contact('L-2', 'e-1', MONDAY_10AM + 50 * MINUTE)], bookContext(config, MONDAY_10AM + HOUR));
    book.due = emptyDueQueue();
    rebuildDueQueue(book);
    const queued: [number, string][] = [];
    for (let entry = popDue(book.due, Infinity); entry; entry = popDue(book.due, Infinity))
      queued.push([entry[0] - MONDAY_10AM, entry[1]]);
    expect(queued).toEqual([
      [HOUR, 'L-1|firstTouch|breach'],
      // L-2's acceptance clock from Monday 10:50: warned after 6 business hours (16:50), due after 8 (Tuesday 10:50).
      [6 * HOUR + 50 * MINUTE, 'L-2|acceptance|warn'],
      [DAY + 50 * MINUTE, 'L-2|acceptance|breach'],
      [7.5 * DAY, 'L-1|followUp|warn'],
      [7.5 * DAY, 'L-2|followUp|warn'],
      [10 * DAY, 'L-1|followUp|breach'],
      [10 * DAY, 'L-2|followUp|breach'],
    ]);
  });

  it('rebuilds a pending escalation step at its due time', () => {
    const book = bookWith();
    // The breach plans notify-owner at once; confirmed, it schedules the reassign step 15 min later.
    collectDueConfirmed(book, bookContext(config, MONDAY_10AM + HOUR));
    book.due = emptyDueQueue();
    rebuildDueQueue(book);
    expect(nextDueAt(book)).toBe(MONDAY_10AM + 75 * MINUTE);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 75 * MINUTE - 1))).toEqual([]);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 75 * MINUTE))).toMatchObject([
      { type: 'escalation', step: 'reassign', stepIndex: 1 },
    ]);
  });

  it('rebuilds an in-flight step at its due time but does not plan it twice while it is in flight', () => {
    const book = bookWith();
    collectDue(book, bookContext(config, MONDAY_10AM + HOUR)); // warning, breach, notify-owner planned
    expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({
      nextStep: 0,
      nextStepAt: MONDAY_10AM + HOUR,
      stepInFlight: 0,
    });
    rebuildDueQueue(book);
    expect(nextDueAt(book)).toBe(MONDAY_10AM + HOUR);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 2 * HOUR))).toEqual([]);
    // Without the in-flight mark (a run continued as new while the step ran), the step simply runs again.
    delete book.leads['L-1'].clocks.firstTouch?.stepInFlight;
    rebuildDueQueue(book);
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 2 * HOUR))).toMatchObject([
      { type: 'escalation', step: 'notify-owner', stepIndex: 0 },
    ]);
  });
});
