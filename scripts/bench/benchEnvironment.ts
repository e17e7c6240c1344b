// Everything a bench run needs, started in order and stopped in reverse even when a measurement
// fails: Postgres (embedded in a temp dir unless a URL is given), the Temporal dev server with the
// campaign search attributes, the composition root's campaign worker (sandbox Ads/CRM, real PgLedger
// and notifier) and a second worker for the no-op baseline workflow.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { composeCampaignSla } from '../../runtime/compositionRoot';
import { startPostgres } from '../../runtime/dev/embeddedPostgres';
import { devServerExecutable } from '../../runtime/dev/temporalBinaries';
import { allSearchAttributeKeys } from '../../workflows/messages';
import { BenchOutage } from './benchOutage';
import { EscalationStarts } from './escalationStarts';
import { SkippedLedgerWrites } from './skippedLedgerWrites';
import type { PerLeadActivities } from './noopWorkflow';

export const CAMPAIGN_QUEUE = 'campaign-sla-bench';
export const NOOP_QUEUE = 'campaign-sla-bench-noop';
/** Temporal's own history size limit is 50 MB; a whole history must fit in one response. */
const MAX_HISTORY_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface BenchEnvironment {
  client: Client;
  /** The ledger database the worker writes to. */
  pool: pg.Pool;
  escalationStarts: EscalationStarts;
  /** Campaigns whose ledger writes are answered without running (the intake's decomposition). */
  skippedLedgerWrites: SkippedLedgerWrites;
  /** When the escalation figure's bare workflows (bareDeadlines.ts) started each escalation, by lead. */
  bareEscalations: Map<string, number>;
  /** Takes the sandbox CRM and Ads down on demand. */
  outage: BenchOutage;
  /** Unique per run, so campaign IDs never collide with earlier runs in an external database. */
  runId: string;
  /** Where a worker in another process reaches the same Temporal server and ledger. */
  temporalAddress: string;
  databaseUrl: string;
}

let runtimeInstalled = false;
/** Worker and workflow logs at WARN: the bench prints figures, not per-activity chatter. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** Alerts are claimed in the ledger as in production; their log lines are dropped. */
const discard = new Writable({ write: (_chunk, _enc, done) => done() });

/** Runs `measure` against a fresh environment and tears everything down afterwards. */
export async function withBenchEnvironment<T>(
  opts: { databaseUrl: string | null; runId: string },
  measure: (env: BenchEnvironment) => Promise<T>,
): Promise<T> {
  installQuietRuntime();
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    let dataDir: string | undefined;
    if (!opts.databaseUrl) {
      // Under the OS temp dir (mode 1777), which the embedded server's system user can reach as root too.
      dataDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-bench-pg-'));
      const created = dataDir;
      cleanups.push(() => rm(created, { recursive: true, force: true }));
    }
    const postgres = await startPostgres({ databaseUrl: opts.databaseUrl, dataDir, port: 0 });
    cleanups.push(() => postgres.stop());

    const temporal = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: devServerExecutable(),
        ip: '127.0.0.1',
        searchAttributes: allSearchAttributeKeys,
        extraArgs: ['--log-level', 'error'],
      },
    });
    cleanups.push(() => temporal.teardown());
    // The default 4 MB gRPC receive limit is smaller than the histories the bench must read back.
    const connection = await Connection.connect({
      address: temporal.address,
      channelArgs: { 'grpc.max_receive_message_length': MAX_HISTORY_MESSAGE_BYTES },
    });
    cleanups.push(() => connection.close());
    const namespace = temporal.namespace ?? 'default';
    const client = new Client({ connection, namespace });

    const escalationStarts = new EscalationStarts();
    const skippedLedgerWrites = new SkippedLedgerWrites();
    const bareEscalations = new Map<string, number>();
    const outage = new BenchOutage();
    const campaignSla = await composeCampaignSla({
      database: { url: postgres.url },
      temporal: { connection: temporal.nativeConnection, client, namespace },
      adapters: 'sandbox',
      sandbox: { faults: outage.faults },
      logger: pino({ level: 'info' }, discard),
      worker: {
        taskQueue: CAMPAIGN_QUEUE,
        interceptors: { activity: [escalationStarts.interceptor, skippedLedgerWrites.interceptor] },
      },
    });
    cleanups.push(() => campaignSla.stop());
    const noopWorker = await Worker.create({
      connection: temporal.nativeConnection,
      namespace,
      taskQueue: NOOP_QUEUE,
      // The workflow-per-lead design's activities: no-ops, since only its actions are counted.
      activities: {
        recordLead: async () => undefined,
        recordTouch: async () => undefined,
        escalate: async (leadId) => {
          // The first attempt's start, as for the campaign's escalations.
          if (!bareEscalations.has(leadId)) bareEscalations.set(leadId, Date.now());
        },
      } satisfies PerLeadActivities,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: path.resolve(__dirname, 'noopWorkflow.ts'),
        logger: silentBundlerLogger,
      }),
    });
    // runUntil shuts each worker down (and waits for it) once the measurement settles, either way.
    return await campaignSla.worker.runUntil(
      noopWorker.runUntil(
        measure({
          client,
          pool: campaignSla.pool,
          escalationStarts,
          skippedLedgerWrites,
          bareEscalations,
          outage,
          runId: opts.runId,
          temporalAddress: temporal.address,
          databaseUrl: postgres.url,
        }),
      ),
    );
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) =>
        console.error(`bench cleanup failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  }
}

const silentBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
