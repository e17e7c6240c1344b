// The production stack as files: docker-compose.yml against the official Compose schema, the structure
// the app relies on (search attributes in sync with workflows/messages.ts, wiring, pinned images), the
// Dockerfile's entry points, and the search-attribute job's script run against a real Temporal dev server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devServerExecutable } from '../runtime/dev/temporalBinaries';
import { allSearchAttributeKeys, integrationsTaskQueue, TASK_QUEUE } from '../workflows/messages';
import { freePort } from '../runtime/dev/tcpPorts';
import { buildIdOf, workerDeploymentFromEnv } from '../runtime/deployment';
import { DEFAULT_HEALTH_BIND_ADDRESS } from '../runtime/health';
import { DEFAULT_METRICS_BIND_ADDRESS } from '../runtime/telemetry';
import { createTestDatabase } from './support/postgres';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const dockerfileText = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  expose?: string[];
  ports?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Compose resolves YAML merge keys (<<:), so the test must too.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};

function validateAgainstComposeSchema(document: unknown): string[] {
  const schema = JSON.parse(readFileSync(path.join(root, 'deploy', 'compose-spec.schema.json'), 'utf8'));
  // The schema names draft-07 by an https URI that Ajv does not register; draft-07 is Ajv's default anyway.
  delete schema.$schema;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.dataPath || '(root)'} ${e.message}`);
}

/** Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} interpolation, enough for this file. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const set = vars[name];
    if (set) return set;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

// How the Temporal CLI spells the SDK's SearchAttributeType values: KEYWORD_LIST → KeywordList.
const cliTypeName = (type: string): string =>
  type
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');

function searchAttributesInCompose(): Map<string, string> {
  const list = service('temporal-search-attributes').environment?.CAMPAIGN_SLA_SEARCH_ATTRIBUTES ?? '';
  return new Map(
    list
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
}

/** Exec-form CMD/ENTRYPOINT instructions of the Dockerfile. */
function dockerfileExecInstructions(): { instruction: string; args: string[] }[] {
  return [...dockerfileText.matchAll(/^(CMD|ENTRYPOINT)\s+(\[.*\])\s*$/gm)].map((m) => ({
    instruction: m[1],
    args: JSON.parse(m[2]) as string[],
  }));
}

/** Arguments that name a file of this repository; the image runs dist/X.js built from X.ts (npm run build). */
const repoFileArgs = (args: string[]): string[] =>
  args
    .filter((arg) => /^(bin|workers|scripts|dist)\/|\.(ts|sh)$/.test(arg))
    .map((arg) => (arg.startsWith('dist/') ? arg.slice('dist/'.length).replace(/\.js$/, '.ts') : arg));

/** A container path mapped back to the repository through the service's read-only bind mounts. */
function hostPathOf(svc: Service, containerPath: string): string | undefined {
  for (const volume of svc.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (source.startsWith('./') && containerPath.startsWith(`${target}/`)) {
      return path.join(root, source, containerPath.slice(target.length + 1));
    }
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(validateAgainstComposeSchema(compose)).toEqual([]);
  });

  it('is checked by a validator that rejects what Compose rejects', () => {
    const broken = structuredClone(compose);
    (broken.services.worker as Record<string, unknown>).restart_policy = 'always';
    broken.services.postgres.depends_on = { temporal: { condition: 'service_ready' } };
    const errors = validateAgainstComposeSchema(broken);
    expect(errors).toContain(".services['worker'] should NOT have additional properties");
    expect(errors.some((e) => e.startsWith(".services['postgres'].depends_on"))).toBe(true);
  });

  it('runs Postgres, the Temporal server with its schema job, UI and search-attribute job, the two workers and the dashboard', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'dashboard',
        'integrations-worker',
        'postgres',
        'temporal',
        'temporal-schema',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('keeps Postgres on a named volume behind a healthcheck that Temporal and its schema job wait for', () => {
    const postgres = service('postgres');
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    const dataVolume = postgres.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume && Object.keys(compose.volumes ?? {})).toContain(dataVolume?.split(':')[0]);
    expect(service('temporal').depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(service('temporal-schema').depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(service('temporal').depends_on?.['temporal-schema']).toEqual({
      condition: 'service_completed_successfully',
    });
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
  });

  it('registers exactly the search attributes of workflows/messages.ts, with their types', () => {
    const expected = new Map(allSearchAttributeKeys.map((key) => [key.name, cliTypeName(key.type)]));
    expect(Object.fromEntries(searchAttributesInCompose())).toEqual(Object.fromEntries(expected));
    expect(service('temporal-search-attributes').depends_on?.temporal).toEqual({ condition: 'service_healthy' });
    expect(service('worker').depends_on?.['temporal-search-attributes']).toEqual({
      condition: 'service_completed_successfully',
    });
  });

  it.each(['worker', 'integrations-worker', 'dashboard'])(
    'builds %s from the Dockerfile and points it at the stack',
    (name) => {
      const app = service(name);
      expect(app.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(existsSync(path.join(root, app.build!.context, app.build!.dockerfile))).toBe(true);
      const env = app.environment ?? {};
      expect(interpolate(env.TEMPORAL_ADDRESS ?? '', {})).toBe('temporal:7233');
      expect(interpolate(env.TEMPORAL_ADDRESS ?? '', { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' })).toBe(
        'ns.acct.tmprl.cloud:7233',
      );
      const databaseUrl = new URL(interpolate(env.DATABASE_URL ?? '', { POSTGRES_PASSWORD: 'c0ffee' }));
      expect(databaseUrl.toString()).toBe('postgres://campaign_sla:c0ffee@postgres:5432/campaign_sla');
      expect(() => interpolate(env.DATABASE_URL ?? '', {})).toThrow(/^POSTGRES_PASSWORD: set POSTGRES_PASSWORD/);
      expect(app.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    },
  );

  it('splits the workers by role: credentials mounted into the integrations worker only', () => {
    expect(service('worker').environment?.CAMPAIGN_SLA_WORKER_ROLE).toBe('campaign');
    expect(service('integrations-worker').environment?.CAMPAIGN_SLA_WORKER_ROLE).toBe('integrations');
    expect(service('worker').volumes).toBeUndefined();
    expect(service('integrations-worker').volumes).toEqual(['./deploy/secrets:/run/secrets/campaign-sla:ro']);
    // The same code in both: a deployment version spans the campaign and integrations queues.
    expect(service('integrations-worker').environment?.CAMPAIGN_SLA_DEPLOYMENT).toBe(
      service('worker').environment?.CAMPAIGN_SLA_DEPLOYMENT,
    );
  });

  it('passes the versioning setting to the worker: unversioned by default, a deployment version when set', async () => {
    const setting = service('worker').environment?.CAMPAIGN_SLA_DEPLOYMENT;
    expect(setting).toBeDefined();
    const bundle = { code: 'workflow code' };
    const unset = interpolate(setting!, {});
    expect(unset).toBe('');
    expect(await workerDeploymentFromEnv(bundle, { CAMPAIGN_SLA_DEPLOYMENT: unset })).toBeUndefined();
    const named = interpolate(setting!, { CAMPAIGN_SLA_DEPLOYMENT: 'campaign-sla' });
    expect(await workerDeploymentFromEnv(bundle, { CAMPAIGN_SLA_DEPLOYMENT: named })).toMatchObject({
      version: { deploymentName: 'campaign-sla', buildId: buildIdOf(bundle.code) },
      useWorkerVersioning: true,
    });
    expect(service('dashboard').environment?.CAMPAIGN_SLA_DEPLOYMENT).toBeUndefined();
  });

  it.each(['worker', 'integrations-worker'])(
    "checks %s's readiness with node (the image has no curl) and exposes metrics and health ports",
    (name) => {
      const worker = service(name);
      const [form, program, flag, script] = worker.healthcheck?.test ?? [];
      expect([form, program, flag]).toEqual(['CMD', 'node', '-e']);
      const healthPort = DEFAULT_HEALTH_BIND_ADDRESS.split(':')[1];
      expect(script).toContain(`http://127.0.0.1:${healthPort}/readyz`);
      expect(worker.expose).toEqual(expect.arrayContaining([DEFAULT_METRICS_BIND_ADDRESS.split(':')[1], healthPort]));
      // Scaling out (--scale worker=3) must not collide on host ports.
      expect(worker.ports).toBeUndefined();
    },
  );

  it('pins every image to a version tag', () => {
    const images = [
      ...Object.values(compose.services).flatMap((s) => (s.image ? [s.image] : [])),
      ...[...dockerfileText.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]),
    ];
    for (const image of images) {
      const tag = image.split(':')[1];
      expect(tag, `${image} needs an explicit tag`).toBeTruthy();
      expect(tag, `${image} must not float on latest`).not.toMatch(/latest/);
    }
  });

  it("starts only files that exist: the Dockerfile's CMD, the dashboard command and the jobs' scripts", () => {
    const instructions = dockerfileExecInstructions();
    expect(instructions.map((i) => i.instruction)).toContain('CMD');
    const appFiles = [
      ...instructions.flatMap((i) => repoFileArgs(i.args)),
      ...repoFileArgs(service('dashboard').command ?? []),
    ];
    expect(appFiles).toEqual(expect.arrayContaining(['workers/main.ts', 'dashboard/main.ts']));
    for (const file of appFiles) expect(existsSync(path.join(root, file)), `${file} is missing`).toBe(true);

    for (const name of ['temporal-schema', 'temporal-search-attributes']) {
      const job = service(name);
      const [script] = job.command ?? [];
      const hostPath = hostPathOf(job, script);
      expect(hostPath, `${name}: ${script} is not under a bind mount`).toBeDefined();
      expect(existsSync(hostPath!), `${name}: ${hostPath} is missing`).toBe(true);
    }
  });
});

