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
  collectDue,
  completeEscalationStep,
  drainOutbox,
  emptyLeadBook,
  type EscalationEffect,
  type StepResult,
} from '../sla/leadBook';
import { bookContext, HOUR, MONDAY_10AM, newLead, seedConfig, reassignStep as reassign } from './support/leadBook';

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
