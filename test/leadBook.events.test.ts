// Lead events on their own: which batches are refused, how contact attempts, dispositions and stage
// changes meet clocks, open the acceptance window and close leads, and that a repeated event is a no-op.
import { describe, expect, it, vi } from 'vitest';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  drainOutbox,
  emptyLeadBook,
  validateLeadEvents,
  type LeadBook,
} from '../sla/leadBook';
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
import type { LeadEvent } from '../sla/leadEvents';
import { collectDueConfirmed } from './support/dueSteps';

const config = seedConfig();
const at = (ms: number) => bookContext(config, ms);

/** A book holding one lead admitted at MONDAY_10AM, its outbox already drained. */
function bookWith(tier = 'high-intent'): LeadBook {
  const book = emptyLeadBook();
  admitLeads(book, [newLead('L-1', MONDAY_10AM, tier)], at(MONDAY_10AM));
  drainOutbox(book);
  return book;
}

describe('validateLeadEvents', () => {
  it('accepts well-formed events for open leads', () => {
    const book = bookWith();
    const events = [contact('L-1', 'e-1', MONDAY_10AM + MINUTE), stage('L-1', 'e-2', MONDAY_10AM + MINUTE, 'MQL')];
    expect(validateLeadEvents(book, events, at(MONDAY_10AM + HOUR))).toEqual([]);
  });

  it('tells an unknown lead from a closed one', () => {
    const book = bookWith();
    applyLeadEvents(book, [reject('L-1', 'e-1', MONDAY_10AM, 'Not ICP')], at(MONDAY_10AM));
    expect(
      validateLeadEvents(
        book,
        [contact('L-1', 'e-2', MONDAY_10AM), contact('L-9', 'e-3', MONDAY_10AM)],
        at(MONDAY_10AM),
      ),
    ).toEqual([
      'events[0].leadId: lead "L-1" is already closed (rejected, recycled or returned to nurture); its clocks no longer run',
      'events[1].leadId: unknown lead "L-9" — admit it first',
    ]);
  });

  it('refuses times before the lead was created or beyond the intake skew', () => {
    const book = bookWith();
    const now = MONDAY_10AM + HOUR;
    expect(
      validateLeadEvents(
        book,
        [
          contact('L-1', 'e-1', MONDAY_10AM - 1),
          contact('L-1', 'e-2', now + 5 * MINUTE),
          contact('L-1', 'e-3', now + 5 * MINUTE + 1),
        ],
        at(now),
      ),
    ).toEqual([
      'events[0].at: 2026-03-02T14:59:59.999Z is before the lead was created (2026-03-02T15:00:00.000Z)',
      'events[2].at: 2026-03-02T16:05:00.001Z is in the future (now 2026-03-02T16:00:00.000Z)',
    ]);
  });

  it('needs an allowed disposition reason for a rejection', () => {
    const book = bookWith();
    const allowed = 'No response, Not ICP, Bad timing, Competitor';
    expect(
      validateLeadEvents(
        book,
        [reject('L-1', 'e-1', MONDAY_10AM), reject('L-1', 'e-2', MONDAY_10AM, 'Too busy')],
        at(MONDAY_10AM),
      ),
    ).toEqual([
      `events[0].reason: a rejection needs a disposition reason (${allowed})`,
      `events[1].reason: "Too busy" is not an allowed disposition reason (${allowed})`,
    ]);
  });

  it('refuses a second disposition once the lead was accepted', () => {
    const book = bookWith();
    applyLeadEvents(book, [accept('L-1', 'e-1', MONDAY_10AM)], at(MONDAY_10AM));
    expect(
      validateLeadEvents(
        book,
        [accept('L-1', 'e-2', MONDAY_10AM), reject('L-1', 'e-3', MONDAY_10AM, 'Not ICP')],
        at(MONDAY_10AM),
      ),
    ).toEqual(['events[0]: lead "L-1" was already accepted', 'events[1]: lead "L-1" was already accepted']);
  });

  it('refuses a stage that does not move the lead forward', () => {
    const book = bookWith();
    applyLeadEvents(book, [stage('L-1', 'e-1', MONDAY_10AM, 'SQL')], at(MONDAY_10AM));
    expect(
      validateLeadEvents(
        book,
        [stage('L-1', 'e-2', MONDAY_10AM, 'MQL'), stage('L-1', 'e-3', MONDAY_10AM, 'SQL')],
        at(MONDAY_10AM),
      ),
    ).toEqual([
      'events[0].stage: out of order — lead "L-1" is already at SQL; stages go MQL → SQL → Opportunity',
      'events[1].stage: out of order — lead "L-1" is already at SQL; stages go MQL → SQL → Opportunity',
    ]);
  });

  it('lets a repeated event through unchecked, since applying it is a no-op', () => {
    const book = bookWith();
    applyLeadEvents(book, [stage('L-1', 'e-1', MONDAY_10AM, 'SQL')], at(MONDAY_10AM));
    // Same eventId, now out of order and in the future: still not a problem.
    expect(validateLeadEvents(book, [stage('L-1', 'e-1', MONDAY_10AM + DAY, 'MQL')], at(MONDAY_10AM))).toEqual([]);
  });
});

