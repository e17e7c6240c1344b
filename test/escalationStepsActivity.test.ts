// The escalation steps activity: a step is done when its side effect is done. A ledger that fails after the CRM
// took the change must not make the step look undone; its rows go back to the workflow to write.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createEscalationActivities } from '../activities/escalationSteps';
import { salesforceId } from '../activities/crm/salesforceIds';
import type { ActivityDeps } from '../activities/campaignActivities';
import type { Alert } from '../sla/alerts';
import {
  admitLeads,
  collectDue,
  completeEscalationStep,
  drainOutbox,
  emptyLeadBook,
  nextDueAt,
  type EscalationEffect,
  type StepResult,
} from '../sla/leadBook';
import { collectDueConfirmed } from './support/dueSteps';
import {
  bookContext,
  HOUR,
  MINUTE,
  MONDAY_10AM,
  newLead,
  seedConfig,
  reassignStep as reassign,
} from './support/leadBook';

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

const ref = (s: EscalationEffect) => ({ leadId: s.leadId, clock: s.clock, stepIndex: s.stepIndex });

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

  it("an owner the CRM's automation chose is named in the contract's form of the rep (15 or 18 characters)", async () => {
    const rep15 = salesforceId('005', 7).slice(0, 15);
    const d = {
      ports: {
        // An assignment rule moved the lead to that rep; Salesforce reads IDs back in their 18-character form.
        crm: async () => ({ setOwner: async () => ({ stuck: false, actualOwnerId: salesforceId('005', 7) }) }),
      },
      notifier: { notify: async () => undefined },
      ledger: { recordLeadActivity: async () => undefined, recordEscalationStep: async () => undefined },
    } as unknown as ActivityDeps;
    const [result] = (await new MockActivityEnvironment().run(createEscalationActivities(d).runEscalationSteps, {
      campaignId: 'c-1',
      steps: [reassign],
      repIds: ['rep-a', rep15],
    })) as StepResult[];
    expect(result).toMatchObject({ ok: true, ownerInCrm: rep15 });
  });

  it('a CRM that refuses is a failed step (nothing happened)', async () => {
    const { d, notified } = deps({ crmDown: true });
    expect(await run(d)).toEqual([
      { leadId: reassign.leadId, clock: 'firstTouch', stepIndex: 1, ok: false, error: 'CRM 503' },
    ]);
    expect(notified).toEqual([]);
  });
});

