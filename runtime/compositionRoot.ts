// The one composition root: the ledger's pool and migrations, the PgLedger, the alert notifier, the
// adapters behind the ports and the campaign-sla workers of the process's role, wired the same way for the
// production worker, `npm start`, the bench and the history recorder. stop() undoes it in reverse.
import pg from 'pg';
import type { Logger } from 'pino';
import type { PortResolver } from '../activities/campaignActivities';
import { migrate, type MigrateResult } from '../activities/ledger/migrate';
import { PgLedger } from '../activities/ledger/pgLedger';
import { WebhookNotifier } from '../activities/notifier/webhookNotifier';
import { createResetActivities } from '../activities/resetActivities';
import { openLedgerWorkerPool, withMigrationPool } from './ledgerPool';
import { quarterBackfill } from './quarterBackfill';
import type { FaultPlan } from '../activities/faults/faultPlan';
import { createCampaignWorker, type CampaignWorkerOptions, type WorkerRole } from './campaignWorker';
import type { CampaignWorkers } from './campaignWorkers';
import { wireFaults } from './faultWiring';
import { logger as defaultLogger } from './logger';
import type { AdapterMode, SandboxOptions } from './portResolver';
import type { TemporalConnection } from './temporal';

export interface CampaignSlaOptions {
  /** The ledger database: a URL (the pool is opened here and closed by stop()) or a pool the caller owns. */
  database: { url: string } | { pool: pg.Pool };
  /** Owned by the caller: close it after stop(). */
  temporal: TemporalConnection;
  adapters: AdapterMode;
  /** Default `all`: the campaign and integrations workers in this process (runtime/campaignWorker.ts). */
  role?: WorkerRole;
  sandbox?: SandboxOptions;
  /** Injected failures for the sandbox ports, the ledger's writes and the webhook (CAMPAIGN_SLA_FAULTS); refused with real adapters. */
  faults?: FaultPlan;
  /** Receives the lifecycle lines and every alert; default: the structured stdout logger. */
  logger?: Logger;
  /** Slack-compatible incoming webhook for alerts. */
  alertWebhookUrl?: string;
  worker?: Pick<CampaignWorkerOptions, 'taskQueue' | 'workflowBundle' | 'interceptors' | 'deployment'>;
}

export interface CampaignSla {
  pool: pg.Pool;
  ledger: PgLedger;
  /** The Salesforce and Google Ads adapters; absent in a campaign-only process, which never loads them. */
  ports?: PortResolver;
  worker: CampaignWorkers;
  migrations: MigrateResult;
  /** Runs the worker until it is shut down (stop(), a signal, or runUntil instead of this). */
  run(): Promise<void>;
  /** Drains the worker if it runs, then closes the pool if it was opened here. */
  stop(): Promise<void>;
}

export async function composeCampaignSla(options: CampaignSlaOptions): Promise<CampaignSla> {
  const logger = options.logger ?? defaultLogger;
  // Before anything is opened: a fault plan with real adapters is refused here.
  const faults = wireFaults(options.faults, options.adapters);
  const ownsPool = 'url' in options.database;
  const { database } = options;
  const pool = 'url' in database ? openLedgerWorkerPool(database.url, logger) : database.pool;
  try {
    const migrations = await ('url' in database ? withMigrationPool(database.url, migrate) : migrate(pool));
    logger.info({ applied: migrations.applied }, 'ledger schema up to date');

    const ledger = new PgLedger(pool);
    const role = options.role ?? 'all';
    // Loaded only where the integrations worker runs. The sandbox looks up each campaign's latest SLA config in the ledger.
    const ports =
      role === 'campaign'
        ? undefined
        : (await import('./portResolver')).createPortResolver(
            options.adapters,
            faults ? { ...options.sandbox, faults: faults.sandbox } : options.sandbox,
            (id) => ledger.latestConfig(id),
          );
    if (faults)
      logger.warn(
        { faults: options.faults },
        'fault injection on: sandbox ports, ledger writes and webhook fail as planned',
      );
    const ledgerPort = faults ? faults.ledger(ledger) : ledger;
    const worker = await createCampaignWorker({
      ...options.worker,
      role,
      connection: options.temporal.connection,
      namespace: options.temporal.namespace,
      deps: {
        ports,
        ledger: ledgerPort,
        notifier: new WebhookNotifier({
          deliveries: ledgerPort,
          logger,
          webhookUrl: options.alertWebhookUrl,
          fetchImpl: faults?.fetchImpl,
        }),
      },
      extraActivities: createResetActivities({
        client: options.temporal.client,
        rebuildQuarterReport: quarterBackfill(pool, ledger),
      }),
    });

    let running: Promise<void> | undefined;
    return {
      pool,
      ledger,
      ports,
      worker,
      migrations,
      run: () => (running ??= worker.run()),
      async stop() {
        try {
          worker.shutdown();
          await running;
        } finally {
          if (ownsPool) await pool.end();
        }
      },
    };
  } catch (err) {
    if (ownsPool) await pool.end().catch(() => {});
    throw err;
  }
}