describe('applyLeadEvents', () => {
  it('meets the first-touch clock at the first contact and opens the acceptance window there', () => {
    const book = bookWith();
    const touch = MONDAY_10AM + 2 * HOUR; // Monday 12:00 in New York
    const onFirstTouch = vi.fn();
    const onBreach = vi.fn();
    const outcomes = applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(touch), { onFirstTouch, onBreach });
    expect(outcomes).toEqual([{ eventId: 'e-1', leadId: 'L-1', result: 'applied', status: 'open' }]);
    const lead = book.leads['L-1'];
    expect(lead.attempts).toBe(1);
    expect(lead.firstTouchAt).toBe(touch);
    expect(lead.clocks.firstTouch?.metAt).toBe(touch);
    // The touch came an hour after the deadline, before the deadline's timer fired: a breach at the deadline.
    expect(lead.clocks.firstTouch?.breachedAt).toBe(MONDAY_10AM + HOUR);
    expect(onBreach).toHaveBeenCalledExactlyOnceWith(lead, 'firstTouch');
    // 8 business hours from Monday 12:00: Monday 12–17 (5 h) + Tuesday 09–12; warned 6 h in, Tuesday 10:00.
    expect(lead.clocks.acceptance).toEqual({
      startedAt: touch,
      warnAt: Date.parse('2026-03-03T15:00:00Z'),
      deadline: Date.parse('2026-03-03T17:00:00Z'),
    });
    // A wall-clock tier reports wall time as the elapsed time.
    expect(onFirstTouch).toHaveBeenCalledExactlyOnceWith(lead, 2 * HOUR, 2 * HOUR);
    expect(book.outbox).toEqual({
      // Touched an hour after its 1 h deadline: the owner notification the contract had due is superseded.
      steps: [expect.objectContaining({ stepIndex: 0, outcome: expect.objectContaining({ superseded: true }) })],
      leads: [],
      events: [
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          eventId: 'e-1',
          at: iso(touch),
          kind: 'contact',
          detail: { channel: 'call', attempt: 1, ownerId: 'rep-a' },
        },
      ],
      clocks: [
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          clock: 'firstTouch',
          startedAt: '2026-03-02T15:00:00.000Z',
          deadline: '2026-03-02T16:00:00.000Z',
          metAt: '2026-03-02T17:00:00.000Z',
          breachedAt: '2026-03-02T16:00:00.000Z',
          elapsedBusinessMs: 2 * HOUR,
          elapsedWallMs: 2 * HOUR,
          metRecordedAt: '2026-03-02T17:00:00.000Z',
        },
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          clock: 'acceptance',
          startedAt: '2026-03-02T17:00:00.000Z',
          deadline: '2026-03-03T17:00:00.000Z',
        },
      ],
    });
  });

  it('reports business time to first touch for a business-time tier', () => {
    const book = bookWith('standard');
    const touch = MONDAY_10AM + DAY; // Tuesday 10:00: 7 business hours on Monday + 1 on Tuesday
    const onFirstTouch = vi.fn();
    applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(touch), { onFirstTouch });
    expect(onFirstTouch).toHaveBeenCalledExactlyOnceWith(book.leads['L-1'], 8 * HOUR, DAY);
    expect(book.outbox.clocks[0]).toMatchObject({ elapsedBusinessMs: 8 * HOUR, elapsedWallMs: DAY });
  });

  it('answers a repeated eventId as a duplicate without counting it again', () => {
    const book = bookWith();
    const touch = MONDAY_10AM + MINUTE;
    const outcomes = applyLeadEvents(
      book,
      [contact('L-1', 'e-1', touch), contact('L-1', 'e-1', touch), contact('L-1', 'e-2', touch)],
      at(touch),
    );
    expect(outcomes.map((o) => o.result)).toEqual(['applied', 'duplicate', 'applied']);
    expect(book.leads['L-1'].attempts).toBe(2);
    expect(book.outbox.events.map((e) => e.eventId)).toEqual(['e-1', 'e-2']);
    expect(applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(touch))).toEqual([
      { eventId: 'e-1', leadId: 'L-1', result: 'duplicate', status: 'open' },
    ]);
    expect(book.leads['L-1'].attempts).toBe(2);
  });

  it('meets the follow-up clock at the configured sixth attempt, not before', () => {
    const book = bookWith();
    const touches = [1, 2, 3, 4, 5].map((i) => contact('L-1', `e-${i}`, MONDAY_10AM + i * MINUTE));
    applyLeadEvents(book, touches, at(MONDAY_10AM + HOUR));
    expect(book.leads['L-1'].clocks.followUp?.metAt).toBeUndefined();
    applyLeadEvents(book, [contact('L-1', 'e-6', MONDAY_10AM + 6 * MINUTE)], at(MONDAY_10AM + HOUR));
    expect(book.leads['L-1'].clocks.followUp?.metAt).toBe(MONDAY_10AM + 6 * MINUTE);
    expect(book.leads['L-1'].history.at(-1)).toEqual({
      at: MONDAY_10AM + 6 * MINUTE,
      what: 'contact attempt 6 (call) by rep-a',
    });
  });

  it('meets the follow-up clock when the lead reaches Opportunity', () => {
    const book = bookWith();
    const onStage = vi.fn();
    applyLeadEvents(
      book,
      [stage('L-1', 'e-1', MONDAY_10AM + MINUTE, 'SQL'), stage('L-1', 'e-2', MONDAY_10AM + 2 * MINUTE, 'Opportunity')],
      at(MONDAY_10AM + HOUR),
      { onStage },
    );
    expect(book.leads['L-1'].stage).toBe('Opportunity');
    expect(book.leads['L-1'].clocks.followUp?.metAt).toBe(MONDAY_10AM + 2 * MINUTE);
    expect(onStage.mock.calls.map(([, s]) => s)).toEqual(['SQL', 'Opportunity']);
  });

  it('accepting meets the acceptance clock and keeps the lead open while other clocks run', () => {
    const book = bookWith();
    const onDisposition = vi.fn();
    const touch = MONDAY_10AM + 10 * MINUTE;
    const outcomes = applyLeadEvents(
      book,
      [contact('L-1', 'e-1', touch), accept('L-1', 'e-2', touch + MINUTE)],
      at(MONDAY_10AM + HOUR),
      { onDisposition },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['open', 'accepted']);
    const lead = book.leads['L-1'];
    expect(lead.status).toBe('accepted');
    expect(lead.clocks.acceptance?.metAt).toBe(touch + MINUTE);
    expect(lead.clocks.followUp?.metAt).toBeUndefined();
    expect(onDisposition).toHaveBeenCalledExactlyOnceWith(lead, 'accept', undefined);
    expect(book.outbox.events.map((e) => [e.kind, e.detail])).toEqual([
      ['contact', { channel: 'call', attempt: 1, ownerId: 'rep-a' }],
      ['accept', { ownerId: 'rep-a' }],
    ]);
  });

  it('a lead accepted before any contact never opens an acceptance window', () => {
    const book = bookWith();
    applyLeadEvents(
      book,
      [accept('L-1', 'e-1', MONDAY_10AM + MINUTE), contact('L-1', 'e-2', MONDAY_10AM + 2 * MINUTE)],
      at(MONDAY_10AM + HOUR),
    );
    expect(book.leads['L-1'].clocks.acceptance).toBeUndefined();
    expect(book.leads['L-1'].clocks.firstTouch?.metAt).toBe(MONDAY_10AM + 2 * MINUTE);
  });

  it('rejecting routes by the disposition reason, stops the open clocks and retires the lead', () => {
    for (const [reason, status] of [
      ['No response', 'nurture'],
      ['Competitor', 'recycled'],
    ] as const) {
      const book = bookWith();
      const touch = MONDAY_10AM + 10 * MINUTE;
      const rejectedAt = touch + 5 * MINUTE;
      applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(touch));
      const lead = book.leads['L-1'];
      const outcomes = applyLeadEvents(book, [reject('L-1', 'e-2', rejectedAt, reason)], at(rejectedAt));
      expect(outcomes).toEqual([{ eventId: 'e-2', leadId: 'L-1', result: 'applied', status }]);
      expect(lead.status).toBe(status);
      // The acceptance clock was met by the disposition; the follow-up clock was still running and stops.
      expect(lead.clocks.firstTouch).toMatchObject({ metAt: touch });
      expect(lead.clocks.acceptance).toMatchObject({ metAt: rejectedAt });
      expect(lead.clocks.acceptance?.stoppedAt).toBeUndefined();
      expect(lead.clocks.followUp).toMatchObject({ stoppedAt: rejectedAt });
      expect(book.leads['L-1']).toBeUndefined();
      expect(book.closedLeadIds).toEqual(['L-1']);
      expect(book.ownerLoad).toEqual({ 'rep-a': 0 });
      expect(book.outbox.events.at(-1)).toMatchObject({
        kind: 'reject',
        detail: { reason, route: status === 'nurture' ? 'nurture' : 'recycle', ownerId: 'rep-a' },
      });
      expect(lead.history.at(-1)?.what).toBe(`rejected: ${reason} → ${status === 'nurture' ? 'nurture' : 'recycle'}`);
      // Nothing of a closed lead fires later.
      expect(collectDue(book, at(MONDAY_10AM + 30 * DAY))).toEqual([]);
    }
  });

  it('meeting a breached clock stops its escalation chain', () => {
    const book = bookWith();
    // Breach at 1 h and the notify-owner step right away; confirmed, the reassign step follows 15 min later.
    expect(collectDueConfirmed(book, at(MONDAY_10AM + HOUR)).map((e) => e.type)).toEqual([
      'warning',
      'breach',
      'escalation',
    ]);
    expect(book.leads['L-1'].clocks.firstTouch).toMatchObject({ nextStep: 1, nextStepAt: MONDAY_10AM + 75 * MINUTE });
    applyLeadEvents(book, [contact('L-1', 'e-1', MONDAY_10AM + 70 * MINUTE)], at(MONDAY_10AM + 70 * MINUTE));
    const clock = book.leads['L-1'].clocks.firstTouch;
    expect(clock).toEqual({
      startedAt: MONDAY_10AM,
      warnAt: MONDAY_10AM + 45 * MINUTE,
      deadline: MONDAY_10AM + HOUR,
      warnedAt: MONDAY_10AM + 45 * MINUTE,
      breachedAt: MONDAY_10AM + HOUR,
      breachedOwnerId: 'rep-a',
      metAt: MONDAY_10AM + 70 * MINUTE,
    });
    expect(collectDue(book, at(MONDAY_10AM + 3 * HOUR))).toEqual([]);
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
  });
});

