// A hand-over waits for what is in flight, and starts no escalation step meanwhile. A ledger write retrying through
// a Postgres outage kept a chaos run draining for 5 minutes, every step due held all that time. Now a drain gives up
// after 5 s, starts what it held, and drains again later (patch bounded-hand-over-wait). Dev server: real time, and
// the hand-over needs 2,000 events of history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PgLedger } from '../activities/ledger/pgLedger';
import { campaignSla } from '../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { admitLeadDueIn, callsUntilHandOverIsDue, handedOver } from './support/handOverScenario';
import { refusingWrite } from './support/ledgerOutage';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, terminateWhenIdle, testWorker, type TestWorkerHandle } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-hand-over-wait';
/** The drain's hold (5 s), and slack for a loaded machine: before, the step waited for the hand-over. */
const HELD_AT_MOST_MS = 12_000;

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let handle: TestWorkerHandle;
let workerRun: Promise<void>;
/** A Postgres outage for the campaign's ledger writes. */
let ledgerDown = false;
const wrapLedger = (ledger: PgLedger) => refusingWrite(ledger, 'recordLeadActivity', () => ledgerDown);

beforeAll(async () => {
  [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
  handle = await testWorker(env, db, { taskQueue: TASK_QUEUE, wrapLedger });
  workerRun = handle.worker.run();
});
afterAll(async () => {
  handle?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

describe('a hand-over behind a ledger outage (dev server)', () => {
  it(
    'starts a step that falls due while it waits, and hands over once the outage ends',
    { timeout: 300_000 },
    async () => {
      const wf = await env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('hand-over-wait'),
        args: [{ config: seedTermsConfig({ id: 'hand-over-wait' }), publishSearchAttributes: false }],
      });
      const { runId } = await wf.describe();
      const at = new Date().toISOString();
      const leadIds = Array.from({ length: 30 }, (_, i) => `wait-${i}`);
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: leadIds.map((leadId) => ({ leadId, tier: 'standard', ownerId: 'rep-a', createdAt: at })) }],
      });

      // Postgres goes down; calls logged in batches take the history past 2,000 events, where the run drains.
      ledgerDown = true;
      await callsUntilHandOverIsDue(wf, leadIds, at);
      expect((await wf.describe()).runId).toBe(runId);

      // A high-intent lead whose hour runs out in 8 s: its first step (notify the owner) is due then.
      const deadline = await admitLeadDueIn(wf, 'due-while-draining', 8_000);
      await new Promise((resolve) => setTimeout(resolve, deadline + HELD_AT_MOST_MS + 3_000 - Date.now()));
      expect((await wf.describe()).runId, 'still the first run: its ledger write cannot land').toBe(runId);

      ledgerDown = false;
      await handedOver(wf, runId, 150_000);

      const events = (await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events ?? [];
      const time = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6;
      const steps = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runEscalationSteps',
      );
      const stepFor = steps.find((e) =>
        Buffer.from(e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data ?? [])
          .toString()
          .includes('due-while-draining'),
      );
      expect(stepFor, 'the step ran in the run that was waiting to hand over').toBeDefined();
      expect(time(stepFor!) - deadline).toBeLessThan(HELD_AT_MOST_MS);
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      await terminateWhenIdle(wf, 'test done');
    },
  );
});
