// `npm start`: the main job on embedded defaults. Dev server + Web UI (or TEMPORAL_ADDRESS / profile),
// embedded Postgres (or DATABASE_URL), migrations, the worker, the dashboard and a sandbox demo campaign:
// by default the seed's case example with one minute for one day, told on the console as it flies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { readDemoScenario } from '../runtime/dev/demoScenario';
import { formatDuration } from '../sla/duration';
import { campaignWorkflowId, TASK_QUEUE } from '../workflows/messages';
import { campaignSla } from '../workflows/campaignSla';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import { dashboardSecurityFromEnv } from '../dashboard/settings';
import { logger } from '../runtime/logger';
import { startLocalStack, type LocalStack } from '../runtime/dev/localStack';
import { approveCommand } from '../reports/approveCommand';
import { issueApproverToken, revokeApproverTokens } from '../reports/approverTokens';
import { listQuery } from '../reports/workflowReads';
import { tellStory } from './demo/tellStory';

const projectRoot = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const demoFile = process.env.DEMO_CAMPAIGN ?? path.join(projectRoot, 'examples', 'seed-story.yaml');
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
    if (process.env.LOG_FILE) console.log('campaign-sla stopped cleanly');
    process.exit(0);
  };
  // npm forwards SIGINT/SIGTERM to the script's process (the script execs node, so no shell is in
  // between to swallow it); SIGHUP is a closed terminal. A signal during start-up is acted on as soon
  // as the stack is up, so nothing half-started is left behind.
  const stop = async (signal: string) => {
    if (running.stopping) return;
    running.stopping = true;
    logger.info({ signal }, 'shutting down: dashboard, worker, Temporal, Postgres');
    if (process.env.LOG_FILE) console.log(`${signal}: stopping the dashboard, worker, Temporal and Postgres`);
    if (running.app) await finish();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stop(signal));

  const demoText = readFileSync(demoFile, 'utf8');
  // Read before anything starts, so a bad file stops here; read again at the campaign's start for its flight.
  const sandboxDefaults = { leadsPerHour: 900, neverTouchedShare: 0.3 };
  const { sandbox, config } = readDemoScenario(demoText, demoFile, new Date(), sandboxDefaults);
  const app = await startLocalStack({
    adapters: process.env.CAMPAIGN_SLA_ADAPTERS === 'real' ? 'real' : 'sandbox',
    sandbox,
  });
  running.app = app;
  if (running.stopping) return finish();
  const security = dashboardSecurityFromEnv(process.env);
  try {
    running.dashboard = await startDashboard({
      pool: app.campaignSla.pool,
      client: app.temporal.client,
      port: Number(process.env.DASHBOARD_PORT ?? 8080),
      ...security,
    });
  } catch (err) {
    await app.stop();
    throw err;
  }
  if (running.stopping) return finish();

  const { raw, flightMs, config: starting } = readDemoScenario(demoText, demoFile, new Date(), sandboxDefaults);
  let attached = false;
  const workflowId = campaignWorkflowId(config.campaign.id);
  const approver = config.approvals.approvers[0];
  // With DASHBOARD_AUTH=tokens the local demo hands its approver a fresh token, revoking the previous run's.
  let signIn: string | undefined;
  if (security.auth === 'tokens') {
    await revokeApproverTokens(app.campaignSla.pool, approver);
    signIn = await issueApproverToken(app.campaignSla.pool, approver);
  }
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
    attached = true;
  }
  // The flight of the campaign as it runs: an earlier npm start may have started it.
  const flown = (attached ? await app.campaignSla.ledger.latestConfig(config.campaign.id) : null) ?? starting;
  const window = { start: Date.parse(flown.campaign.window.start), end: Date.parse(flown.campaign.window.end) };

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
      `  Flight:        ${new Date(window.start).toISOString()} → ${new Date(window.end).toISOString()}${flightMs === null ? '' : ` (${formatDuration(flightMs)} from its start, as the file's demo block says)`}`,
      `  Dashboard:     ${running.dashboard.url}`,
      signIn ? `  Sign in:       ${signIn} (the dashboard's login for ${approver}, this run's only live token)` : '',
      `  Postgres:      ${app.databaseUrlRedacted}`,
      process.env.LOG_FILE
        ? `  Logs:          ${path.resolve(process.env.LOG_FILE)} (alerts included; LOG_FILE= npm start keeps them here)`
        : '',
      `  Approve:       npx campaign-sla proposals ${config.campaign.id}   then   npx ${approveCommand(config.campaign.id, '<proposalId>', { approver: approver, reason: 'velocity figures checked' })}`,
      '  Ctrl-C stops everything.',
      '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  if (flightMs !== null) {
    console.log(
      [
        `The story: ${config.campaign.name ?? config.campaign.id}. One minute of the flight stands for one day; lines marked [story]`,
        'say what happens as the velocity checks see it. Google Ads itself would not fly a total budget for minutes (it needs',
        '3 days or more), and the first check says so: the same alert a real campaign with a wrong flight would raise.',
        '',
      ].join('\n'),
    );
    void tellStory({
      handle: app.temporal.client.workflow.getHandle(workflowId),
      context: { window, dayMs: (window.end - window.start) / 10, currency: config.campaign.currency, approver },
      stopping: () => running.stopping === true,
    });
  }
  await app.done;
}

main().catch((err: unknown) => {
  console.error(`campaign-sla: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
