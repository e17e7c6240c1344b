// Production worker entry point (the container's CMD): an existing Temporal cluster and an existing
// Postgres, ledger migrations, then the campaign-sla worker until SIGINT/SIGTERM. Unlike `npm start`
// it never falls back to a dev server or an embedded Postgres: in production that would silently run
// campaigns against throw-away state.
import pg from 'pg';
import { migrate } from '../activities/ledger/migrate';
import { PgLedger } from '../activities/ledger/pgLedger';
import { WebhookNotifier } from '../activities/notifier/webhookNotifier';
import { createResetActivities } from '../activities/resetActivities';
import { logger } from '../runtime/logger';
import { redactUrl, startPostgres } from '../runtime/postgres';
import { createPortResolver, type AdapterMode } from '../runtime/portResolver';
import { configuredClusterAddress, startTemporal } from '../runtime/temporal';
import { createCampaignWorker } from './worker';

const ADAPTER_MODES: readonly AdapterMode[] = ['real', 'sandbox'];

export interface WorkerSettings {
  databaseUrl: string;
  temporalAddress: string;
  adapters: AdapterMode;
}

/** Reads the required settings, naming every missing or bad variable in one error. */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  if (!databaseUrl) problems.push('DATABASE_URL is not set (postgres://user:password@host:5432/campaign_sla)');
  const temporalAddress = configuredClusterAddress(env) ?? '';
  if (!temporalAddress) {
    problems.push('TEMPORAL_ADDRESS is not set (host:7233), and no TEMPORAL_PROFILE with an address was found');
  }
  const adapters = env.CAMPAIGN_SLA_ADAPTERS?.trim() ?? '';
  if (!ADAPTER_MODES.includes(adapters as AdapterMode)) {
    problems.push(`CAMPAIGN_SLA_ADAPTERS must be one of ${ADAPTER_MODES.join(', ')}, got ${JSON.stringify(adapters)}`);
  }
  if (problems.length > 0) throw new Error(`worker configuration: ${problems.join('; ')}`);
  return { databaseUrl, temporalAddress, adapters: adapters as AdapterMode };
}

async function main(): Promise<void> {
  const settings = workerSettingsFromEnv();
  const cleanup: (() => Promise<void>)[] = [];
  try {
    // Given a URL, startPostgres only checks that the server answers (one line, password redacted, 10 s cap).
    await startPostgres({ databaseUrl: settings.databaseUrl });
    const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 10 });
    // A connection dropped by the server (failover, restart) must not crash the worker; the next query reconnects.
    pool.on('error', (err) => logger.warn({ error: err.message }, 'idle Postgres connection dropped'));
    cleanup.push(() => pool.end());
    const migrations = await migrate(pool);
    logger.info({ database: redactUrl(settings.databaseUrl), applied: migrations.applied }, 'ledger schema up to date');

    const temporal = await startTemporal();
    cleanup.push(() => temporal.shutdown());
    logger.info({ address: temporal.address, namespace: temporal.namespace }, 'connected to Temporal');

    const ledger = new PgLedger(pool);
    const worker = await createCampaignWorker({
      connection: temporal.connection,
      namespace: temporal.namespace,
      deps: {
        // The sandbox looks up each campaign's latest SLA config in the ledger, as `npm start` does.
        ports: createPortResolver(settings.adapters, undefined, (id) => ledger.latestConfig(id)),
        ledger,
        notifier: new WebhookNotifier({ deliveries: ledger, logger, webhookUrl: process.env.ALERT_WEBHOOK_URL }),
      },
      extraActivities: createResetActivities({ client: temporal.client }),
    });

    // The Temporal runtime drains workers on these signals too (and shuts down a worker created after
    // one); this handler makes the intent explicit and logs it. Before the runtime exists (Postgres
    // connect, migrations) the default applies: the process exits, and each migration is one transaction.
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'draining worker: in-flight tasks finish, no new ones are polled');
      if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    logger.info({ adapters: settings.adapters, taskQueue: worker.options.taskQueue }, 'worker running');
    await worker.run();
    logger.info('worker stopped');
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'shutdown step failed'));
    }
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'worker failed');
      process.exit(1);
    },
  );
}
