// `npm start`: the main job on embedded defaults. Dev server + Web UI (or TEMPORAL_ADDRESS / profile),
// embedded Postgres (or DATABASE_URL), migrations, the worker, the dashboard and a sandbox demo campaign.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { parse } from 'yaml';
import { parseCampaignConfigText } from '../runtime/campaignFile';
import { campaignWorkflowId, TASK_QUEUE } from '../workflows/messages';
import { campaignSla } from '../workflows/campaignSla';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import { logger } from '../runtime/logger';
import { startLocalStack, type LocalStack } from '../runtime/dev/localStack';
import { approveCommand } from '../reports/approveCommand';
import { listQuery } from '../reports/workflowReads';

const projectRoot = path.resolve(__dirname, '..');
/** Share of sandbox ad clicks that become conversions. */
const SANDBOX_CONVERSION_RATE = 0.04;

async function main(): Promise<void> {
  const demoFile = process.env.DEMO_CAMPAIGN ?? path.join(projectRoot, 'examples', 'demo.yaml');
  const running: { app?: LocalStack; dashboard?: RunningDashboard; stopping?: boolean } = {};
  const stopApp = async () => {
    await running.dashboard
      ?.close()
      .catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'shutdown step failed'));
    await running.app?.stop();
  };
  const finish = async () => {
    await stopApp();
    logger.info('stopped cleanly');
    process.exit(0);
  };
  // npm forwards SIGINT/SIGTERM to the script's process (the script execs node, so no shell is in
  // between to swallow it); SIGHUP is a closed terminal. A signal during start-up is acted on as soon
  // as the stack is up, so nothing half-started is left behind.
  const stop = async (signal: string) => {
    if (running.stopping) return;
    running.stopping = true;
    logger.info({ signal }, 'shutting down: dashboard, worker, Temporal, Postgres');
    if (running.app) await finish();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stop(signal));

  const config = parseCampaignConfigText(readFileSync(demoFile, 'utf8'), demoFile);
  const app = await startLocalStack({
    adapters: process.env.CAMPAIGN_SLA_ADAPTERS === 'real' ? 'real' : 'sandbox',
    // A lead every few seconds, and a third of them ignored, so breaches and escalations show within a minute.
    // Clicks cost what makes the cost per conversion land on the contract's CPL target (±10% a day).
    sandbox: {
      leadsPerHour: 900,
      neverTouchedShare: 0.3,
      conversionRate: SANDBOX_CONVERSION_RATE,
      cpc: config.targets.cpl.target * SANDBOX_CONVERSION_RATE,
    },
  });
  running.app = app;
  if (running.stopping) return finish();
  try {
    running.dashboard = await startDashboard({
      pool: app.campaignSla.pool,
      client: app.temporal.client,
      port: Number(process.env.DASHBOARD_PORT ?? 8080),
    });
  } catch (err) {
    await app.stop();
    throw err;
  }
  if (running.stopping) return finish();

  const raw = parse(readFileSync(demoFile, 'utf8')) as { campaign: { window: { start: string; end: string } } };
  if (!process.env.DEMO_CAMPAIGN) {
    // The bundled demo's flight starts now, so burn, forecast and velocity read naturally from the first check.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    raw.campaign.window = {
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 24 * 3_600_000).toISOString(),
    };
  }
  const workflowId = campaignWorkflowId(config.campaign.id);
  try {
    await app.temporal.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ config: raw }],
      staticSummary: `SLA for ${config.campaign.name ?? config.campaign.id}`,
      staticDetails: `Sandbox demo campaign from ${path.relative(projectRoot, demoFile)}`,
      typedSearchAttributes: [],
    });
    logger.info({ workflowId }, 'demo campaign started');
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    logger.info({ workflowId }, 'demo campaign already running; attaching');
  }

  const ns = encodeURIComponent(app.temporal.namespace);
  console.log(
    [
      '',
      'campaign-sla is running',
      app.temporal.uiUrl
        ? `  Temporal UI:   ${app.temporal.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}`
        : `  Temporal:      ${app.temporal.address}`,
      app.temporal.uiUrl
        ? `  Breaching:     ${app.temporal.uiUrl}/namespaces/${ns}/workflows?query=${encodeURIComponent(listQuery({ status: 'running', health: 'breaching' }))}`
        : '',
      `  Flight:        ${raw.campaign.window.start} → ${raw.campaign.window.end}${process.env.DEMO_CAMPAIGN ? '' : ' (the bundled demo flies 30 days from now, in place of the window in its file)'}`,
      `  Dashboard:     ${running.dashboard.url}`,
      `  Postgres:      ${app.databaseUrlRedacted}`,
      `  Approve:       npx campaign-sla proposals ${config.campaign.id}   then   npx ${approveCommand(config.campaign.id, '<proposalId>', { approver: 'demo-ops-lead', reason: 'velocity figures checked' })}`,
      '  Ctrl-C stops everything.',
      '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  await app.done;
}

main().catch((err: unknown) => {
  console.error(`campaign-sla: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