describe('event time against processing time', () => {
  const DEADLINE = MONDAY_10AM + HOUR;
  const LATENESS = 10 * MINUTE; // the default responseSla.allowedLateness

  /** The lead breached at its deadline, the breach alerted and notify-owner confirmed. */
  function breachedBook(): LeadBook {
    const book = bookWith();
    collectDueConfirmed(book, at(DEADLINE));
    drainOutbox(book);
    return book;
  }

  it('withdraws a breach when a touch made before the deadline is reported within the allowed lateness', () => {
    const book = breachedBook();
    const lead = book.leads['L-1'];
    const observers = { onBreachRetracted: vi.fn(), onBreach: vi.fn() };
    const touch = DEADLINE - MINUTE;
    const reported = DEADLINE + LATENESS;
    applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(reported), observers);
    expect(lead.clocks.firstTouch).toEqual({
      startedAt: MONDAY_10AM,
      warnAt: MONDAY_10AM + 45 * MINUTE,
      deadline: DEADLINE,
      warnedAt: MONDAY_10AM + 45 * MINUTE,
      metAt: touch,
      breachRetractedAt: reported,
    });
    expect(observers.onBreachRetracted).toHaveBeenCalledExactlyOnceWith(lead, 'firstTouch', 'rep-a');
    expect(observers.onBreach).not.toHaveBeenCalled();
    expect(lead.history.map((h) => h.what)).toContain(
      'firstTouch breach withdrawn: met at 2026-03-02T15:59:00.000Z, reported late',
    );
    expect(book.outbox.clocks[0]).toEqual({
      campaignId: 'c-1',
      leadId: 'L-1',
      clock: 'firstTouch',
      startedAt: '2026-03-02T15:00:00.000Z',
      deadline: '2026-03-02T16:00:00.000Z',
      warnedAt: '2026-03-02T15:45:00.000Z',
      metAt: '2026-03-02T15:59:00.000Z',
      breachRetractedAt: '2026-03-02T16:10:00.000Z',
      elapsedBusinessMs: 59 * MINUTE,
      elapsedWallMs: 59 * MINUTE,
      metRecordedAt: '2026-03-02T16:10:00.000Z',
    });
    // The chain stops with the withdrawn breach.
    expect(collectDue(book, at(DEADLINE + 3 * HOUR))).toEqual([]);
    expect(lead.ownerId).toBe('rep-a');
  });

  it('keeps the breach when the on-time touch is reported beyond the allowed lateness', () => {
    const book = breachedBook();
    const lead = book.leads['L-1'];
    const onBreachRetracted = vi.fn();
    const reported = DEADLINE + LATENESS + 1;
    applyLeadEvents(book, [contact('L-1', 'e-1', DEADLINE)], at(reported), { onBreachRetracted });
    expect(lead.clocks.firstTouch).toMatchObject({ metAt: DEADLINE, breachedAt: DEADLINE, breachedOwnerId: 'rep-a' });
    expect(lead.clocks.firstTouch?.breachRetractedAt).toBeUndefined();
    expect(onBreachRetracted).not.toHaveBeenCalled();
    expect(book.outbox.clocks[0]).toMatchObject({
      metAt: iso(DEADLINE),
      breachedAt: iso(DEADLINE),
      metRecordedAt: iso(reported),
    });
    expect(book.outbox.clocks[0].breachRetractedAt).toBeUndefined();
  });

  it('names the owner who held the lead at the breach when withdrawing it after a reassignment', () => {
    const terms = seedConfig({ escalation: [{ step: 'reassign', pool: 'inbound', after: '0s' }] });
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(terms, MONDAY_10AM));
    collectDueConfirmed(book, bookContext(terms, DEADLINE));
    const lead = book.leads['L-1'];
    expect(lead.ownerId).toBe('rep-b');
    const onBreachRetracted = vi.fn();
    applyLeadEvents(book, [contact('L-1', 'e-1', DEADLINE - MINUTE)], bookContext(terms, DEADLINE + MINUTE), {
      onBreachRetracted,
    });
    expect(onBreachRetracted).toHaveBeenCalledExactlyOnceWith(lead, 'firstTouch', 'rep-a');
  });

  it('records a breach at the deadline for a late touch that arrives before the breach fired', () => {
    const book = bookWith();
    const lead = book.leads['L-1'];
    const onBreach = vi.fn();
    const touch = DEADLINE + 5 * MINUTE;
    applyLeadEvents(book, [contact('L-1', 'e-1', touch)], at(touch + MINUTE), { onBreach });
    expect(onBreach).toHaveBeenCalledExactlyOnceWith(lead, 'firstTouch');
    expect(lead.clocks.firstTouch).toEqual({
      startedAt: MONDAY_10AM,
      warnAt: MONDAY_10AM + 45 * MINUTE,
      deadline: DEADLINE,
      metAt: touch,
      breachedAt: DEADLINE,
      breachedOwnerId: 'rep-a',
    });
    expect(lead.history.slice(1)).toEqual([
      { at: touch, what: 'contact attempt 1 (call) by rep-a' },
      { at: DEADLINE, what: 'firstTouch breached' },
      { at: touch + MINUTE, what: `notify-owner superseded: the lead was handled at ${iso(touch)}` },
    ]);
    expect(book.outbox.clocks[0]).toMatchObject({
      breachedAt: iso(DEADLINE),
      metAt: iso(touch),
      metRecordedAt: iso(touch + MINUTE),
    });
    // The warning and breach timers still queued fire nothing, and no chain starts.
    expect(collectDue(book, at(touch + HOUR))).toEqual([]);
  });

  it('records no breach for a touch exactly at the deadline, even when it is processed later', () => {
    const book = bookWith();
    const onBreach = vi.fn();
    applyLeadEvents(book, [contact('L-1', 'e-1', DEADLINE)], at(DEADLINE + 3 * MINUTE), { onBreach });
    expect(onBreach).not.toHaveBeenCalled();
    expect(book.leads['L-1'].clocks.firstTouch?.breachedAt).toBeUndefined();
    expect(collectDue(book, at(DEADLINE + 3 * MINUTE))).toEqual([]);
  });
});

