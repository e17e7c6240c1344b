// The escalation steps activity: a step is done when its side effect is done. A ledger that fails after the CRM
// took the change must not make the step look undone; its rows go back to the workflow to write.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createEscalationActivities } from '../activities/escalationSteps';
import type { ActivityDeps } from '../activities/campaignActivities';
import type { EscalationEffect, StepResult } from '../sla/leadBook';

const reassign: EscalationEffect & { at: string } = {
  type: 'escalation',
  leadId: '00Q000000000000001',
  clock: 'firstTouch',
  tier: 'standard',
  stepIndex: 1,
  step: 'reassign',
  ownerId: 'rep-a',
  newOwnerId: 'rep-b',
  pool: 'overflow',
  at: '2026-03-02T10:00:00.000Z',
};

function deps(opts: { ledgerDown?: boolean; crmDown?: boolean }) {
  const owners: string[] = [];
  const notified: string[] = [];
  const failLedger = async () => {
    if (opts.ledgerDown) throw new Error('ledger down');
  };
  const d = {
    ports: {
      crm: async () => ({
        async setOwner(_lead: string, owner: string) {
          if (opts.crmDown) throw new Error('CRM 503');
          owners.push(owner);
          return { stuck: true, actualOwnerId: owner };
        },
      }),
    },
    notifier: { notify: async (alert: { dedupeKey: string }) => void notified.push(alert.dedupeKey) },
    ledger: { recordLeadActivity: failLedger, recordEscalationStep: failLedger },
  } as unknown as ActivityDeps;
  return { d, owners, notified };
}

const run = (d: ActivityDeps): Promise<StepResult[]> =>
  new MockActivityEnvironment().run(createEscalationActivities(d).runEscalationSteps, {
    campaignId: 'c-1',
    steps: [reassign],
  }) as Promise<StepResult[]>;

describe('runEscalationSteps', () => {
  it('records the step itself when the ledger answers', async () => {
    const { d, owners } = deps({});
    expect(await run(d)).toEqual([{ leadId: reassign.leadId, clock: 'firstTouch', stepIndex: 1, ok: true }]);
    expect(owners).toEqual(['rep-b']);
  });

  it('a ledger down after the CRM took the reassignment: done, with its rows for the workflow to write', async () => {
    const { d, owners, notified } = deps({ ledgerDown: true });
    const [result] = await run(d);
    expect(owners).toEqual(['rep-b']);
    expect(notified).toEqual([`c-1:${reassign.leadId}:firstTouch:step1`]);
    expect(result).toMatchObject({ ok: true, unrecorded: { step: { stepIndex: 1, step: 'reassign' } } });
    expect(result.ok && result.unrecorded?.events).toEqual([
      expect.objectContaining({ kind: 'owner-change', eventId: `c-1:${reassign.leadId}:firstTouch:step1` }),
    ]);
  });

  it('a CRM that refuses is a failed step (nothing happened)', async () => {
    const { d, notified } = deps({ crmDown: true });
    expect(await run(d)).toEqual([
      { leadId: reassign.leadId, clock: 'firstTouch', stepIndex: 1, ok: false, error: 'CRM 503' },
    ]);
    expect(notified).toEqual([]);
  });
});
