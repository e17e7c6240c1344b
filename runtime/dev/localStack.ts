// `npm start`'s stack, started in dependency order and stopped in reverse: Postgres (embedded unless
// DATABASE_URL) → Temporal (the local dev server unless a cluster is configured) → the composition root
// (migrations, ledger, adapters, worker). A failure part-way stops what already started, so nothing is orphaned.
import path from 'node:path';
import { composeCampaignSla, type CampaignSla } from '../compositionRoot';
import { logger } from '../logger';
import type { AdapterMode, SandboxOptions } from '../portResolver';
import { redactUrl } from '../postgres';
import { installTelemetry, metricsBindAddressFromEnv } from '../telemetry';
import { stopTracing } from '../tracing';
import type { TemporalRuntime } from '../temporal';
import { startPostgres } from './embeddedPostgres';
import { startTemporal } from './localTemporal';

export interface LocalStack {
  temporal: TemporalRuntime;
  campaignSla: CampaignSla;
  databaseUrlRedacted: string;
  /** Resolves when the worker stops. */
  done: Promise<void>;
  stop(): Promise<void>;
}

const projectRoot = path.resolve(__dirname, '..', '..');

export async function startLocalStack(options: {
  adapters: AdapterMode;
  sandbox?: SandboxOptions;
}): Promise<LocalStack> {
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step().catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'shutdown step failed'));
    }
  };
  // Before the dev server's connection exists; METRICS_BIND_ADDRESS (e.g. 127.0.0.1:9464) turns /metrics on.
  const telemetry = installTelemetry({
    logger,
    metricsBindAddress: metricsBindAddressFromEnv(undefined),
    serviceName: 'campaign-sla-dev',
  });
  if (telemetry.metricsBindAddress)
    logger.info({ metrics: `http://${telemetry.metricsBindAddress}/metrics` }, 'metrics');
  cleanup.push(stopTracing);
  try {
    const postgres = await startPostgres({
      dataDir: process.env.EMBEDDED_PG_DATA_DIR || path.join(projectRoot, '.data', 'postgres'),
    });
    cleanup.push(postgres.stop);
    logger.info({ database: redactUrl(postgres.url), embedded: postgres.embedded }, 'Postgres ready');

    const temporal = await startTemporal();
    cleanup.push(() => temporal.shutdown());
    logger.info({ address: temporal.address, ui: temporal.uiUrl }, 'Temporal ready');

    const campaignSla = await composeCampaignSla({
      database: { url: postgres.url },
      temporal,
      adapters: options.adapters,
      sandbox: options.sandbox,
      alertWebhookUrl: process.env.ALERT_WEBHOOK_URL,
    });
    cleanup.push(() => campaignSla.stop());

    return {
      temporal,
      campaignSla,
      databaseUrlRedacted: redactUrl(postgres.url),
      done: campaignSla.run(),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