describe('batches that overtake themselves', () => {
  it("answers events after one that closed the lead in the same batch as 'closed'", () => {
    const book = bookWith();
    const now = MONDAY_10AM + 20 * MINUTE;
    const batch = [
      contact('L-1', 'e-1', MONDAY_10AM + 5 * MINUTE),
      reject('L-1', 'e-2', MONDAY_10AM + 10 * MINUTE, 'Not ICP'),
      contact('L-1', 'e-3', MONDAY_10AM + 15 * MINUTE),
      accept('L-1', 'e-4', MONDAY_10AM + 15 * MINUTE),
    ];
    // Validation sees the book before the batch, where the lead is open.
    expect(validateLeadEvents(book, batch, at(now))).toEqual([]);
    expect(applyLeadEvents(book, batch, at(now))).toEqual([
      { eventId: 'e-1', leadId: 'L-1', result: 'applied', status: 'open' },
      { eventId: 'e-2', leadId: 'L-1', result: 'applied', status: 'recycled' },
      { eventId: 'e-3', leadId: 'L-1', result: 'closed', status: 'closed' },
      { eventId: 'e-4', leadId: 'L-1', result: 'closed', status: 'closed' },
    ]);
    expect(book.outbox.events.map((e) => e.eventId)).toEqual(['e-1', 'e-2']);
    expect(book.closedLeadIds).toEqual(['L-1']);
    expect(book.ownerLoad).toEqual({ 'rep-a': 0 });
  });

  it("answers a second decision or a stage that does not move forward in the same batch as 'superseded'", () => {
    const book = bookWith();
    const now = MONDAY_10AM + 20 * MINUTE;
    const batch = [
      accept('L-1', 'e-1', MONDAY_10AM + MINUTE),
      accept('L-1', 'e-2', MONDAY_10AM + 2 * MINUTE),
      reject('L-1', 'e-3', MONDAY_10AM + 3 * MINUTE, 'Not ICP'),
      stage('L-1', 'e-4', MONDAY_10AM + 4 * MINUTE, 'SQL'),
      stage('L-1', 'e-5', MONDAY_10AM + 5 * MINUTE, 'MQL'),
      stage('L-1', 'e-6', MONDAY_10AM + 6 * MINUTE, 'SQL'),
    ];
    expect(validateLeadEvents(book, batch, at(now))).toEqual([]);
    const onDisposition = vi.fn();
    expect(
      applyLeadEvents(book, batch, at(now), { onDisposition }).map((o) => [o.eventId, o.result, o.status]),
    ).toEqual([
      ['e-1', 'applied', 'accepted'],
      ['e-2', 'superseded', 'accepted'],
      ['e-3', 'superseded', 'accepted'],
      ['e-4', 'applied', 'accepted'],
      ['e-5', 'superseded', 'accepted'],
      ['e-6', 'superseded', 'accepted'],
    ]);
    const lead = book.leads['L-1'];
    expect(lead).toMatchObject({ status: 'accepted', stage: 'SQL' });
    expect(onDisposition).toHaveBeenCalledOnce();
    expect(book.outbox.events.map((e) => e.eventId)).toEqual(['e-1', 'e-4']);
    // A superseded event is not remembered as applied: sent again, it is superseded again, not a duplicate.
    expect(lead.eventIds).toEqual(['e-1', 'e-4']);
    expect(applyLeadEvents(book, [stage('L-1', 'e-5', MONDAY_10AM, 'MQL')], at(now))).toEqual([
      { eventId: 'e-5', leadId: 'L-1', result: 'superseded', status: 'accepted' },
    ]);
  });
});

