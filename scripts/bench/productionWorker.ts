// The production workers' memory, measured as they are deployed: `npm run build`, a copy holding dist/ and the
// production dependencies only (`npm ci --omit=dev`, as the image does), and the image's CMD (node options
// included) in processes of their own on the prebuilt workflow bundle, with the same open leads as the intake
// figure: the campaign and integrations workers side by side (docker-compose.yml), then one process with both.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { WorkerRole } from '../../runtime/campaignWorker';
import { admitLeadsUpdate, slaStateQuery, TASK_QUEUE } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import type { BenchEnvironment } from './benchEnvironment';
import { terminateIfRunning } from './diagnose';
import { startIdleCampaign } from './intake';
import { waitFor } from './timing';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const MB = 1024 * 1024;
const START_TIMEOUT_MS = 120_000;

/** One worker process's resident set (VmRSS), ready and idle, then with the campaign holding the open leads. */
interface WorkerProcessMemory {
  rssIdleMb: number;
  rssAfterMb: number;
}

interface ProductionIntake {
  /** The intake's Updates one after another, admitted leads per second (the image's node options in effect). */
  split: number;
  allInOne: number;
}

export interface ProductionWorkerMemory {
  openLeads: number;
  /** CAMPAIGN_SLA_WORKER_ROLE=campaign: workflows, ledger, notifier; the Salesforce and Google Ads clients unloaded. */
  campaign: WorkerProcessMemory;
  /** CAMPAIGN_SLA_WORKER_ROLE=integrations, beside it: the calls to Salesforce and Google Ads. */
  integrations: WorkerProcessMemory;
  /** The default role `all`: both in one process, the same intake. */
  allInOne: WorkerProcessMemory;
  intakeLeadsPerSec: ProductionIntake;
  /** The node options of the image's CMD the processes ran with. */
  nodeOptions: string[];
  /** The bundle the campaign worker logged it loaded: dist/workflow-bundle.js, never bundled in-process. */
  workflowBundle: string;
  /** Packages in the copy's node_modules: production dependencies only (tsx, vitest absent). */
  installedPackages: number;
}

/** VmRSS of a live process, from /proc (Linux). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return (Number(kb) * 1024) / MB;
}

async function productionCopy(): Promise<{ dir: string; installedPackages: number }> {
  await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * MB });
  const dir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-production-'));
  for (const entry of ['dist', 'bin', 'package.json', 'package-lock.json']) {
    await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    maxBuffer: 64 * MB,
  });
  for (const devOnly of ['tsx', 'vitest', 'typescript']) {
    if (existsSync(path.join(dir, 'node_modules', devOnly)))
      throw new Error(`${devOnly} was installed with --omit=dev`);
  }
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: dir, maxBuffer: 64 * MB });
  return { dir, installedPackages: stdout.split('\n').filter(Boolean).length - 1 };
}

interface WorkerProcess {
  pid: number;
  /** The "worker running" line's fields. */
  running: { workflowBundle?: string; taskQueues?: string[] };
  stop(): Promise<void>;
}

/** The Dockerfile's CMD (exec form): the worker runs with the node options the image gives it. */
async function imageWorkerCommand(): Promise<string[]> {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  const args = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (args[0] !== 'node' || args.at(-1) !== 'dist/workers/main.js')
    throw new Error(`the Dockerfile's CMD is not node … dist/workers/main.js: ${cmd}`);
  return args.slice(1);
}