describe('the worker entry point (the Dockerfile CMD)', () => {
  it('refuses to start without its settings and names each missing one', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'campaign-sla-worker-env-'));
    const failure = await run(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: root,
      // No DATABASE_URL, TEMPORAL_ADDRESS or adapters; HOME without a Temporal env-config profile.
      env: { PATH: process.env.PATH, HOME: home, CAMPAIGN_SLA_ADAPTERS: 'live', CAMPAIGN_SLA_WORKER_ROLE: 'ads' },
    }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    const output = `${failure?.stdout}${failure?.stderr}`;
    expect(output).toContain('DATABASE_URL is not set');
    expect(output).toContain('TEMPORAL_ADDRESS is not set');
    expect(output).toContain('CAMPAIGN_SLA_ADAPTERS must be one of real, sandbox, got \\"live\\"');
    expect(output).toContain('CAMPAIGN_SLA_WORKER_ROLE must be one of all, campaign, integrations, got \\"ads\\"');
  });
});

describe('against a Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let cliDir: string;
  const namespace = 'default';

  beforeAll(async () => {
    const executable = devServerExecutable();
    if (executable?.type !== 'existing-path')
      throw new Error('the Temporal CLI is needed on disk: run `npm run setup`');
    cliDir = path.dirname(executable.path);
    // A server without our search attributes, like a freshly set-up cluster.
    env = await TestWorkflowEnvironment.createLocal({ server: { executable, extraArgs: ['--log-level', 'error'] } });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const runScript = (attributes: string) =>
    run('sh', [path.join(root, 'deploy', 'temporal', 'register-search-attributes.sh')], {
      env: {
        PATH: `${cliDir}${path.delimiter}${process.env.PATH}`,
        HOME: mkdtempSync(path.join(tmpdir(), 'campaign-sla-sa-')),
        TEMPORAL_ADDRESS: env.connection.options.address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_WAIT_ATTEMPTS: '5',
        CAMPAIGN_SLA_SEARCH_ATTRIBUTES: attributes,
      },
    });

  it('the search-attribute job registers every attribute with its type and is safe to re-run', async () => {
    const attributes = service('temporal-search-attributes').environment!.CAMPAIGN_SLA_SEARCH_ATTRIBUTES;
    await runScript(attributes);
    const second = await runScript(attributes);
    expect(second.stdout).toContain('search attribute CampaignId (Keyword): ready');

    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
    // temporal.api.enums.v1.IndexedValueType numbers, as the server reports them.
    const indexedValueType = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 } as const;
    for (const key of allSearchAttributeKeys) {
      expect(customAttributes?.[key.name], key.name).toBe(indexedValueType[key.type as keyof typeof indexedValueType]);
    }
  });

  it('the search-attribute job fails, naming the attribute, when one exists with another type', async () => {
    const failure = await runScript('CampaignId=Int').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      'search attribute CampaignId is registered as INDEXED_VALUE_TYPE_KEYWORD but campaign-sla needs Int',
    );
  });

  // temporal.api.enums.v1.TaskQueueType
  const WORKFLOW_TASKS = 1;
  const ACTIVITY_TASKS = 2;
  /** Whether a process polls a queue: the SDK's default worker identity is `<pid>@<host>`. */
  const polledBy = (pid: number, taskQueue: string, taskQueueType: number) => async () =>
    (
      await env.client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })
    ).pollers?.some((poller) => poller.identity?.startsWith(`${pid}@`)) ?? false;

  // A preloaded probe writes, as the process exits, every module it loaded; vendor clients are found by path.
  const VENDOR_CLIENTS = ['jsforce', 'google-ads-api'];
  async function vendorClientsLoadedBy(role: string): Promise<string[]> {
    const database = await createTestDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), 'campaign-sla-role-'));
    const probe = path.join(dir, 'probe.cjs');
    const loaded = path.join(dir, 'loaded.json');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))));`,
    );
    let spawned: ChildProcess | undefined;
    try {
      const worker = spawn(process.execPath, ['--require', probe, '--import', 'tsx', 'workers/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          DATABASE_URL: database.url,
          TEMPORAL_ADDRESS: env.connection.options.address,
          CAMPAIGN_SLA_ADAPTERS: 'sandbox',
          CAMPAIGN_SLA_WORKER_ROLE: role,
          METRICS_BIND_ADDRESS: 'off',
          HEALTH_BIND_ADDRESS: '127.0.0.1:0',
        },
      });
      spawned = worker;
      let output = '';
      worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
      await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain('"msg":"worker running"');
      worker.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      const modules = JSON.parse(readFileSync(loaded, 'utf8')) as string[];
      return VENDOR_CLIENTS.filter((name) => modules.some((file) => file.includes(`/node_modules/${name}/`)));
    } finally {
      // A failed assertion must not leave the worker polling after the file ends.
      if (spawned?.exitCode === null && spawned.signalCode === null) spawned.kill('SIGKILL');
      await database.drop();
    }
  }

  it('a campaign-only worker never loads the Salesforce or Google Ads clients; one serving both loads them', async () => {
    expect(await vendorClientsLoadedBy('campaign')).toEqual([]);
    expect(await vendorClientsLoadedBy('all')).toEqual(VENDOR_CLIENTS);
  });

  it('the worker migrates the ledger, polls the task queue and stops cleanly on SIGTERM', async () => {
    const database = await createTestDatabase({ migrate: false });
    let spawned: ChildProcess | undefined;
    try {
      const [metricsPort, healthPort] = [await freePort(), await freePort()];
      const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: mkdtempSync(path.join(tmpdir(), 'campaign-sla-worker-')),
          DATABASE_URL: database.url,
          TEMPORAL_ADDRESS: env.connection.options.address,
          CAMPAIGN_SLA_ADAPTERS: 'sandbox',
          METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
          HEALTH_BIND_ADDRESS: `127.0.0.1:${healthPort}`,
        },
      });
      spawned = worker;
      let output = '';
      worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));

      await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain('"msg":"worker running"');
      // The server lists a poller once the worker's first long poll reaches it, a moment after "worker running".
      await expect
        .poll(polledBy(worker.pid!, TASK_QUEUE, WORKFLOW_TASKS), { timeout: 30_000, interval: 250 })
        .toBe(true);
      // The default role serves the campaigns' calls to Salesforce and Google Ads too, on the queue beside.
      await expect
        .poll(polledBy(worker.pid!, integrationsTaskQueue(TASK_QUEUE), ACTIVITY_TASKS), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(true);
      const { rows } = await database.pool.query<{ name: string }>(
        'SELECT name FROM schema_migrations ORDER BY version',
      );
      expect(rows.length).toBeGreaterThan(0);

      // The compose healthcheck, verbatim but for the port.
      const healthcheck = service('worker').healthcheck!.test[3].replace(':8081/', `:${healthPort}/`);
      await expect(run(process.execPath, ['-e', healthcheck])).resolves.toBeDefined();
      expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).json()).toEqual({ status: 'ready' });
      // The SDK's runtime metrics, from core's Prometheus exporter.
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^temporal_worker_start\{[^}]*task_queue="campaign-sla"[^}]*\} 1$/m);

      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"worker stopped"');
      // One JSON format: every stdout line parses, core's and the SDK's included.
      for (const line of output.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      // A failed assertion must not leave the worker polling after the file ends.
      if (spawned?.exitCode === null && spawned.signalCode === null) spawned.kill('SIGKILL');
      await database.drop();
    }
  });
});