describe('a touch after the deadline that comes before the breach fired', () => {
  it('records the breach at the deadline and the chain step the contract had due before the touch as superseded', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    drainOutbox(book);
    const deadline = MONDAY_10AM + HOUR;
    applyLeadEvents(book, [contact('L-1', 'e-1', deadline + 20 * MINUTE)], bookContext(config, deadline + 21 * MINUTE));
    const clock = book.leads['L-1'].clocks.firstTouch!;
    expect(clock.breachedAt).toBe(deadline);
    expect(clock.nextStep).toBeUndefined();
    expect(drainOutbox(book).steps).toEqual([
      expect.objectContaining({
        stepIndex: 0,
        step: 'notify-owner',
        outcome: { superseded: true, handledAt: new Date(deadline + 20 * MINUTE).toISOString(), failedAttempts: 0 },
      }),
    ]);
  });

  it('runs recorded before that record nothing', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    drainOutbox(book);
    const deadline = MONDAY_10AM + HOUR;
    applyLeadEvents(book, [contact('L-1', 'e-1', deadline + MINUTE)], bookContext(config, deadline + 2 * MINUTE), {
      recordsSupersededOnLateBreach: () => false,
    });
    expect(drainOutbox(book).steps ?? []).toEqual([]);
  });
});

describe("a met clock's elapsed time is in its own time base, paused or not", () => {
  /** The elapsed times recorded when `kind` was met. */
  const metRecord = (book: LeadBook, kind: string) => {
    const row = book.outbox.clocks.find((c) => c.clock === kind && c.metAt !== undefined);
    return { elapsedBusinessMs: row?.elapsedBusinessMs, elapsedWallMs: row?.elapsedWallMs };
  };

  it("business-time acceptance on a wall-clock tier: business time, not the tier's wall time", () => {
    // High intent counts wall time; acceptance counts 8 business hours (NY Mon-Fri 09:00-17:00).
    const book = bookWith('high-intent');
    const touch = MONDAY_10AM + 10 * MINUTE; // Mon 10:10 EST
    applyLeadEvents(book, [contact('L-1', 'c-1', touch)], at(touch));
    expect(iso(book.leads['L-1'].clocks.acceptance!.deadline)).toBe('2026-03-03T15:10:00.000Z'); // Tue 10:10 EST
    const decided = Date.parse('2026-03-03T15:00:00Z'); // Tue 10:00 EST, on time
    applyLeadEvents(book, [accept('L-1', 'a-1', decided)], at(decided));
    // 6h50 on Monday and 1h on Tuesday; the tier's wall clock would say 23h50.
    expect(metRecord(book, 'acceptance')).toEqual({
      elapsedBusinessMs: 7 * HOUR + 50 * MINUTE,
      elapsedWallMs: 23 * HOUR + 50 * MINUTE,
    });
  });

  it("wall-clock acceptance on a business-time tier: wall time, not the tier's business time", () => {
    const wallAcceptance = {
      ...config,
      responseSla: { ...config.responseSla, acceptance: { within: 24 * HOUR, clock: 'wall' as const } },
    };
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM, 'standard')], bookContext(wallAcceptance, MONDAY_10AM));
    const touch = MONDAY_10AM + 6 * HOUR; // Mon 16:00 EST
    applyLeadEvents(book, [contact('L-1', 'c-1', touch)], bookContext(wallAcceptance, touch));
    const decided = touch + 18 * HOUR; // Tue 10:00 EST: 2 business hours later
    applyLeadEvents(book, [accept('L-1', 'a-1', decided)], bookContext(wallAcceptance, decided));
    expect(metRecord(book, 'acceptance')).toEqual({ elapsedBusinessMs: 18 * HOUR, elapsedWallMs: 18 * HOUR });
  });

  it('follow-up counts wall time on a business-time tier', () => {
    const book = bookWith('standard');
    // Six attempts, the last Mon 18:00 EST: 8 hours after intake, 7 of them business hours.
    const touches = [1, 2, 3, 4, 5, 6].map((i) =>
      contact('L-1', `c-${i}`, MONDAY_10AM + (i === 6 ? 8 * HOUR : i * MINUTE)),
    );
    applyLeadEvents(book, touches, at(MONDAY_10AM + 8 * HOUR));
    expect(metRecord(book, 'followUp')).toEqual({ elapsedBusinessMs: 8 * HOUR, elapsedWallMs: 8 * HOUR });
    // First touch still counts its tier's business time.
    expect(metRecord(book, 'firstTouch')).toEqual({ elapsedBusinessMs: MINUTE, elapsedWallMs: MINUTE });
  });

  it('an acceptance clock that paused counts in the same base as one that did not', () => {
    const pausing = seedConfig({ responseSla: { pauseWhile: { status: ['Waiting on customer'] } } });
    const ctx = (ms: number) => bookContext(pausing, ms);
    const status = (eventId: string, when: number, value: string): LeadEvent => ({
      type: 'status',
      leadId: 'L-1',
      eventId,
      status: value,
      at: iso(when),
    });
    const acceptedTuesday = (pause: boolean) => {
      const book = emptyLeadBook();
      admitLeads(book, [newLead('L-1', MONDAY_10AM, 'high-intent')], ctx(MONDAY_10AM));
      const touch = MONDAY_10AM + 10 * MINUTE;
      applyLeadEvents(book, [contact('L-1', 'c-1', touch)], ctx(touch));
      if (pause) {
        // Waiting on the customer Mon 11:00-12:00 EST: one business hour stood still.
        applyLeadEvents(book, [status('s-1', MONDAY_10AM + HOUR, 'Waiting on customer')], ctx(MONDAY_10AM + HOUR));
        applyLeadEvents(book, [status('s-2', MONDAY_10AM + 2 * HOUR, 'Working')], ctx(MONDAY_10AM + 2 * HOUR));
      }
      const decided = Date.parse('2026-03-03T15:00:00Z'); // Tue 10:00 EST
      applyLeadEvents(book, [accept('L-1', 'a-1', decided)], ctx(decided));
      return book.outbox.clocks.find((c) => c.clock === 'acceptance' && c.metAt !== undefined);
    };
    expect(acceptedTuesday(false)).toMatchObject({ elapsedBusinessMs: 7 * HOUR + 50 * MINUTE });
    expect(acceptedTuesday(true)).toMatchObject({ elapsedBusinessMs: 6 * HOUR + 50 * MINUTE, pausedMs: HOUR });
  });
});