describe('a step whose CRM write is done when something after it fails', () => {
  const alertKey = `c-1:${reassign.leadId}:firstTouch:step1`;
  const failingNotifier = () => ({
    notify: async () => {
      throw new Error('Slack webhook 503');
    },
  });

  it('a notification that fails after the CRM took the reassignment: done, its alert for the workflow outbox', async () => {
    const { d, owners } = deps({});
    const [result] = await run({ ...d, notifier: failingNotifier() } as unknown as ActivityDeps);
    expect(owners).toEqual(['rep-b']);
    expect(result).toMatchObject({ ok: true, unsentAlert: { dedupeKey: alertKey, severity: 'warning' } });
    expect(result.ok && result.unrecorded).toBeUndefined();
  });

  it('a notification that fails after return-to-nurture: done, the status written once, its alert kept', async () => {
    const statuses: string[] = [];
    const d = {
      ports: { crm: async () => ({ setLeadStatus: async (_lead: string, s: string) => void statuses.push(s) }) },
      notifier: failingNotifier(),
      ledger: { recordLeadActivity: async () => undefined, recordEscalationStep: async () => undefined },
    } as unknown as ActivityDeps;
    const nurture = { ...reassign, stepIndex: 3, step: 'return-to-nurture' as const, newOwnerId: undefined };
    const [result] = (await new MockActivityEnvironment().run(createEscalationActivities(d).runEscalationSteps, {
      campaignId: 'c-1',
      steps: [nurture],
    })) as StepResult[];
    expect(statuses).toEqual(['Nurturing']);
    expect(result).toMatchObject({ ok: true, unsentAlert: { dedupeKey: `c-1:${reassign.leadId}:firstTouch:step3` } });
    // A contract that names its nurture status gets that one written.
    statuses.length = 0;
    await new MockActivityEnvironment().run(createEscalationActivities(d).runEscalationSteps, {
      campaignId: 'c-1',
      steps: [nurture],
      nurtureStatus: 'Recycled - Nurture',
    });
    expect(statuses).toEqual(['Recycled - Nurture']);
  });

  it('a step that is only a notification still fails when the notification does (nothing happened)', async () => {
    const { d } = deps({});
    const notifyOwner = { ...reassign, stepIndex: 0, step: 'notify-owner' as const, newOwnerId: undefined };
    const [result] = (await new MockActivityEnvironment().run(
      createEscalationActivities({ ...d, notifier: failingNotifier() } as unknown as ActivityDeps).runEscalationSteps,
      { campaignId: 'c-1', steps: [notifyOwner] },
    )) as StepResult[];
    expect(result).toEqual({ ...ref(notifyOwner), ok: false, error: 'Slack webhook 503' });
  });

  it('writes one owner to the CRM for one reassign step, even when the notification after it failed once', async () => {
    // Regression: the step was reported failed, its retry re-planned it and took the next round-robin turn, and
    // Salesforce got a second, different owner (rep-b, then rep-c).
    const config = seedConfig();
    const BREACH = MONDAY_10AM + HOUR;
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    drainOutbox(book);
    collectDueConfirmed(book, bookContext(config, BREACH)); // breach + notify-owner, confirmed
    const crmOwners: string[] = [];
    let notifyFailures = 1;
    const d = {
      ports: {
        crm: async () => ({
          async setOwner(_lead: string, owner: string) {
            crmOwners.push(owner);
            return { stuck: true, actualOwnerId: owner };
          },
        }),
      },
      notifier: {
        notify: async () => {
          if (notifyFailures-- > 0) throw new Error('Slack webhook 503');
          return { delivered: true, deduped: false };
        },
      },
      ledger: { recordLeadActivity: async () => undefined, recordEscalationStep: async () => undefined },
    } as unknown as ActivityDeps;
    let now = BREACH + 15 * MINUTE;
    const outbox: Alert[] = [];
    for (let round = 0; round < 2; round += 1) {
      const steps = collectDue(book, bookContext(config, now)).filter(
        (e): e is EscalationEffect => e.type === 'escalation' && e.step === 'reassign',
      );
      expect(steps).toHaveLength(1);
      const [result] = (await new MockActivityEnvironment().run(createEscalationActivities(d).runEscalationSteps, {
        campaignId: 'c-1',
        steps: [{ ...steps[0], at: new Date(now).toISOString() }],
      })) as StepResult[];
      if (result.ok && result.unsentAlert) outbox.push(result.unsentAlert);
      completeEscalationStep(book, bookContext(config, now), result, steps[0]);
      if (result.ok) break;
      now = nextDueAt(book)!;
    }
    expect(crmOwners).toEqual(['rep-b']);
    expect(book.leads['L-1'].ownerId).toBe('rep-b');
    expect(outbox.map((a) => a.dedupeKey)).toEqual(['c-1:L-1:firstTouch:step1']);
  });
});

