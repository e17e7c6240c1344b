// The workers split by role as docker-compose.yml runs them: a campaign worker that serves no call to
// Salesforce or Google Ads (they wait on the integrations queue), and an integrations worker that serves them
// once it polls. Each role composed through the composition root, against a dev server and a real ledger.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeCampaignSla, type CampaignSla } from '../runtime/compositionRoot';
import type { WorkerRole } from '../runtime/campaignWorker';
import type { campaignSla } from '../workflows/campaignSla';
import { campaignWorkflowId, integrationsTaskQueue } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv } from './support/temporal';

const TASK_QUEUE = 'worker-roles';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
const running: { composed: CampaignSla; run: Promise<void> }[] = [];

beforeAll(async () => {
  [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
});

afterAll(async () => {
  for (const { composed, run } of running.reverse()) {
    await composed.stop();
    await run;
  }
  await env?.teardown();
  await db?.drop();
});

async function startRole(role: WorkerRole): Promise<CampaignSla> {
  const composed = await composeCampaignSla({
    database: { pool: db.pool },
    temporal: { client: env.client, connection: env.nativeConnection, namespace: env.namespace ?? 'default' },
    adapters: 'sandbox',
    role,
    worker: { taskQueue: TASK_QUEUE },
  });
  running.push({ composed, run: composed.run() });
  return composed;
}

describe('worker roles', () => {
  it('the campaign worker leaves the calls to Salesforce and Google Ads to the integrations worker', async () => {
    const campaignWorker = await startRole('campaign');
    expect(campaignWorker.worker.taskQueues).toEqual([TASK_QUEUE]);
    expect(campaignWorker.ports).toBeUndefined();

    const wf = await env.client.workflow.start<typeof campaignSla>('campaignSla', {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('worker-roles'),
      args: [{ config: seedTermsConfig({ id: 'worker-roles' }) }],
    });
    try {
      // The run starts and records its config on the campaign worker; its velocity check waits, unserved.
      const pending = async () =>
        ((await wf.describe()).raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '');
      await expect.poll(pending, { timeout: 20_000 }).toContain('runVelocityCheck');
      const { rows } = await db.pool.query('SELECT 1 FROM campaign_config_versions WHERE campaign_id = $1', [
        'worker-roles',
      ]);
      expect(rows).toHaveLength(1);
      const waiting = (await wf.describe()).raw.pendingActivities?.find(
        (a) => a.activityType?.name === 'runVelocityCheck',
      );
      expect(waiting?.attempt ?? 1).toBe(1);

      const integrationsWorker = await startRole('integrations');
      expect(integrationsWorker.worker.taskQueues).toEqual([integrationsTaskQueue(TASK_QUEUE)]);
      expect(integrationsWorker.ports).toBeDefined();
      await expect.poll(pending, { timeout: 20_000 }).not.toContain('runVelocityCheck');
      const { events } = await wf.fetchHistory();
      const scheduled = events?.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runVelocityCheck',
      );
      expect(scheduled?.activityTaskScheduledEventAttributes?.taskQueue?.name).toBe(integrationsTaskQueue(TASK_QUEUE));
      expect(
        events?.some(
          (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(scheduled?.eventId),
        ),
      ).toBe(true);
    } finally {
      await wf.terminate('test done');
    }
  });
});
