// Deploy-safe operations on the dev server: the worker refuses a namespace without our search attributes
// (one line), `setup-namespace` creates namespace and attributes (idempotent, refuses wrong types), and
// `replay` passes live histories against the current code and names the workflow when code diverges.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { ensureNamespace } from '../runtime/namespace';
import { registerSearchAttributes, verifySearchAttributes } from '../runtime/searchAttributes';
import { CliError } from '../scripts/cli/errors';
import { replayCommand, setupNamespace } from '../scripts/cli/operations';
import { campaignSla } from '../workflows/campaignSla';
import { quarterlyReset } from '../workflows/quarterlyReset';
import { admitLeadsUpdate, allSearchAttributeKeys, campaignWorkflowId } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { useCampaignHarness } from './support/temporal';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const TASK_QUEUE = 'operations-integration';
const h = useCampaignHarness({ server: 'dev', taskQueue: TASK_QUEUE });
const clientFor = (namespace: string) => new Client({ connection: h.env.connection, namespace });

describe('search attributes', () => {
  it('the production worker stops with one line naming the missing attributes and the admin command', async () => {
    await ensureNamespace(h.env.client, 'bare-worker', 86_400_000);
    const failure = await run(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(path.join(tmpdir(), 'campaign-sla-sa-worker-')),
        DATABASE_URL: h.db.url,
        TEMPORAL_ADDRESS: h.env.connection.options.address,
        TEMPORAL_NAMESPACE: 'bare-worker',
        CAMPAIGN_SLA_ADAPTERS: 'sandbox',
        METRICS_BIND_ADDRESS: 'off',
        HEALTH_BIND_ADDRESS: '127.0.0.1:0',
      },
    }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(1);
    const lines = failure!.stdout.split('\n').filter(Boolean);
    const failed = lines
      .map((line) => JSON.parse(line) as { msg: string; error?: string })
      .find((l) => l.msg === 'worker failed');
    expect(failed?.error).toContain("namespace bare-worker lacks campaign-sla's search attributes");
    for (const key of allSearchAttributeKeys) expect(failed?.error).toContain(`${key.name} (${key.type}) is missing`);
    expect(failed?.error).toContain('campaign-sla setup-namespace');
  });

  it('setup-namespace creates the namespace and the attributes once, then reports them ready', async () => {
    const client = clientFor('fresh-ns');
    await expect(verifySearchAttributes(client, 'fresh-ns')).rejects.toThrow(/fresh-ns/);
    const first = await setupNamespace(client, '3d');
    expect(first.namespaceCreated).toBe(true);
    expect(first.searchAttributesAdded.sort()).toEqual(allSearchAttributeKeys.map((k) => k.name).sort());
    await expect(verifySearchAttributes(client, 'fresh-ns')).resolves.toBeUndefined();
    const again = await setupNamespace(client, '3d');
    expect(again).toMatchObject({ namespaceCreated: false, searchAttributesAdded: [] });
    const { config } = await client.workflowService.describeNamespace({ namespace: 'fresh-ns' });
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(3 * 86_400);
  });

  it('refuses an attribute registered with another type, in verify and in setup', async () => {
    await ensureNamespace(h.env.client, 'mistyped', 86_400_000);
    // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT
    await h.env.connection.operatorService.addSearchAttributes({
      namespace: 'mistyped',
      searchAttributes: { CampaignId: 3 },
    });
    const client = clientFor('mistyped');
    await expect(verifySearchAttributes(client, 'mistyped')).rejects.toThrow('CampaignId is INT, needs KEYWORD');
    await expect(registerSearchAttributes(client, 'mistyped')).rejects.toThrow('CampaignId is INT, needs KEYWORD');
  });

  it('rejects a bad retention as bad input', async () => {
    await expect(setupNamespace(clientFor('never-made'), 'soon')).rejects.toMatchObject({ exitCode: 2 });
  });
});

/** A campaign on the seed's terms, on this file's worker. */
const startCampaign = (campaignId: string) =>
  h.env.client.workflow.start(campaignSla, {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(campaignId),
    args: [{ config: seedTermsConfig({ id: campaignId }) }],
  });

