// `campaign-sla repair` on a dev server: a run recorded under one code and replayed against another fails from its
// second workflow task on; repair names that task (not the first, not the last) and prints the reset. --apply refuses
// while the workers still complete the run (the bundle is not their code), and once a worker with the deployed code
// fails it, resets the run to that task, after which it goes on and finishes under that code. A run that replays has
// nothing to repair.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietBundlerLogger } from '../runtime/campaignWorker';
import { repairCommand } from '../scripts/cli/operations';
import { campaignWorkflowId } from '../workflows/messages';
import { devServer } from './support/devServer';
import { installQuietRuntime } from './support/temporal';

const EventType = temporal.api.enums.v1.EventType;
const TASK_QUEUE = 'repair-integration';
let env: TestWorkflowEnvironment;
const bundles: Record<'stuck' | 'deployed', { code: string; path: string }> = {} as never;

beforeAll(async () => {
  installQuietRuntime();
  env = await devServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'campaign-sla-repair-'));
  for (const name of ['stuck', 'deployed'] as const) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'repairWorkflow', `${name}.ts`),
      logger: quietBundlerLogger,
    });
    bundles[name] = { code, path: path.join(dir, `${name}.js`) };
    writeFileSync(bundles[name].path, code);
  }
});
afterAll(() => env?.teardown());

/** Runs a worker with that code until `until` holds. */
async function withWorker<T>(name: 'stuck' | 'deployed', until: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: { code: bundles[name].code },
  });
  return worker.runUntil(until());
}

describe('campaign-sla repair', () => {
  it('finds the first task that no longer replays, resets the run to it, and the run finishes under the new code', async () => {
    const campaignId = 'repair-probe';
    const handle = await env.client.workflow.start('repairProbe', {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId(campaignId),
    });
    // Three tasks under the recorded code: two timers, then a wait that makes no command.
    const completedIds = async () =>
      ((await handle.fetchHistory()).events ?? [])
        .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        .map((e) => Number(e.eventId));
    await withWorker('stuck', async () => {
      await expect.poll(async () => (await completedIds()).length, { timeout: 20_000 }).toBe(3);
    });
    const [, second] = await completedIds();

    const healthy = await repairCommand(env.client, campaignId, { bundle: bundles.stuck.path });
    expect(healthy.nondeterministic).toBeNull();
    expect(healthy.resetCommand).toBeNull();

    const dryRun = await repairCommand(env.client, campaignId, { bundle: bundles.deployed.path });
    expect(dryRun.runId).toBe(handle.firstExecutionRunId);
    expect(dryRun.nondeterministic).toMatchObject({ completedEventId: second, tasksBefore: 1 });
    expect(dryRun.nondeterministic?.message).toContain('TMPRL1100');
    expect(dryRun.resetCommand).toContain(`--run-id ${handle.firstExecutionRunId} --event-id ${second}`);
    expect(dryRun.resetRunId).toBeNull();
    expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId);

    // Its workers do not fail it yet (none runs the deployed code on it): a bundle that finds a divergence in a run its
    // workers complete is not their code, and --apply refuses.
    expect(dryRun.failing).toBe(false);
    await expect(
      repairCommand(env.client, campaignId, { bundle: bundles.deployed.path, apply: true }),
    ).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('not resetting (--force resets anyway)') });

    // A worker with the deployed code takes its next task (a signal) and fails it: TMPRL1100, the run is stuck.
    await handle.signal('poke');
    await withWorker('deployed', async () => {
      await expect
        .poll(async () => (await repairCommand(env.client, campaignId, { bundle: bundles.deployed.path })).failing, {
          timeout: 20_000,
        })
        .toBe(true);
    });
    const applied = await repairCommand(env.client, campaignId, { bundle: bundles.deployed.path, apply: true });
    expect(applied.resetRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(applied.resetRunId).not.toBe(handle.firstExecutionRunId);
    const reset = env.client.workflow.getHandle(campaignWorkflowId(campaignId), applied.resetRunId!);
    const result = await withWorker('deployed', () => reset.result());
    expect(result).toBe('finished under the deployed code');
    // The reset run kept the first two tasks' events and ran the second again under the deployed code.
    const events = (await reset.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)).toHaveLength(1);
    expect(
      (await repairCommand(env.client, campaignId, { bundle: bundles.deployed.path })).nondeterministic,
    ).toBeNull();
  });

  it('names an unknown campaign as not found', async () => {
    await expect(repairCommand(env.client, 'no-such-campaign', {})).rejects.toMatchObject({ exitCode: 3 });
  });
});
