// A hand-over behind a Postgres and webhook outage. A run cannot continue as new while an activity is in flight, and
// a ledger write or an alert retries for as long as its outage lasts: a chaos run's history grew to 12,930 events
// behind a 4-minute outage (a worker restart replays all of it; Temporal ends a run at 51,200). Now a drain that
// waited 5 s in vain cancels those deliveries, the run hands over with what they carried, and the next run delivers it once the outage ends
// (patch hand-over-carries-deliveries). A drain behind a ledger outage alone sends the alerts due meanwhile at once:
// the webhook is up (patch alerts-flow-while-draining; before, they waited for the next run, about 5 s late). Dev
// server: real time, and the hand-over needs 2,000 events of history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PgLedger } from '../activities/ledger/pgLedger';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import {
  admitLeadDueIn,
  admitStandardLeads,
  callsUntilHandOverIsDue,
  cancelledActivityTypes,
  drainBegan,
  handedOver,
  sendsAlert,
  timerSummaries,
} from './support/handOverScenario';
import { failingNotifier, refusingWrite } from './support/ledgerOutage';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, terminateWhenIdle, testWorker, type TestWorkerHandle } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-hand-over-wait';
const CAMPAIGN = 'hand-over-wait';
const HOUR = 3_600_000;
/** From the history passing the hand-over threshold to the next run, on a loaded machine: before, until the outage ended. */
const HANDS_OVER_WITHIN_MS = 60_000;

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let handle: TestWorkerHandle;
let workerRun: Promise<void>;
/** Postgres refuses the campaigns' ledger writes; the alert webhook answers 503. */
const outage = { ledger: false, webhook: false };
const wrapLedger = (ledger: PgLedger) => refusingWrite(ledger, 'recordLeadActivity', () => outage.ledger);
const wrapNotifier = (notifier: Parameters<typeof failingNotifier>[0]) =>
  failingNotifier(notifier, () => outage.webhook);

