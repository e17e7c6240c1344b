// Worker Deployment Versioning on the dev server: a campaign run is pinned to the build that started it and keeps
// running there after a new version becomes current; it moves to the new version at its next continue-as-new
// (workflows/campaignSla/continueAsNew.ts), carrying its leads and clocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildIdOf, workerDeploymentFromEnv } from '../runtime/deployment';
import { workflowBundle } from '../runtime/campaignWorker';
import type { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  integrationsTaskQueue,
  leadQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, testWorker, type TestWorkerHandle } from './support/temporal';

const TASK_QUEUE = 'campaign-sla-versioning-test';
const DEPLOYMENT = 'campaign-sla-test';
const iso = (ms: number) => new Date(ms).toISOString();

describe('deployment version of the worker', () => {
  it('is the bundle hash under the deployment CAMPAIGN_SLA_DEPLOYMENT names, runs PINNED; unversioned without it', async () => {
    const code = 'workflow code';
    expect(await workerDeploymentFromEnv({ code }, { CAMPAIGN_SLA_DEPLOYMENT: ' campaign-sla ' })).toEqual({
      version: { deploymentName: 'campaign-sla', buildId: buildIdOf(code) },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
    expect(buildIdOf(code)).toMatch(/^[0-9a-f]{16}$/);
    expect(buildIdOf(`${code} `)).not.toBe(buildIdOf(code));
    // Built in another folder: the same code with a source map naming other paths.
    const mapped = (dir: string) =>
      `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(`{"sources":["${dir}/loop.ts"]}`).toString('base64')}`;
    expect(buildIdOf(mapped('/srv/a'))).toBe(buildIdOf(mapped('/home/b')));
    expect(buildIdOf(mapped('/srv/a'))).toBe(buildIdOf(code));
    expect(await workerDeploymentFromEnv({ code }, {})).toBeUndefined();
    expect(await workerDeploymentFromEnv({ code }, { CAMPAIGN_SLA_DEPLOYMENT: '  ' })).toBeUndefined();
  });
});

describe('pinned campaigns across a new current version (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  const workers: { handle: TestWorkerHandle; running: Promise<void> }[] = [];

  async function startWorker(buildId: string): Promise<void> {
    const handle = await testWorker(env, db, {
      taskQueue: TASK_QUEUE,
      deployment: {
        version: { deploymentName: DEPLOYMENT, buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'PINNED',
      },
    });
    workers.push({ handle, running: handle.worker.run() });
  }

  /** Makes `buildId` current once its poller has registered it (registration is asynchronous). */
  async function setCurrent(buildId: string): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await env.client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: env.namespace ?? 'default',
          deploymentName: DEPLOYMENT,
          buildId,
          identity: 'versioning-test',
        });
        return;
      } catch (err) {
        if (tries >= 60) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async function versioningOf(wf: WorkflowHandle<typeof campaignSla>, runId?: string) {
    const handle = runId ? env.client.workflow.getHandle(wf.workflowId, runId) : wf;
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
  }

  beforeAll(async () => {
    [env, db] = await Promise.all([devServerEnv(), createTestDatabase(), workflowBundle()]);
  });

  afterAll(async () => {
    for (const w of workers) if (w.handle.worker.getState() === 'RUNNING') w.handle.worker.shutdown();
    await Promise.all(workers.map((w) => w.running));
    await env?.teardown();
    await db?.drop();
  });

  it('bundles the workflow code as ES2022, so object spreads run natively and not through helpers', async () => {
    const { code } = await workflowBundle();
    // SWC's ES2017 output defines these helpers for every module that spreads an object.
    expect(code).not.toMatch(/function _object_spread\b/);
    expect(code).toMatch(/\{\s*\.\.\.[A-Za-z_]/);
  });

  /** Activities of the run scheduled on the integrations queue that completed. */
  async function integrationCallsCompleted(wf: WorkflowHandle, runId?: string): Promise<string[]> {
    const { events } = await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory();
    const scheduled = new Map<string, string>();
    const completed: string[] = [];
    for (const event of events ?? []) {
      const attrs = event.activityTaskScheduledEventAttributes;
      if (attrs?.taskQueue?.name === integrationsTaskQueue(TASK_QUEUE))
        scheduled.set(String(event.eventId), attrs.activityType?.name ?? '');
      const done = event.activityTaskCompletedEventAttributes;
      const name = done && scheduled.get(String(done.scheduledEventId));
      if (name) completed.push(name);
    }
    return completed;
  }

  it('keeps a run on its version, then continues it as new on the current one', { timeout: 180_000 }, async () => {
    await startWorker('v1');
    await setCurrent('v1');
    const wf = await env.client.workflow.start<typeof campaignSla>('campaignSla', {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId('versioned-1'),
      args: [{ config: seedTermsConfig({ id: 'versioned-1' }), publishSearchAttributes: false }],
    });
    const t0 = Date.now();
    const leads = ['lead-1', 'lead-2', 'lead-3'].map((leadId) => ({
      leadId,
      tier: 'standard',
      ownerId: 'rep-a',
      createdAt: iso(t0),
    }));
    await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
    const PINNED = 1; // temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED
    expect(await versioningOf(wf)).toEqual({ behavior: PINNED, buildId: 'v1' });
    // The run's calls to Google Ads and the CRM go to the integrations queue, which the version's workers poll too.
    await expect.poll(() => integrationCallsCompleted(wf), { timeout: 30_000 }).toContain('runVelocityCheck');

    await startWorker('v2');
    await setCurrent('v2');
    // The run is told its target changed at its next workflow task and hands over to a run on v2.
    await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [{ events: [{ type: 'contact', leadId: 'lead-1', eventId: 'call-1', channel: 'call', at: iso(t0) }] }],
    });
    let state = await wf.query(slaStateQuery);
    for (let tries = 0; state.run.continuedAsNew < 1 && tries < 60; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      state = await wf.query(slaStateQuery);
    }
    expect(state.run.continuedAsNew).toBe(1);
    expect(await versioningOf(wf, wf.firstExecutionRunId)).toEqual({ behavior: PINNED, buildId: 'v1' });
    // Its first task went to the current version (AUTO_UPGRADE), and v2's default pins it there.
    expect(await versioningOf(wf)).toEqual({ behavior: PINNED, buildId: 'v2' });
    expect(state.openLeads).toBe(3);
    expect(await wf.query(leadQuery, 'lead-1')).toMatchObject({ attempts: 1, firstTouchAt: iso(t0) });

    // v1 drained: stopping it leaves the campaign running on v2.
    const v1 = workers[0];
    v1.handle.worker.shutdown();
    await v1.running;
    const repeat = await wf.executeUpdate(recordLeadEventsUpdate, {
      args: [{ events: [{ type: 'contact', leadId: 'lead-1', eventId: 'call-1', channel: 'call', at: iso(t0) }] }],
    });
    expect(repeat).toEqual([{ eventId: 'call-1', leadId: 'lead-1', result: 'duplicate', status: 'open' }]);
    await wf.terminate('test done');
  });
});
