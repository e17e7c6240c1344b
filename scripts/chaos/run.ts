// One chaos run: Postgres database, Temporal dev server and worker as child processes, a campaign with
// second-long SLAs, the lead feed, the scripted disruptions and outages, then the faults cleared, a
// settling period, and the exact checks.
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Client, Connection, WorkflowIdConflictPolicy } from '@temporalio/client';
import { workflowBundle } from '../../runtime/campaignWorker';
import { freePort } from '../../runtime/dev/tcpPorts';
import type { campaignSla } from '../../workflows';
import { campaignWorkflowId, searchAttributes, TASK_QUEUE } from '../../workflows/messages';
import { chaosCampaignConfig, ESCALATION, newLead, planLeads } from './campaign';
import { runChecks, type FaultWindow, type Figure, type LagRow } from './checks';
import { Feeder } from './feed';
import { hostileCorpus, sendCorpus, type CorpusRun } from './hostileCorpus';
import { runHistoryFigures } from './runHistories';
import {
  firstCompletionFrom,
  historyOfAllRuns,
  workerHoldsRun,
  workflowTaskCompletions,
  workflowTaskFailures,
} from './recovery';
import { ledgerDatabase, startWebhookReceiver, TemporalDevServer, WorkerProcess } from './processes';
import type { ChaosSummary } from './report';
import { faultPlanJson, scenarioFor, SDK_QUERY_RACE, type Mode, type WorkerRoleName } from './scenarios';
import { sdkQueryRaceFigures } from './sdkQueryRace';

const projectRoot = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));
/** Time from "everything started" to the first lead: the worker and the campaign must be up by then. */
const LEAD_IN_MS = 20_000;
const CHECK_EVERY_MS = 10_000;
/** The robustness issue's goal: breaches are seen within 2 s (p99) while the CRM is down. */
const CRM_OUTAGE_LAG_GOAL_MS = 2_000;
/** A hostile payload the workflow has not answered by then (through worker kills and server restarts) fails. */
const CORPUS_ANSWER_WITHIN_MS = 120_000;
/** The campaign wakes at least this often, so the restarted worker completes a task of it by then. */
const HOLDS_RUN_WITHIN_MS = 60_000;

