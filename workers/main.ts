// Production worker entry point (the container's CMD): an existing Temporal cluster and an existing
// Postgres, ledger migrations, then the campaign-sla worker until SIGINT/SIGTERM. Unlike `npm start`
// it never falls back to a dev server or an embedded Postgres: in production that would silently run
// campaigns against throw-away state.
import { faultPlanFromEnv, type FaultPlan } from '../activities/faults/faultPlan';
import { prebuiltWorkflowBundle, WORKER_ROLES, type WorkerRole } from '../runtime/campaignWorker';
import { composeCampaignSla, type CampaignSla } from '../runtime/compositionRoot';
import { workerDeploymentFromEnv } from '../runtime/deployment';
import { DEFAULT_HEALTH_BIND_ADDRESS, HEALTH_BIND_ADDRESS_ENV, startHealthServer } from '../runtime/health';
import { watchIntegrationsPollers } from '../runtime/integrationsWatch';
import { logger } from '../runtime/logger';
import { checkReachable, redactUrl } from '../runtime/postgres';
import type { AdapterMode } from '../runtime/portResolver';
import { checkSalesforceOrg } from '../runtime/salesforceOrgCheck';
import { verifySearchAttributes } from '../runtime/searchAttributes';
import { DEFAULT_METRICS_BIND_ADDRESS, installTelemetry, metricsBindAddressFromEnv } from '../runtime/telemetry';
import { configuredClusterAddress, connectToCluster } from '../runtime/temporal';
import { stopTracing } from '../runtime/tracing';

const ADAPTER_MODES: readonly AdapterMode[] = ['real', 'sandbox'];

export interface WorkerSettings {
  databaseUrl: string;
  temporalAddress: string;
  adapters: AdapterMode;
  /** CAMPAIGN_SLA_WORKER_ROLE: `all` (default), `campaign` or `integrations` (runtime/campaignWorker.ts). */
  role: WorkerRole;
  /** CAMPAIGN_SLA_FAULTS: the chaos suite's injected failures (sandbox adapters only). */
  faults?: FaultPlan;
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
  const role = env.CAMPAIGN_SLA_WORKER_ROLE?.trim() || 'all';
  if (!WORKER_ROLES.includes(role as WorkerRole)) {
    problems.push(`CAMPAIGN_SLA_WORKER_ROLE must be one of ${WORKER_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  }
  let faults: FaultPlan | undefined;
  try {
    faults = faultPlanFromEnv(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (faults && adapters === 'real') {
    problems.push(
      'CAMPAIGN_SLA_FAULTS is set but CAMPAIGN_SLA_ADAPTERS=real: fault injection never wraps real adapters',
    );
  }
  if (problems.length > 0) throw new Error(`worker configuration: ${problems.join('; ')}`);
  return { databaseUrl, temporalAddress, adapters: adapters as AdapterMode, role: role as WorkerRole, faults };
}

/** /readyz: the worker polls and Postgres answers. */
function readinessChecks(campaignSla: CampaignSla) {
  return {
    worker: () => {
      const state = campaignSla.worker.getState();
      if (state !== 'RUNNING') throw new Error(`worker is ${state}`);
    },
    postgres: async () => {
      await campaignSla.pool.query('SELECT 1');
    },
  };
}

async function main(): Promise<void> {
  const settings = workerSettingsFromEnv();
  const healthBindAddress = process.env[HEALTH_BIND_ADDRESS_ENV]?.trim() || DEFAULT_HEALTH_BIND_ADDRESS;
  // Before any Temporal connection exists: the SDK's logs, metrics and tracing are process-wide.
  const telemetry = installTelemetry({
    logger,
    metricsBindAddress: metricsBindAddressFromEnv(DEFAULT_METRICS_BIND_ADDRESS),
    serviceName: 'campaign-sla-worker',
  });
  const workflowBundle = prebuiltWorkflowBundle(process.env, { tracing: telemetry.tracing });
  // The build ID is the untraced bundle's: turning tracing on or off runs the same commands, so the same version.
  const deployment = await workerDeploymentFromEnv(prebuiltWorkflowBundle());
  // One line if Postgres does not answer (password redacted, 10 s cap), before anything is opened.
  await checkReachable(settings.databaseUrl);
  const temporal = await connectToCluster(settings.temporalAddress);
  logger.info({ address: temporal.address, namespace: temporal.namespace }, 'connected to Temporal');
  try {
    await verifySearchAttributes(temporal.client, temporal.namespace);
    // Only a process that calls Salesforce checks the org, and only with the real adapter.
    // Imported here: a campaign-only worker never loads the Salesforce client (jsforce).
    if (settings.adapters === 'real' && settings.role !== 'campaign') {
      const { SalesforceCrm } = await import('../activities/crm/salesforceCrm');
      await checkSalesforceOrg(SalesforceCrm.fromEnv(process.env), logger);
    }
    const campaignSla = await composeCampaignSla({
      database: { url: settings.databaseUrl },
      temporal,
      adapters: settings.adapters,
      role: settings.role,
      faults: settings.faults,
      alertWebhookUrl: process.env.ALERT_WEBHOOK_URL,
      worker: { workflowBundle, deployment },
    });
    try {
      // The Temporal runtime drains workers on these signals too (and shuts down a worker created after
      // one); this handler makes the intent explicit and logs it. Before the runtime exists (Postgres
      // connect, migrations) the default applies: the process exits, and each migration is one transaction.
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'draining worker: in-flight tasks finish, no new ones are polled');
        campaignSla.worker.shutdown();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);

      const health = await startHealthServer(healthBindAddress, readinessChecks(campaignSla));
      // Split from its integrations worker, this process says when no such worker serves the queue beside it.
      const stopWatch =
        settings.role === 'campaign'
          ? watchIntegrationsPollers({
              client: temporal.client,
              namespace: temporal.namespace,
              taskQueue: campaignSla.worker.taskQueues[0]!,
              logger,
            })
          : () => undefined;
      try {
        logger.info(
          {
            adapters: settings.adapters,
            role: settings.role,
            database: redactUrl(settings.databaseUrl),
            taskQueues: campaignSla.worker.taskQueues,
            workflowBundle: workflowBundle?.codePath ?? 'bundled in-process',
            deploymentVersion: deployment
              ? `${deployment.version.deploymentName}.${deployment.version.buildId}`
              : 'unversioned',
            health: health.url,
            metrics: telemetry.metricsBindAddress ? `http://${telemetry.metricsBindAddress}/metrics` : 'off',
            tracing: telemetry.tracing,
          },
          'worker running',
        );
        await campaignSla.run();
        logger.info('worker stopped');
      } finally {
        stopWatch();
        await health.close();
      }
    } finally {
      await campaignSla.stop().catch(warnShutdownFailure);
    }
  } finally {
    await temporal.shutdown().catch(warnShutdownFailure);
    await stopTracing().catch(warnShutdownFailure);
  }
}

const warnShutdownFailure = (err: unknown) =>
  logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'shutdown step failed');

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'worker failed');
      process.exit(1);
    },
  );
}
