// A lead deleted or merged away in the CRM while its escalation runs. Salesforce refuses every write to it for good
// (ENTITY_IS_DELETED); before, the step failed and came back every 5 minutes for as long as the campaign ran, the
// lead stayed open and the CRM poll kept asking about it. Now the activity looks the lead up once and the book
// closes it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { crmRequestRejected } from '../activities/crm/crmFailures';
import { createEscalationActivities } from '../activities/escalationSteps';
import type { ActivityDeps } from '../activities/campaignActivities';
import type { CrmRemovedLead } from '../activities/ports';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  completeEscalationStep,
  drainOutbox,
  emptyLeadBook,
  validateLeadEvents,
  type EscalationEffect,
  type StepResult,
} from '../sla/leadBook';
import type { LeadEvent } from '../sla/leadEvents';
import {
  bookContext,
  HOUR,
  iso,
  MINUTE,
  MONDAY_10AM,
  newLead,
  seedConfig,
  reassignStep as reassign,
} from './support/leadBook';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const env = new MockActivityEnvironment(undefined, { logger: quiet });

function deps(opts: { refusal: Error; removed: CrmRemovedLead[] | Error }) {
  const lookups: string[][] = [];
  const d = {
    ports: {
      crm: async () => ({
        async setOwner() {
          throw opts.refusal;
        },
        async setLeadStatus() {
          throw opts.refusal;
        },
        async removedLeads(leadIds: string[]) {
          lookups.push(leadIds);
          if (opts.removed instanceof Error) throw opts.removed;
          return opts.removed;
        },
      }),
    },
    notifier: { notify: async () => undefined },
    ledger: { recordLeadActivity: async () => undefined, recordEscalationStep: async () => undefined },
  } as unknown as ActivityDeps;
  return { d, lookups };
}

const deleted = crmRequestRejected('setOwner: Salesforce ENTITY_IS_DELETED: entity is deleted');
const run = async (d: ActivityDeps, step: EscalationEffect & { at: string } = reassign) =>
  (
    (await env.run(createEscalationActivities(d).runEscalationSteps, {
      campaignId: 'c-1',
      steps: [step],
    })) as StepResult[]
  )[0];

describe('runEscalationSteps on a lead the CRM no longer holds', () => {
  it('a write refused for good: one lookup, and the step says the lead was merged away', async () => {
    const { d, lookups } = deps({
      refusal: deleted,
      removed: [{ leadId: reassign.leadId, mergedInto: '00Q000000000000002AAA' }],
    });
    expect(await run(d)).toMatchObject({ ok: false, removed: { mergedInto: '00Q000000000000002AAA' } });
    expect(lookups).toEqual([[reassign.leadId]]);
    const nurture = { ...reassign, stepIndex: 3, step: 'return-to-nurture' as const, newOwnerId: undefined };
    expect(
      await run(deps({ refusal: deleted, removed: [{ leadId: reassign.leadId, mergedInto: null }] }).d, nurture),
    ).toMatchObject({ ok: false, removed: { mergedInto: null } });
  });

  it('a refusal for a lead the CRM still holds, a lookup that fails, or a failure that may pass: a plain failure', async () => {
    const held = deps({ refusal: deleted, removed: [] });
    expect(await run(held.d)).not.toHaveProperty('removed');
    const lookupDown = deps({ refusal: deleted, removed: new Error('CRM 503') });
    expect(await run(lookupDown.d)).toEqual({
      leadId: reassign.leadId,
      clock: 'firstTouch',
      stepIndex: 1,
      ok: false,
      error: 'setOwner: Salesforce ENTITY_IS_DELETED: entity is deleted',
    });
    // A 503 is retried as before, without a lookup.
    const transient = deps({ refusal: new Error('CRM 503'), removed: [{ leadId: reassign.leadId, mergedInto: null }] });
    expect(await run(transient.d)).not.toHaveProperty('removed');
    expect(transient.lookups).toEqual([]);
    // A notification step writes nothing to the CRM: nothing to look up.
    const notify = { ...reassign, stepIndex: 0, step: 'notify-owner' as const, newOwnerId: undefined };
    expect(await run(deps({ refusal: deleted, removed: [] }).d, notify)).toMatchObject({ ok: true });
  });
});

describe('the lead book on a removed lead', () => {
  it('stops its clocks, closes it with a removed event and retires it untouched: nothing comes due again', () => {
    const config = seedConfig();
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    drainOutbox(book);
    let now = MONDAY_10AM + HOUR;
    let step: EscalationEffect | undefined;
    // Confirm steps until the chain reaches one that writes to the CRM.
    for (let guard = 0; guard < 10 && !step; guard += 1) {
      for (const effect of collectDue(book, bookContext(config, now))) {
        if (effect.type !== 'escalation') continue;
        const ref = { leadId: effect.leadId, clock: effect.clock, stepIndex: effect.stepIndex };
        if (effect.step === 'reassign' || effect.step === 'return-to-nurture') step = effect;
        else completeEscalationStep(book, bookContext(config, now), { ...ref, ok: true }, effect);
      }
      now += 15 * 60_000;
    }
    expect(step).toBeDefined();
    const closedUntouched: string[] = [];
    const outcome = completeEscalationStep(
      book,
      bookContext(config, now),
      {
        leadId: 'L-1',
        clock: step!.clock,
        stepIndex: step!.stepIndex,
        ok: false,
        error: 'entity is deleted',
        removed: { mergedInto: 'L-2' },
      },
      step!,
      { onClosedUntouched: (lead) => closedUntouched.push(lead.leadId) },
    );
    expect(outcome).toBe('removed');
    expect(book.leads['L-1']).toBeUndefined();
    expect(closedUntouched).toEqual(['L-1']);
    expect(drainOutbox(book).events).toEqual([
      expect.objectContaining({ leadId: 'L-1', kind: 'removed', detail: { mergedInto: 'L-2' } }),
    ]);
    expect(collectDue(book, bookContext(config, now + 30 * 24 * HOUR))).toEqual([]);
  });
});

