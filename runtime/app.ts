// Starts the whole stack in dependency order and stops it in reverse: Postgres → migrations →
// Temporal → worker (+ dashboard). A failure part-way stops what already started, so nothing is orphaned.
import path from 'node:path';
import pg from 'pg';
import type { Worker } from '@temporalio/worker';
import { PgLedger } from '../activities/ledger/pgLedger';
import { migrate } from '../activities/ledger/migrate';
import { WebhookNotifier } from '../activities/notifier/webhookNotifier';
import { createCampaignWorker } from '../workers/worker';
import { createResetActivities } from '../activities/resetActivities';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import { logger } from './logger';
import { redactUrl, startPostgres, type RunningPostgres } from './postgres';
import { createPortResolver, type AdapterMode, type SandboxOptions } from './portResolver';
import { startTemporal, type TemporalRuntime } from './temporal';

export interface RunningApp {
  temporal: TemporalRuntime;
  pool: pg.Pool;
  databaseUrlRedacted: string;
  dashboardUrl?: string;
  /** Resolves when the worker stops. */
  done: Promise<void>;
  stop(): Promise<void>;
}

const projectRoot = path.resolve(__dirname, '..');

export async function startApp(options: {
  adapters: AdapterMode;
  sandbox?: SandboxOptions;
  dashboard?: boolean;
}): Promise<RunningApp> {
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step().catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'shutdown step failed'));
    }
  };
  try {
    const postgres: RunningPostgres = await startPostgres({ dataDir: path.join(projectRoot, '.data', 'postgres') });
    cleanup.push(postgres.stop);
    logger.info({ database: redactUrl(postgres.url), embedded: postgres.embedded }, 'Postgres ready');

    const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
    // An idle connection dropped by the server (e.g. Postgres stopping on Ctrl-C) must not crash the app.
    pool.on('error', (err) => logger.warn({ error: err.message }, 'Postgres connection lost'));
    cleanup.push(() => pool.end());
    const migrations = await migrate(pool);
    logger.info({ applied: migrations.applied }, 'migrations up to date');

    const temporal = await startTemporal();
    cleanup.push(() => temporal.shutdown());
    logger.info({ address: temporal.address, ui: temporal.uiUrl }, 'Temporal ready');

    const ledger = new PgLedger(pool);
    const notifier = new WebhookNotifier({ deliveries: ledger, logger, webhookUrl: process.env.ALERT_WEBHOOK_URL });
    const worker: Worker = await createCampaignWorker({
      connection: temporal.connection,
      namespace: temporal.namespace,
      deps: {
        ports: createPortResolver(options.adapters, options.sandbox, (id) => ledger.latestConfig(id)),
        ledger,
        notifier,
      },
      extraActivities: createResetActivities({ client: temporal.client }),
    });
    const done = worker.run();
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    });

    let dashboard: RunningDashboard | undefined;
    if (options.dashboard ?? true) {
      dashboard = await startDashboard({
        pool,
        client: temporal.client,
        port: Number(process.env.DASHBOARD_PORT ?? 8080),
      });
      cleanup.push(() => dashboard!.close());
    }

    return {
      temporal,
      pool,
      databaseUrlRedacted: redactUrl(postgres.url),
      dashboardUrl: dashboard?.url,
      done,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