describe('stack traces', () => {
  it("name the workflow's TypeScript files and lines: the bundle's source map keeps its mappings without the sources' text", async () => {
    const wf = await startCampaign('stack-trace');
    try {
      // What the Temporal UI's "Stack Trace" tab shows for a running campaign waiting in its loop.
      await expect
        .poll(() => wf.query<string>('__stack_trace'), { timeout: 20_000 })
        .toMatch(/workflows\/campaignSla\/loop\.ts:\d+:\d+/);
      expect(await wf.query<string>('__stack_trace')).not.toContain('workflow-bundle');
    } finally {
      await wf.terminate('test done');
    }
  });
});

describe('replay', () => {
  it('replays a live campaign against the current code, and names it when the code diverges', async () => {
    const wf = await startCampaign('replay-check');
    await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: 'RP-1', tier: 'standard', ownerId: 'rep-a', createdAt: new Date().toISOString() }] }],
    });
    // Visibility is eventually consistent: wait until the default query (running campaigns) sees it.
    const query = `WorkflowId = "${wf.workflowId}"`;
    await expect.poll(async () => (await h.env.client.workflow.count(query)).count, { timeout: 20_000 }).toBe(1);
    await expect
      .poll(async () => (await wf.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes), {
        timeout: 20_000,
      })
      .toBe(true);

    // A quarterly reset (here a backfill of an ancient quarter) is replayed too, as its own workflow type.
    const reset = await h.env.client.workflow.execute(quarterlyReset, {
      taskQueue: TASK_QUEUE,
      workflowId: 'quarterly-reset-replay-check',
      args: [{ quarter: '1900-Q1' }],
    });
    expect(reset.failed).toEqual([]);
    await expect
      .poll(async () => (await h.env.client.workflow.count(`WorkflowId = "quarterly-reset-replay-check"`)).count, {
        timeout: 20_000,
      })
      .toBe(1);

    const progress: string[] = [];
    const ok = await replayCommand(
      h.env.client,
      { since: '7d' },
      new Date(Date.now() - 7 * 86_400_000).toISOString(),
      (line) => progress.push(line),
    );
    expect(ok.replayed).toBeGreaterThanOrEqual(1);
    expect(ok.failures).toEqual([]);
    expect(ok.query).toContain('WorkflowType IN ("campaignSla", "quarterlyReset")');
    expect(ok.workflowTypes).toEqual({ campaignSla: expect.any(Number), quarterlyReset: 1 });

    const divergent = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'divergentWorkflow'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const bundlePath = path.join(mkdtempSync(path.join(tmpdir(), 'campaign-sla-replay-')), 'workflow-bundle.js');
    writeFileSync(bundlePath, divergent.code);
    const failure = await replayCommand(h.env.client, { since: '7d', query, bundle: bundlePath }, '', (line) =>
      progress.push(line),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(1);
    expect((failure as CliError).message).toMatch(
      new RegExp(
        `^replay failed for 1 of 1 histories; first: workflow ${wf.workflowId} \\(run [^)]+\\): DeterminismViolationError: .+`,
      ),
    );
    expect(progress).toEqual([expect.stringContaining(`nondeterminism in ${wf.workflowId}: `)]);

    // The command itself: core's "Failing workflow task" warnings come out as JSON lines on stderr, and stdout,
    // which --json promises to a script, holds no ANSI console line.
    const cli = await run(
      path.join(root, 'bin', 'campaign-sla'),
      ['replay', '--json', '--query', query, '--bundle', bundlePath],
      {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: h.env.connection.options.address,
          TEMPORAL_NAMESPACE: 'default',
        },
      },
    ).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(cli?.code).toBe(1);
    expect(cli?.stdout).not.toContain('\u001b');
    for (const line of cli!.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
    const stderr = cli!.stderr.split('\n').filter(Boolean);
    expect(stderr.join('\n')).not.toContain('\u001b');
    expect(stderr.at(-1)).toMatch(/^campaign-sla: replay failed for 1 of 1 histories; first: workflow /);
    for (const line of stderr.filter((l) => !l.startsWith('campaign-sla: ') && !l.startsWith('nondeterminism in ')))
      expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('refuses a bundle path that does not exist', async () => {
    await expect(
      replayCommand(h.env.client, { since: '7d', bundle: '/nonexistent/workflow-bundle.js' }, '', () => {}),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
});