/** A book holding L-1 (high-intent, 1 hour wall clock), admitted at 10:00 Monday. */
function bookWithLead() {
  const config = seedConfig();
  const book = emptyLeadBook();
  admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
  drainOutbox(book);
  return { config, book };
}

const removedEvent = (at: number, mergedInto?: string): LeadEvent => ({
  type: 'removed',
  leadId: 'L-1',
  eventId: 'L-1:removed',
  ...(mergedInto ? { mergedInto } : {}),
  at: iso(at),
});

describe('the lead book on a lead the CRM poll found removed (event time)', () => {
  it('stops its clocks when it left, not when we heard, and closes it once with that time', () => {
    const { config, book } = bookWithLead();
    const ctx = bookContext(config, MONDAY_10AM + 40 * MINUTE);
    const events = [removedEvent(MONDAY_10AM + 20 * MINUTE, 'L-2')];
    expect(validateLeadEvents(book, events, ctx)).toEqual([]);
    const retired: string[] = [];
    expect(applyLeadEvents(book, events, ctx, { onRetired: (lead) => retired.push(lead.leadId) })).toEqual([
      expect.objectContaining({ leadId: 'L-1', result: 'applied' }),
    ]);
    expect(retired).toEqual(['L-1']);
    expect(book.leads['L-1']).toBeUndefined();
    expect(drainOutbox(book).events).toEqual([
      expect.objectContaining({ kind: 'removed', at: iso(MONDAY_10AM + 20 * MINUTE), detail: { mergedInto: 'L-2' } }),
    ]);
    // Closed: its deadline passes without a breach, and a repeat of the event is refused as for a closed lead.
    expect(collectDue(book, bookContext(config, MONDAY_10AM + 2 * HOUR))).toEqual([]);
    expect(validateLeadEvents(book, events, ctx)[0]).toMatch(/already closed/);
  });

  it('withdraws a breach that fired after it left, when the poll tells within the allowed lateness; later it stands', () => {
    for (const [reportedAfterDeadline, withdrawn] of [
      [5 * MINUTE, true],
      [15 * MINUTE, false],
    ] as const) {
      const { config, book } = bookWithLead();
      const deadline = MONDAY_10AM + HOUR;
      // The breach fires at the deadline: the lead was deleted at 10:50, the poll tells after.
      const fired = collectDue(book, bookContext(config, deadline));
      expect(fired.some((effect) => effect.type === 'breach')).toBe(true);
      drainOutbox(book);
      const retracted: string[] = [];
      const ctx = bookContext(config, deadline + reportedAfterDeadline);
      applyLeadEvents(book, [removedEvent(deadline - 10 * MINUTE)], ctx, {
        onBreachRetracted: (lead, clock) => retracted.push(`${lead.leadId}/${clock}`),
      });
      expect(book.leads['L-1']).toBeUndefined();
      expect(retracted).toEqual(withdrawn ? ['L-1/firstTouch'] : []);
      const { clocks, events } = drainOutbox(book);
      expect(events).toEqual([expect.objectContaining({ kind: 'removed', at: iso(deadline - 10 * MINUTE) })]);
      const firstTouch = clocks.filter((row) => row.clock === 'firstTouch').at(-1);
      if (withdrawn) expect(firstTouch).toMatchObject({ breachRetractedAt: iso(deadline + reportedAfterDeadline) });
      else expect(firstTouch?.breachRetractedAt).toBeUndefined();
    }
  });

  it('a removal before the lead was created or in the future is refused, naming the field', () => {
    const { config, book } = bookWithLead();
    const ctx = bookContext(config, MONDAY_10AM + HOUR);
    expect(validateLeadEvents(book, [removedEvent(MONDAY_10AM - HOUR)], ctx)[0]).toMatch(/^events\[0\]\.at: .* before/);
    expect(validateLeadEvents(book, [removedEvent(MONDAY_10AM + 3 * HOUR)], ctx)[0]).toMatch(/in the future/);
  });
});

describe('the lead book on a removed lead found by a refused step', () => {
  it('stops its clocks at the time the CRM gives, kept between its admission and now', () => {
    for (const [removedAt, expected] of [
      [MONDAY_10AM + 30 * MINUTE, MONDAY_10AM + 30 * MINUTE],
      [MONDAY_10AM - HOUR, MONDAY_10AM],
    ]) {
      const { config, book } = bookWithLead();
      const now = MONDAY_10AM + 2 * HOUR;
      const due = collectDue(book, bookContext(config, MONDAY_10AM + HOUR));
      const first = due.find((effect): effect is EscalationEffect => effect.type === 'escalation');
      expect(first).toBeDefined();
      drainOutbox(book);
      const outcome = completeEscalationStep(
        book,
        bookContext(config, now),
        {
          leadId: 'L-1',
          clock: first!.clock,
          stepIndex: first!.stepIndex,
          ok: false,
          error: 'entity is deleted',
          removed: { mergedInto: null, removedAt: iso(removedAt) },
        },
        first!,
      );
      expect(outcome).toBe('removed');
      expect(drainOutbox(book).events).toEqual([expect.objectContaining({ kind: 'removed', at: iso(expected) })]);
    }
  });
});