describe('every mix of CRM, notification and ledger failures across the retries of a chain', () => {
  // Each step of the seed chain (notify owner → reassign → manager → nurture) meets the same two faulty attempts,
  // then one that works. Whatever fails, and in whatever order: the CRM gets one owner and one status (written again
  // at most, never a different one), the round-robin turns once, every step's alert is delivered at least once
  // (inline or through the workflow's outbox) and every step's ledger row is written (by the step or the workflow).
  type Crm = 'ok' | 'refused' | 'read-back fails';
  type Attempt = { crm: Crm; notify: boolean; ledger: boolean };
  const attempts: Attempt[] = [];
  for (const crm of ['ok', 'refused', 'read-back fails'] as const)
    for (const notify of [true, false]) for (const ledger of [true, false]) attempts.push({ crm, notify, ledger });
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const env = new MockActivityEnvironment(undefined, { logger: quiet });

  async function runChain(script: Attempt[]) {
    const config = seedConfig();
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], bookContext(config, MONDAY_10AM));
    drainOutbox(book);
    const crm = { owner: 'rep-a', status: 'New', ownerWrites: [] as string[], statusWrites: [] as string[] };
    const delivered = new Set<string>();
    const ledgerRows = new Set<number>();
    let attempt: Attempt = { crm: 'ok', notify: true, ledger: true };
    const write = async (apply: () => void) => {
      if (attempt.crm === 'refused') throw new Error('CRM 503');
      apply();
      if (attempt.crm === 'read-back fails') throw new Error('CRM read-back 503');
    };
    const d = {
      ports: {
        crm: async () => ({
          setOwner: (_lead: string, owner: string) =>
            write(() => {
              crm.ownerWrites.push(owner);
              crm.owner = owner;
            }).then(() => ({ stuck: true, actualOwnerId: crm.owner })),
          setLeadStatus: (_lead: string, status: string) =>
            write(() => {
              crm.statusWrites.push(status);
              crm.status = status;
            }),
        }),
      },
      notifier: {
        notify: async (alert: Alert) => {
          if (!attempt.notify) throw new Error('Slack 503');
          delivered.add(alert.dedupeKey);
        },
      },
      ledger: {
        recordLeadActivity: async () => {
          if (!attempt.ledger) throw new Error('ledger down');
        },
        recordEscalationStep: async (row: { stepIndex: number }) => {
          if (!attempt.ledger) throw new Error('ledger down');
          ledgerRows.add(row.stepIndex);
        },
      },
    } as unknown as ActivityDeps;
    const { runEscalationSteps } = createEscalationActivities(d);
    const turns: unknown[] = [];
    const tried = new Map<number, number>();
    let now = MONDAY_10AM + HOUR;
    for (let guard = 0; guard < 50 && book.leads['L-1']; guard += 1) {
      const effects = collectDue(book, bookContext(config, now)).filter(
        (e): e is EscalationEffect => e.type === 'escalation',
      );
      for (const effect of effects) {
        const n = tried.get(effect.stepIndex) ?? 0;
        tried.set(effect.stepIndex, n + 1);
        attempt = script[n] ?? { crm: 'ok', notify: true, ledger: true };
        const [result] = (await env.run(runEscalationSteps, {
          campaignId: 'c-1',
          steps: [{ ...effect, at: new Date(now).toISOString() }],
        })) as StepResult[];
        if (effect.step === 'reassign') turns.push(structuredClone(book.roundRobin));
        // The workflow: the outbox alert is sent by sendAlerts, retried until delivered.
        if (result.ok && result.unsentAlert) delivered.add(result.unsentAlert.dedupeKey);
        completeEscalationStep(book, bookContext(config, now), result, effect);
      }
      for (const row of drainOutbox(book).steps ?? []) ledgerRows.add(row.stepIndex);
      const next = nextDueAt(book);
      if (next === undefined) break;
      now = Math.max(now, next);
    }
    return { crm, delivered, ledgerRows, turns, book };
  }

  it('writes each owner and status at most once (the same one again at most) and delivers every alert', async () => {
    let runs = 0;
    for (const first of attempts)
      for (const second of attempts) {
        const script = [first, second];
        const { crm, delivered, ledgerRows, turns, book } = await runChain(script);
        const label = JSON.stringify(script);
        // One owner for the one reassign step (the first pick: a retry never re-plans), the book agreeing.
        expect(new Set(crm.ownerWrites).size, `${label} ${crm.ownerWrites.join()}`).toBe(1);
        expect(crm.owner, label).toBe('rep-b');
        expect(new Set(crm.statusWrites), label).toEqual(new Set(['Nurturing']));
        // Every attempt of the reassign step saw the round-robin with one turn taken.
        expect(new Set(turns.map((t) => JSON.stringify(t))).size, label).toBe(1);
        expect([...delivered].sort(), label).toEqual([0, 1, 2, 3].map((i) => `c-1:L-1:firstTouch:step${i}`));
        expect([...ledgerRows].sort(), label).toEqual([0, 1, 2, 3]);
        expect(book.leads['L-1'], label).toBeUndefined(); // nurtured and retired
        runs += 1;
      }
    expect(runs).toBe(144);
  });
});