export async function runChaos(mode: Mode, log: (line: string) => void): Promise<ChaosSummary> {
  const seed = process.env.CHAOS_SEED ?? 'campaign-sla-chaos';
  const runTag = Date.now().toString(36);
  const campaignId = `chaos-${mode}-${runTag}`;
  const scenario = scenarioFor(mode, seed);
  const startedAt = Date.now();
  const logDir = path.join(projectRoot, '.artifacts', 'chaos-logs', runTag);
  mkdirSync(logDir, { recursive: true });
  const work = await mkdtemp(path.join(tmpdir(), 'campaign-sla-chaos-'));
  // CHAOS_KEEP_DATABASE=1 also keeps the Temporal server's SQLite file, for `temporal workflow show` afterwards.
  const keep = process.env.CHAOS_KEEP_DATABASE === '1';
  const cleanups: (() => Promise<unknown>)[] = keep ? [] : [() => rm(work, { recursive: true, force: true })];
  const server = new TemporalDevServer(
    await freePort(),
    path.join(work, 'temporal.db'),
    path.join(logDir, 'temporal.log'),
  );
  // Two processes, as docker-compose.yml runs them: the workflows with the ledger and alerts, and the calls to
  // the (sandbox) CRM and Ads on the integrations queue.
  const workers: Record<WorkerRoleName, WorkerProcess> = {
    campaign: new WorkerProcess(path.join(logDir, 'worker.log')),
    integrations: new WorkerProcess(path.join(logDir, 'integrations-worker.log')),
  };
  const everyWorker = Object.entries(workers) as [WorkerRoleName, WorkerProcess][];
  const killChildren = () => {
    for (const [, worker] of everyWorker) worker.killNow();
    server.killNow();
  };
  process.once('exit', killChildren);
  try {
    log(`chaos ${mode}: bundling the workflow code once for every worker start`);
    const bundlePath = path.join(work, 'workflow-bundle.js');
    await writeFile(bundlePath, (await workflowBundle()).code);

    // Under the project, not the mode-700 temp dir: an embedded Postgres run as root switches to the postgres user.
    const database = await ledgerDatabase(process.env, `chaos_${runTag}`, path.join(projectRoot, '.data'));
    // CHAOS_KEEP_DATABASE=1 keeps the ledger for a post-mortem (its URL is printed).
    if (keep) log(`chaos ${mode}: keeping the ledger database ${database.url}`);
    else cleanups.push(() => database.drop());
    const webhook = await startWebhookReceiver();
    cleanups.push(() => webhook.close());
    await server.start();
    cleanups.push(() => server.stop('SIGTERM'));
    log(
      `chaos ${mode}: Temporal dev server at ${server.address} (SQLite ${path.join(work, 'temporal.db')}), logs in ${logDir}`,
    );
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const t0 = Date.now() + LEAD_IN_MS;
    const workerEnv = (role: WorkerRoleName, faults: boolean): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const key of Object.keys(env))
        if (key.startsWith('TEMPORAL_') || key === 'CAMPAIGN_SLA_FAULTS') delete env[key];
      return {
        ...env,
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        CAMPAIGN_SLA_ADAPTERS: 'sandbox',
        CAMPAIGN_SLA_WORKER_ROLE: role,
        // Two processes on one host: the integrations worker takes no fixed port.
        ...(role === 'integrations' ? { HEALTH_BIND_ADDRESS: '127.0.0.1:0', METRICS_BIND_ADDRESS: 'off' } : {}),
        ALERT_WEBHOOK_URL: webhook.url,
        WORKFLOW_BUNDLE_PATH: bundlePath,
        LOG_LEVEL: 'info',
        ...(faults ? { CAMPAIGN_SLA_FAULTS: faultPlanJson(scenario, t0, seed) } : {}),
      };
    };
    for (const [role, worker] of everyWorker) {
      await worker.start(workerEnv(role, true));
      cleanups.push(() => worker.stop('SIGTERM'));
    }
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());

    const config = chaosCampaignConfig(campaignId, Date.now());
    await client.workflow.start<typeof campaignSla>('campaignSla', {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId(campaignId),
      args: [{ config }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [{ key: searchAttributes.campaignId, value: campaignId }],
    });
    const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
    if (Date.now() > t0)
      throw new Error(`chaos: the worker and campaign took longer than ${LEAD_IN_MS / 1000} s to start`);

    const plan = planLeads({ prefix: campaignId, count: scenario.leads, start: t0, feedMs: scenario.feedMs, seed });
    const feeder = new Feeder(handle, plan);
    const windows: FaultWindow[] = scenario.outages.map((o) => ({
      name: o.name,
      from: t0 + o.fromMs,
      to: t0 + o.toMs,
    }));
    const disruptions: ChaosSummary['disruptions'] = [];
    log(
      `chaos ${mode}: feeding ${plan.length} leads over ${scenario.feedMs / 1000} s from ${new Date(t0).toISOString()}`,
    );
    await sleepUntil(t0);
    const feeding = feeder.run();
    // The hostile-input corpus goes in right after the first kill -9 of the campaign worker: its first Updates wait
    // for the new worker, which validates them on a freshly replayed history while the feed, the later disruptions,
    // the outages and the API faults go on. A rejection that touched state would show there as nondeterminism.
    const sendHostileCorpus = async (): Promise<CorpusRun> => {
      // A touched lead stays open to the end: the corpus's events name it so that only their one bad field is wrong.
      const openLead = () =>
        [...feeder.fed.values()].find((l) => l.admit.result === 'admitted' && l.planned.touchAt !== undefined);
      let target = openLead();
      while (!target) {
        await sleep(200);
        target = openLead();
      }
      const corpus = hostileCorpus({ config, openLead: newLead(target.planned) });
      log(`chaos ${mode}: sending the hostile-input corpus (${corpus.length} payloads) at the campaign`);
      return sendCorpus(handle, corpus, CORPUS_ANSWER_WITHIN_MS);
    };
    let hostileInput: Promise<CorpusRun> | undefined;
    let kills = 0;
    for (const disruption of scenario.disruptions) {
      await sleepUntil(t0 + disruption.atMs);
      const from = Date.now();
      const role = disruption.role ?? 'campaign';
      if (disruption.kind === 'worker kill -9') {
        kills += 1;
        await workers[role].kill9();
        if (role === 'campaign') hostileInput ??= sendHostileCorpus();
        await workers[role].start(workerEnv(role, true));
      } else {
        await server.stop(disruption.kind === 'server restart (SIGTERM)' ? 'SIGTERM' : 'SIGKILL');
        await server.start();
      }
      const to = Date.now();
      const name =
        disruption.kind === 'worker kill -9'
          ? `${role} worker down (kill -9 #${kills})`
          : `server down (${disruption.kind})`;
      windows.push({ name, from, to, disruption: true });
      disruptions.push({
        kind: disruption.kind === 'worker kill -9' ? `${role} worker kill -9` : disruption.kind,
        at: new Date(from).toISOString(),
        downMs: to - from,
      });
      log(
        `chaos ${mode}: ${disruption.kind === 'worker kill -9' ? `${role} worker kill -9` : disruption.kind} at +${((from - t0) / 1000).toFixed(1)} s, back after ${((to - from) / 1000).toFixed(1)} s`,
      );
    }
    await feeding;
    // A scenario without a campaign worker kill still sends it, after the disruptions.
    const corpusRun = await (hostileInput ?? sendHostileCorpus());
    log(
      `chaos ${mode}: hostile-input corpus answered in ${((corpusRun.endedAt - corpusRun.startedAt) / 1000).toFixed(1)} s, ${corpusRun.failing.length} of ${corpusRun.cases} not as expected`,
    );
    const lastDue = Math.max(
      ...plan.map((l) =>
        l.touchAt === undefined ? l.deadline + ESCALATION[ESCALATION.length - 1].afterMs : l.touchAt,
      ),
    );
    await sleepUntil(lastDue + 3_000);
    await sleepUntil(t0 + Math.max(0, ...scenario.outages.map((o) => o.toMs)));

    log(
      `chaos ${mode}: feed done; faults cleared (workers restarted gracefully without a fault plan); settling up to ${scenario.settleMs / 1000} s`,
    );
    for (const [role, worker] of everyWorker) {
      await worker.stop('SIGTERM');
      await worker.start(workerEnv(role, false));
    }
    // A query to a run no worker holds yet meets the SDK's legacy-query race (scripts/chaos/sdkQueryRace.ts, measured
    // on its own in full mode): the checks' queries wait until the new worker has completed a task of the run.
    const restartedAt = Date.now();
    if (!(await workerHoldsRun(handle, restartedAt, HOLDS_RUN_WITHIN_MS)))
      log(
        `chaos ${mode}: no workflow task completed within ${HOLDS_RUN_WITHIN_MS / 1000} s of the restart; querying anyway`,
      );
    const history = await historyOfAllRuns(client, campaignWorkflowId(campaignId));
    const completions = workflowTaskCompletions(history);
    for (const w of windows) if (w.disruption) w.recoveredAt = firstCompletionFrom(completions, w.from);
    const failedTasks = workflowTaskFailures(history);
    const settleUntil = Date.now() + scenario.settleMs;
    let result: { figures: Figure[]; lag: LagRow[] };
    for (;;) {
      // A replay that no longer matches its history stalls the campaign for good: fail at once, before any query
      // waits on a workflow task that cannot complete.
      const workerLog = await readFile(path.join(logDir, 'worker.log'), 'utf8');
      const nondeterminism = workerLog.split('\n').filter((line) => line.includes('TMPRL1100')).length;
      if (nondeterminism > 0) {
        throw new Error(
          `chaos: ${nondeterminism} workflow task(s) failed with a nondeterminism error (TMPRL1100); see ${logDir}/worker.log`,
        );
      }
      result = await runChecks({
        campaignId,
        fed: feeder.fed,
        pool,
        handle,
        webhook: webhook.deliveries,
        windows,
        hostileInput: { corpus: corpusRun, failedTasks },
        crmOutageLagGoalMs: mode === 'full' ? CRM_OUTAGE_LAG_GOAL_MS : undefined,
      });
      const failing = result.figures.filter((f) => f.ok === false).length;
      if (failing === 0 || Date.now() + CHECK_EVERY_MS > settleUntil) break;
      log(`chaos ${mode}: ${failing} check(s) not met yet, checking again in ${CHECK_EVERY_MS / 1000} s`);
      await sleep(CHECK_EVERY_MS);
    }
    result.figures.push(...(await runHistoryFigures(client, campaignWorkflowId(campaignId), bundlePath, logDir)));
    if (mode === 'full') result.figures.push(...(await sdkQueryRaceFigures(SDK_QUERY_RACE, log)));
    const passed = result.figures.every((f) => f.ok !== false);
    return {
      mode,
      campaignId,
      startedAt: new Date(startedAt).toISOString(),
      durationS: (Date.now() - startedAt) / 1000,
      passed,
      disruptions,
      outages: scenario.outages.map((o) => ({
        name: o.name,
        target: o.target,
        from: new Date(t0 + o.fromMs).toISOString(),
        to: new Date(t0 + o.toMs).toISOString(),
        note: o.note,
      })),
      apiFaults: scenario.apiFaults,
      workerStarts: workers.campaign.starts + workers.integrations.starts,
      transportRetries: feeder.transportRetries,
      figures: result.figures,
      breachDetectionLag: result.lag,
      logs: path.relative(process.cwd(), logDir),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => log(`chaos: cleanup step failed: ${(err as Error).message}`));
    }
    process.off('exit', killChildren);
  }
}