/** The image's worker command in the production copy with one role, once it logs "worker running". */
async function startWorkerProcess(dir: string, env: BenchEnvironment, role: WorkerRole): Promise<WorkerProcess> {
  const child = spawn(process.execPath, await imageWorkerCommand(), {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      CAMPAIGN_SLA_ADAPTERS: 'sandbox',
      CAMPAIGN_SLA_WORKER_ROLE: role,
      HEALTH_BIND_ADDRESS: '127.0.0.1:0',
      METRICS_BIND_ADDRESS: 'off',
      LOG_LEVEL: 'info',
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    // The worker logs one JSON line "worker running" with the bundle it loaded and the queues it polls.
    const running = await new Promise<WorkerProcess['running']>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = (() => {
          try {
            return JSON.parse(line) as { msg?: string } & WorkerProcess['running'];
          } catch {
            return {};
          }
        })();
        if (entry.msg === 'worker running') resolve(entry);
      });
      void exited.then((code) => reject(new Error(`${role} worker exited with ${code} before it was running`)));
      setTimeout(() => reject(new Error(`${role} worker not running after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    return { pid: child.pid!, running, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a campaign on the production processes, measures them idle, admits the intake's leads, measures again. */
async function measureWith(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
  label: string,
  pids: number[],
): Promise<{ openLeads: number; idleMb: number[]; afterMb: number[]; leadsPerSec: number }> {
  const config = benchCampaignConfig({
    id: `bench-${env.runId}-production-${label}`,
    now: Date.now(),
    tiers: { standard: { firstTouch: '24h', clock: 'business', calendar: 'default' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config, TASK_QUEUE);
  try {
    const idleMb = await Promise.all(pids.map(rssMb));
    const started = performance.now();
    for (let from = 0; from < sizes.intakeLeads; from += sizes.intakeBatch) {
      const count = Math.min(sizes.intakeBatch, sizes.intakeLeads - from);
      const leads = leadBatch({ prefix: 'P', from, count, tier: 'standard', owners, createdAt: Date.now() });
      await handle.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
    }
    const leadsPerSec = sizes.intakeLeads / ((performance.now() - started) / 1000);
    const openLeads = await waitFor(
      async () => {
        const state = await handle.query(slaStateQuery);
        return state.openLeads === sizes.intakeLeads ? state.openLeads : undefined;
      },
      { timeoutMs: 60_000, describe: () => `the production worker's campaign never held ${sizes.intakeLeads} leads` },
    );
    return { openLeads, idleMb, afterMb: await Promise.all(pids.map(rssMb)), leadsPerSec };
  } finally {
    await terminateIfRunning(handle, 'bench: production worker measured');
  }
}

export async function measureProductionWorker(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
): Promise<ProductionWorkerMemory> {
  const { dir, installedPackages } = await productionCopy();
  try {
    // The split deployment: a campaign worker and an integrations worker, each its own process.
    const integrations = await startWorkerProcess(dir, env, 'integrations');
    let split: Awaited<ReturnType<typeof measureWith>>;
    let workflowBundle: string;
    try {
      const campaign = await startWorkerProcess(dir, env, 'campaign');
      try {
        workflowBundle = campaign.running.workflowBundle ?? 'unknown';
        if (workflowBundle !== path.join(dir, 'dist', 'workflow-bundle.js'))
          throw new Error(`production worker loaded "${workflowBundle}", not the prebuilt dist/workflow-bundle.js`);
        if (campaign.running.taskQueues?.join() !== TASK_QUEUE)
          throw new Error(
            `the campaign worker polls ${campaign.running.taskQueues?.join(', ')}, not ${TASK_QUEUE} alone`,
          );
        split = await measureWith(env, sizes, 'split', [campaign.pid, integrations.pid]);
      } finally {
        await campaign.stop();
      }
    } finally {
      await integrations.stop();
    }
    const all = await startWorkerProcess(dir, env, 'all');
    try {
      const together = await measureWith(env, sizes, 'all', [all.pid]);
      const processMemory = (idle: number[], after: number[], i: number) => ({
        rssIdleMb: idle[i]!,
        rssAfterMb: after[i]!,
      });
      return {
        openLeads: Math.min(split.openLeads, together.openLeads),
        campaign: processMemory(split.idleMb, split.afterMb, 0),
        integrations: processMemory(split.idleMb, split.afterMb, 1),
        allInOne: processMemory(together.idleMb, together.afterMb, 0),
        intakeLeadsPerSec: { split: split.leadsPerSec, allInOne: together.leadsPerSec },
        nodeOptions: (await imageWorkerCommand()).slice(0, -1),
        workflowBundle,
        installedPackages,
      };
    } finally {
      await all.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
