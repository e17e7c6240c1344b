// Temporal test environments with the project's own binaries, and a worker wired to real adapters
// over a per-file Postgres database (sandbox Ads/CRM, real PgLedger, real notifier).
import { Writable } from 'node:stream';
import pino from 'pino';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type WorkerDeploymentOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { PgLedger } from '../../activities/ledger/pgLedger';
import type { AdsPlatform, Crm, Ledger, Notifier } from '../../activities/ports';
import { WebhookNotifier } from '../../activities/notifier/webhookNotifier';
import type { Alert } from '../../sla/alerts';
import { createResetActivities } from '../../activities/resetActivities';
import { quarterBackfill } from '../../runtime/quarterBackfill';
import { createPortResolver, type SandboxOptions, type SandboxPortResolver } from '../../runtime/portResolver';
import { devServer } from './devServer';
import { timeSkippingServer } from './timeSkippingServer';
import { createCampaignWorker } from '../../runtime/campaignWorker';
import type { CampaignWorkers } from '../../runtime/campaignWorkers';
import { beforeAll, afterAll, inject } from 'vitest';
import { tracingStarted } from '../../runtime/tracing';
import { createTestDatabase, type TestDatabase } from './postgres';

let runtimeInstalled = false;
/** Keeps worker logs quiet in test output; warnings and errors still show. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return timeSkippingServer();
}

/** A dev server of its own; `extraArgs` e.g. a dynamic config value the test needs. */
export async function devServerEnv(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return devServer(extraArgs);
}

export interface TestWorkerHandle {
  worker: CampaignWorkers;
  ledger: PgLedger;
  alerts: Alert[];
  ports: SandboxPortResolver;
}

/** A worker with sandbox adapters, the real ledger and the real notifier (alerts captured from its logs). */
export async function testWorker(
  env: TestWorkflowEnvironment,
  db: TestDatabase,
  opts: {
    taskQueue: string;
    sandbox?: SandboxOptions;
    resetActivities?: Partial<ReturnType<typeof createResetActivities>>;
    /** Default: the current workflow code (the run's shared bundle; bundled in-process while tracing is on). */
    workflowBundle?: WorkflowBundleOption;
    /** Worker Deployment Versioning; unversioned when absent. */
    deployment?: WorkerDeploymentOptions;
    /** Stands in for the CRM's behaviour the sandbox lacks (an assignment rule, an outage) around the sandbox CRM. */
    wrapCrm?: (crm: Crm, campaignId: string) => Crm;
    /** The same around the sandbox Google Ads platform (a slow report). */
    wrapAds?: (ads: AdsPlatform) => AdsPlatform;
    /** Around the ledger the activities write to (an outage of some writes); alerts and reads use it unwrapped. */
    wrapLedger?: (ledger: PgLedger) => Ledger;
    /** Around the notifier (a webhook outage). */
    wrapNotifier?: (notifier: Notifier) => Notifier;
  },
): Promise<TestWorkerHandle> {
  const alerts: Alert[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { alert?: Alert };
        if (entry.alert) alerts.push(entry.alert);
      }
      done();
    },
  });
  const ledger = new PgLedger(db.pool);
  const ports = createPortResolver('sandbox', opts.sandbox, (id) => ledger.latestConfig(id));
  const { wrapCrm, wrapAds } = opts;
  const portsForWorker = {
    ...ports,
    ...(wrapCrm ? { crm: async (id: string, at: Date) => wrapCrm(await ports.crm(id, at), id) } : {}),
    ...(wrapAds ? { ads: async (...args: Parameters<typeof ports.ads>) => wrapAds(await ports.ads(...args)) } : {}),
  };
  const webhook = new WebhookNotifier({ deliveries: ledger, logger: pino({ level: 'info' }, sink) });
  const notifier = opts.wrapNotifier?.(webhook) ?? webhook;
  const worker = await createCampaignWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? sharedWorkflowBundle(),
    deployment: opts.deployment,
    deps: { ports: portsForWorker, ledger: opts.wrapLedger?.(ledger) ?? ledger, notifier },
    extraActivities: {
      ...createResetActivities({ client: env.client, rebuildQuarterReport: quarterBackfill(db.pool, ledger) }),
      ...opts.resetActivities,
    },
  });
  return { worker, ledger, alerts, ports };
}

/** The current workflow code test/globalSetup.ts bundled once for the run; none for the traced variant. */
function sharedWorkflowBundle(): WorkflowBundleOption | undefined {
  return tracingStarted() ? undefined : { codePath: inject('workflowBundlePath') };
}

export { terminateWhenIdle } from './terminateWhenIdle';

export interface CampaignHarness {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  handle: TestWorkerHandle;
}

/**
 * Registers beforeAll/afterAll hooks that start a Temporal test environment, a fresh migrated database
 * and a running worker for one test file, and tear them down in reverse.
 */
export function useCampaignHarness(options: {
  server: 'time-skipping' | 'dev';
  taskQueue: string;
  resetActivities?: Partial<ReturnType<typeof createResetActivities>>;
}): CampaignHarness {
  const harness = {} as CampaignHarness;
  let workerRun: Promise<void> | undefined;
  beforeAll(async () => {
    [harness.env, harness.db] = await Promise.all([
      options.server === 'dev' ? devServerEnv() : timeSkippingEnv(),
      createTestDatabase(),
    ]);
    harness.handle = await testWorker(harness.env, harness.db, {
      taskQueue: options.taskQueue,
      resetActivities: options.resetActivities,
    });
    workerRun = harness.handle.worker.run();
  });
  afterAll(async () => {
    harness.handle?.worker.shutdown();
    await workerRun;
    await harness.env?.teardown();
    await harness.db?.drop();
  });
  return harness;
}
