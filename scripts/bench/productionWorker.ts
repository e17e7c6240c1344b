// The production worker's memory, measured as it is deployed: `npm run build`, a copy holding dist/ and the
// production dependencies only (`npm ci --omit=dev`, as the image does), and `node dist/workers/main.js` in its
// own process on the prebuilt workflow bundle, with the same open leads as the intake figure.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
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

export interface ProductionWorkerMemory {
  openLeads: number;
  /** Resident set of the worker process (VmRSS), ready and idle, then holding the open leads. */
  rssIdleMb: number;
  rssAfterMb: number;
  /** The bundle the worker logged it loaded: dist/workflow-bundle.js, never bundled in-process. */
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

export async function measureProductionWorker(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
): Promise<ProductionWorkerMemory> {
  const { dir, installedPackages } = await productionCopy();
  const child = spawn(process.execPath, ['dist/workers/main.js'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      CAMPAIGN_SLA_ADAPTERS: 'sandbox',
      HEALTH_BIND_ADDRESS: '127.0.0.1:0',
      METRICS_BIND_ADDRESS: 'off',
      LOG_LEVEL: 'info',
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    // The worker logs one JSON line "worker running" with the bundle it loaded.
    const running = new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = (() => {
          try {
            return JSON.parse(line) as { msg?: string; workflowBundle?: string };
          } catch {
            return {};
          }
        })();
        if (entry.msg === 'worker running') resolve(entry.workflowBundle ?? 'unknown');
      });
      void exited.then((code) => reject(new Error(`production worker exited with ${code} before it was running`)));
      setTimeout(
        () => reject(new Error(`production worker not running after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
    });
    const workflowBundle = await running;
    if (workflowBundle !== path.join(dir, 'dist', 'workflow-bundle.js'))
      throw new Error(`production worker loaded "${workflowBundle}", not the prebuilt dist/workflow-bundle.js`);
    const pid = child.pid!;

    const config = benchCampaignConfig({
      id: `bench-${env.runId}-production`,
      now: Date.now(),
      tiers: { standard: { firstTouch: '24h', clock: 'business', calendar: 'default' } },
      escalation: [{ step: 'notify-owner', after: '0s' }],
    });
    const owners = templateOwners(config);
    const handle = await startIdleCampaign(env, config, TASK_QUEUE);
    try {
      const rssIdleMb = await rssMb(pid);
      for (let from = 0; from < sizes.intakeLeads; from += sizes.intakeBatch) {
        const count = Math.min(sizes.intakeBatch, sizes.intakeLeads - from);
        const leads = leadBatch({ prefix: 'P', from, count, tier: 'standard', owners, createdAt: Date.now() });
        await handle.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
      }
      const openLeads = await waitFor(
        async () => {
          const state = await handle.query(slaStateQuery);
          return state.openLeads === sizes.intakeLeads ? state.openLeads : undefined;
        },
        { timeoutMs: 60_000, describe: () => `the production worker's campaign never held ${sizes.intakeLeads} leads` },
      );
      return { openLeads, rssIdleMb, rssAfterMb: await rssMb(pid), workflowBundle, installedPackages };
    } finally {
      await terminateIfRunning(handle, 'bench: production worker measured');
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}