beforeAll(async () => {
  [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
  handle = await testWorker(env, db, { taskQueue: TASK_QUEUE, wrapLedger, wrapNotifier });
  workerRun = handle.worker.run();
});
afterAll(async () => {
  handle?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

const count = async (sql: string, campaignId = CAMPAIGN): Promise<number> =>
  Number((await db.pool.query<{ n: string }>(sql, [campaignId])).rows[0].n);

async function until(what: string, ok: () => Promise<boolean>, withinMs: number): Promise<void> {
  const by = Date.now() + withinMs;
  while (!(await ok())) {
    if (Date.now() > by) throw new Error(`${what}: not within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

describe('a hand-over behind a ledger and webhook outage (dev server)', () => {
  it(
    'cancels the deliveries in flight, hands over with them, and the next run delivers each once',
    { timeout: 300_000 },
    async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId(CAMPAIGN),
        args: [{ config: seedTermsConfig({ id: CAMPAIGN }), publishSearchAttributes: false }],
      });
      const { runId } = await wf.describe();
      const at = new Date().toISOString();
      const leadIds = await admitStandardLeads(wf, 'wait', at);
      await until('the admitted leads in the ledger', async () => (await count(LEADS)) === 30, 30_000);

      // Postgres and the webhook go down. A high-intent lead whose hour ran out a minute ago breaches at once: its
      // alert retries against the webhook; calls logged in batches take the history past 2,000 events.
      Object.assign(outage, { ledger: true, webhook: true });
      const createdAt = new Date(Date.now() - HOUR - 60_000).toISOString();
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: [{ leadId: 'breached-in-outage', tier: 'high-intent', ownerId: 'rep-b', createdAt }] }],
      });
      const calls = await callsUntilHandOverIsDue(wf, leadIds, at);
      await handedOver(wf, runId, HANDS_OVER_WITHIN_MS);
      expect(outage, 'handed over while both were still down').toEqual({ ledger: true, webhook: true });

      // The first run had its ledger write and its alerts cancelled, and ended handing over.
      const events = (await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events ?? [];
      expect(cancelledActivityTypes(events)).toEqual(new Set(['recordLeadActivity', 'sendAlerts']));
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      // The outage ends: the next run writes the carried rows and sends the carried alerts.
      Object.assign(outage, { ledger: false, webhook: false });
      await until('every call in the ledger', async () => (await count(CALLS)) === calls, 60_000);
      expect(await count(LEADS)).toBe(31);
      const breachAlerts = () =>
        handle.alerts.filter((a) => a.dedupeKey === `${CAMPAIGN}:breached-in-outage:firstTouch:breach`);
      await until('the breach alert delivered', async () => breachAlerts().length > 0, 60_000);
      expect(breachAlerts(), 'delivered once').toHaveLength(1);
      await terminateWhenIdle(wf, 'test done');
    },
  );

  // The lead's warning (its hour is nearly out at admission) and breach both go out in the drain. Webhook down, they
  // get stuck and are cancelled at the drain's next wait, after the ledger write.
  it.each([
    { webhook: 'up', cancelled: ['recordLeadActivity'] },
    { webhook: 'down', cancelled: ['recordLeadActivity', 'sendAlerts'] },
  ])(
    'sends an alert due while it drains behind a ledger outage at once, webhook $webhook, and hands over in that drain',
    { timeout: 300_000 },
    async ({ webhook, cancelled }) => {
      const campaignId = `alert-while-draining-webhook-${webhook}`;
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId(campaignId),
        args: [{ config: seedTermsConfig({ id: campaignId }), publishSearchAttributes: false }],
      });
      const { runId } = await wf.describe();
      const at = new Date().toISOString();
      const leadIds = await admitStandardLeads(wf, 'drain', at);
      await until('the admitted leads in the ledger', async () => (await count(LEADS, campaignId)) === 30, 30_000);

      // Postgres goes down: the ledger write in flight holds the drain up for at least 5 s, during which a
      // high-intent lead's hour runs out. The webhook goes down (or not) as the drain begins: an alert stuck from
      // before the drain would hold new ones.
      outage.ledger = true;
      const calls = await callsUntilHandOverIsDue(wf, leadIds, at);
      outage.webhook = webhook === 'down';
      await admitLeadDueIn(wf, 'due-while-draining', 1_500);
      await handedOver(wf, runId, HANDS_OVER_WITHIN_MS);

      // The draining run sent the breach alert itself (before the patch, the next run did), cancelled what was
      // stuck, and handed over without giving up its drain.
      const first = (await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events ?? [];
      const drainStart = drainBegan(first);
      expect(drainStart, 'the run drained').toBeGreaterThan(0);
      for (const kind of ['warning', 'breach'])
        expect(
          first.findIndex(sendsAlert(`due-while-draining:firstTouch:${kind}`)),
          `the draining run sent the ${kind}`,
        ).toBeGreaterThan(drainStart);
      expect(cancelledActivityTypes(first)).toEqual(new Set(cancelled));
      expect(timerSummaries(first)).not.toContain('"next hand-over"');
      expect(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      Object.assign(outage, { ledger: false, webhook: false });
      await until('every call in the ledger', async () => (await count(CALLS, campaignId)) === calls, 60_000);
      const delivered = (kind: string) =>
        handle.alerts.filter((a) => a.dedupeKey === `${campaignId}:due-while-draining:firstTouch:${kind}`).length;
      await until('both alerts delivered', async () => delivered('warning') > 0 && delivered('breach') > 0, 60_000);
      expect([delivered('warning'), delivered('breach')], 'each delivered once').toEqual([1, 1]);
      await terminateWhenIdle(wf, 'test done');
    },
  );
});

const LEADS = 'SELECT count(*) AS n FROM leads WHERE campaign_id = $1';
const CALLS = "SELECT count(*) AS n FROM lead_events WHERE campaign_id = $1 AND kind = 'contact'";
