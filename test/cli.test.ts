// The CLI's command functions against a dev server with the real worker (sandbox adapters, real
// ledger), plus process-level checks of bin/campaign-sla: exit codes and one-line errors.
import { createHash } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerQueries } from '../reports/ledgerQueries';
import { readCampaignFile } from '../scripts/cli/campaignFiles';
import { amendCampaign, campaignStatus, startCampaign } from '../scripts/cli/campaigns';
import { CliError, describeFailure, ExitCode, oneLine } from '../scripts/cli/errors';
import {
  contactEvent,
  dispositionEvent,
  importLeads,
  leadStatus,
  parseLeadFile,
  readLeadFile,
  recordLeadEvent,
  stableEventId,
} from '../scripts/cli/leads';
import { breaches, quarterReport, parseSince } from '../scripts/cli/ledgerReports';
import { decideProposal, listProposals } from '../scripts/cli/proposals';
import { listCampaigns, listQuery } from '../reports/workflowReads';
import { approveCommand } from '../reports/approveCommand';
import { decisionAttempts, recordDecisionAttempt, type DecisionAttempt } from '../reports/decisionAudit';
import { decideProposalInputSchema } from '../sla/leadEvents';
import { approverForToken } from '../reports/approverTokens';
import { parseCampaignConfigText } from '../runtime/campaignFile';
import { TASK_QUEUE } from '../workflows/messages';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, testWorker, type TestWorkerHandle } from './support/temporal';

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, '..');
const bin = path.join(projectRoot, 'bin', 'campaign-sla');

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: TestWorkerHandle;
let workerRun: Promise<void>;
let dir: string;

/** The demo campaign under another id, CRM polling off so only CLI-admitted leads exist. */
async function campaignFile(id: string, version = 1): Promise<string> {
  const demo = await readFile(path.join(projectRoot, 'examples', 'demo.yaml'), 'utf8');
  const text = demo
    .replace('id: sandbox-demo', `id: ${id}`)
    .replace('pollEvery: 5s', 'pollEvery: 0s')
    .replace(/^version: 1$/m, `version: ${version}`);
  const file = path.join(dir, `${id}-v${version}.yaml`);
  await writeFile(file, text);
  return file;
}

const cliEnv = () => ({
  ...process.env,
  TEMPORAL_ADDRESS: env.address,
  TEMPORAL_NAMESPACE: env.namespace ?? 'default',
  DATABASE_URL: db.url,
});

/** Runs the CLI with its stdout read by nobody: the reader closed the pipe before the first write. */
function cliIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(bin, args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, {
      env: cliEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  [env, db, dir] = await Promise.all([devServerEnv(), createTestDatabase(), mkdtemp(path.join(tmpdir(), 'cli-test-'))]);
  worker = await testWorker(env, db, { taskQueue: TASK_QUEUE });
  workerRun = worker.worker.run();
});

afterAll(async () => {
  worker?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

describe('campaign commands', () => {
  it('starts a campaign once; a second start is a clear error, not a duplicate', async () => {
    const file = await readCampaignFile(await campaignFile('cli-start'));
    const started = await startCampaign(env.client, file);
    expect(started).toMatchObject({ campaignId: 'cli-start', workflowId: 'campaign-sla:cli-start' });

    const again = await startCampaign(env.client, file).catch((err: unknown) => err);
    expect(again).toBeInstanceOf(CliError);
    expect((again as CliError).message).toBe('campaign cli-start is already running (workflow campaign-sla:cli-start)');
    expect((again as CliError).exitCode).toBe(ExitCode.failed);

    const state = await campaignStatus(env.client, 'cli-start');
    expect(state).toMatchObject({ campaignId: 'cli-start', status: 'running', configVersion: 1 });
  });

  it('lists running campaigns through visibility with the typed CampaignId', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-list')));
    await expect
      .poll(async () => (await listCampaigns(env.client, { status: 'running' })).map((r) => r.campaignId), {
        timeout: 15_000,
      })
      .toContain('cli-list');
    const row = (await listCampaigns(env.client, { status: 'all' })).find((r) => r.campaignId === 'cli-list');
    expect(row).toMatchObject({ workflowId: 'campaign-sla:cli-list', status: 'RUNNING' });
    expect(await listCampaigns(env.client, { status: 'running', health: 'breaching' })).not.toContainEqual(
      expect.objectContaining({ campaignId: 'cli-list', health: 'healthy' }),
    );
  });

  it('builds visibility queries from the filters, never matching runs that continued as new', () => {
    expect(listQuery({ status: 'all' })).toBe(`WorkflowType = 'campaignSla' AND ExecutionStatus != 'ContinuedAsNew'`);
    // `list --health breaching` and the Breaching link `npm start` prints to the Temporal UI.
    expect(listQuery({ status: 'running', health: 'breaching' })).toBe(
      `WorkflowType = 'campaignSla' AND ExecutionStatus = 'Running' AND SlaHealth = "breaching"`,
    );
    expect(listQuery({ status: 'running', health: 'breaching', pendingApproval: true })).toBe(
      `WorkflowType = 'campaignSla' AND ExecutionStatus = 'Running' AND SlaHealth = "breaching" AND PendingApproval = true`,
    );
    // Health and pending approval are live state: an old run keeps its last values, so they imply Running.
    expect(listQuery({ status: 'all', health: 'breaching' })).toBe(
      `WorkflowType = 'campaignSla' AND ExecutionStatus = 'Running' AND SlaHealth = "breaching"`,
    );
    expect(listQuery({ status: 'all', pendingApproval: true })).toBe(
      `WorkflowType = 'campaignSla' AND ExecutionStatus = 'Running' AND PendingApproval = true`,
    );
  });

  it('amends the SLA with a newer version and refuses a file for another campaign', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-amend')));
    const outcome = await amendCampaign(
      env.client,
      'cli-amend',
      await readCampaignFile(await campaignFile('cli-amend', 2)),
    );
    expect(outcome).toEqual({ configVersion: 2, appliesTo: 'new leads' });

    const other = await readCampaignFile(await campaignFile('cli-other', 3));
    await expect(amendCampaign(env.client, 'cli-amend', other)).rejects.toMatchObject({ exitCode: ExitCode.badInput });

    const stale = await amendCampaign(
      env.client,
      'cli-amend',
      await readCampaignFile(await campaignFile('cli-amend', 2)),
    ).catch((e: unknown) => e);
    expect(describeFailure(stale)).toEqual({
      message:
        'rejected by the campaign workflow: invalid amendment: version: amendment version 2 must be greater than the current 2',
      exitCode: ExitCode.badInput,
    });
  });

  it('reports an unknown campaign as not found (exit 3)', async () => {
    const err = await campaignStatus(env.client, 'no-such-campaign').catch((e: unknown) => e);
    expect(describeFailure(err)).toEqual({
      message: 'unknown campaign "no-such-campaign" (no workflow campaign-sla:no-such-campaign)',
      exitCode: ExitCode.notFound,
    });
  });
});

describe('lead commands', () => {
  it('imports CSV leads in batches, reports duplicates on a re-run, and records touches idempotently', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-leads')));
    const now = new Date();
    const csv = [
      'leadId,tier,ownerId,createdAt',
      ...[1, 2, 3].map((i) => `L-${i},${i === 1 ? 'high-intent' : 'standard'},demo-rep-1,${now.toISOString()}`),
    ].join('\n');
    const file = path.join(dir, 'leads.csv');
    await writeFile(file, csv);
    const progress: number[] = [];
    const first = await importLeads(env.client, 'cli-leads', await readLeadFile(file), (sent) => progress.push(sent));
    expect(first).toEqual({ campaignId: 'cli-leads', leads: 3, admitted: 3, duplicates: 0, batches: 1 });
    expect(progress).toEqual([3]);
    expect(await importLeads(env.client, 'cli-leads', await readLeadFile(file))).toMatchObject({
      admitted: 0,
      duplicates: 3,
    });

    const touch = contactEvent('cli-leads', 'L-1', 'call', { now });
    expect(await recordLeadEvent(env.client, 'cli-leads', touch)).toMatchObject({ leadId: 'L-1', result: 'applied' });
    // The same command again within the minute: same default event ID, so nothing new happens.
    const retry = contactEvent('cli-leads', 'L-1', 'call', { now: new Date(now.getTime() + 1) });
    expect(retry.eventId).toBe(touch.eventId);
    expect(await recordLeadEvent(env.client, 'cli-leads', retry)).toMatchObject({ result: 'duplicate' });

    const accept = dispositionEvent('cli-leads', 'L-1', 'accept', undefined, { now });
    expect(await recordLeadEvent(env.client, 'cli-leads', accept)).toMatchObject({ result: 'applied' });

    const state = await campaignStatus(env.client, 'cli-leads');
    expect(state.openLeads).toBe(3);
  });

  it('sends large imports in batches of 500 and reports progress after each', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-bulk')));
    const createdAt = new Date().toISOString();
    const file = path.join(dir, 'bulk.json');
    await writeFile(
      file,
      JSON.stringify(
        Array.from({ length: 1200 }, (_, i) => ({
          leadId: `B-${i}`,
          tier: 'standard',
          ownerId: 'demo-rep-2',
          createdAt,
        })),
      ),
    );
    const progress: number[] = [];
    const summary = await importLeads(env.client, 'cli-bulk', await readLeadFile(file), (sent) => progress.push(sent));
    expect(summary).toEqual({ campaignId: 'cli-bulk', leads: 1200, admitted: 1200, duplicates: 0, batches: 3 });
    expect(progress).toEqual([500, 1000, 1200]);
    expect((await campaignStatus(env.client, 'cli-bulk')).openLeads).toBe(1200);
  });

  it('sends an unknown tier to the workflow validator, which rejects the batch with the field path', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-tier')));
    const leads = parseLeadFile(
      'x.json',
      JSON.stringify([{ leadId: 'L-9', tier: 'vip', ownerId: 'demo-rep-1', createdAt: new Date().toISOString() }]),
    );
    const err = await importLeads(env.client, 'cli-tier', leads).catch((e: unknown) => e);
    const failure = describeFailure(err);
    expect(failure.exitCode).toBe(ExitCode.badInput);
    expect(failure.message).toContain('leads[0].tier: unknown tier "vip"');
    expect(failure.message).not.toContain('\n');
  });

  it('validates every row before sending and names row and field', () => {
    const csv =
      'leadId,tier,ownerId,createdAt\nL-1,standard,rep-1,2026-03-02T09:00:00Z\nL-2,,rep-1,2026-03-02T09:00:00Z\nL-3,standard,jane@example.com,yesterday';
    const err = (() => {
      try {
        parseLeadFile('leads.csv', csv);
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(err?.exitCode).toBe(ExitCode.badInput);
    expect(err?.message).toContain('row 2: tier: must not be empty');
    expect(err?.message).toContain('row 3: ownerId: must be an ID');
    expect(err?.message).toContain('row 3: createdAt: expected an ISO 8601 time');
    expect(() => parseLeadFile('leads.csv', 'id,tier\n1,standard')).toThrow(
      'header must be leadId,tier,ownerId,createdAt (missing leadId, ownerId, createdAt)',
    );
    expect(() => parseLeadFile('leads.json', '{"leadId": 1}')).toThrow('expected a JSON array of leads');
  });

  it('derives stable event IDs that the workflow accepts', () => {
    const id = stableEventId(['c', 'L-1', 'contact', 'call', '2026-03-02T09:00:00Z']);
    expect(id).toMatch(/^cli-[0-9a-f]{32}$/);
    expect(stableEventId(['c', 'L-1', 'contact', 'email', '2026-03-02T09:00:00Z'])).not.toBe(id);
    expect(() => contactEvent('c', 'L-1', 'pigeon', { now: new Date() })).toThrow(
      '--channel: expected one of call, email',
    );
  });
});

describe('lead command', () => {
  it('shows one lead with ISO times, like every other read model; an unknown lead is not found', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-lead')));
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    await importLeads(
      env.client,
      'cli-lead',
      parseLeadFile(
        'l.json',
        JSON.stringify([{ leadId: 'L-1', tier: 'high-intent', ownerId: 'demo-rep-1', createdAt }]),
      ),
    );
    const lead = await leadStatus(env.client, 'cli-lead', 'L-1');
    const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    expect(lead).toMatchObject({ leadId: 'L-1', ownerId: 'demo-rep-1', status: 'open', createdAt, closed: false });
    const clock = lead.clocks.firstTouch!;
    expect(clock.startedAt).toBe(createdAt);
    for (const time of [clock.warnAt, clock.deadline, ...lead.history.map((h) => h.at)]) expect(time).toMatch(isoTime);
    expect(Date.parse(clock.deadline)).toBeGreaterThan(Date.parse(clock.warnAt));
    expect(lead).not.toHaveProperty('eventIds');

    await expect(leadStatus(env.client, 'cli-lead', 'L-nobody')).rejects.toMatchObject({
      message: 'campaign "cli-lead" has no open lead "L-nobody"',
      exitCode: ExitCode.notFound,
    });
    await expect(leadStatus(env.client, 'ghost', 'L-1')).rejects.toMatchObject({ exitCode: ExitCode.notFound });
  });
});

describe('proposals and ledger commands', () => {
  it('passes a wrong approver back as the validator message, exit 2, before any problem with the reason', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-approve')));
    expect(await listProposals(env.client, 'cli-approve')).toBeInstanceOf(Array);
    const audit = (attempt: DecisionAttempt) => recordDecisionAttempt(db.pool, attempt);
    const refusal = async (approver: string, reason: string, proposalId = 'cli-approve-p99') =>
      describeFailure(
        await decideProposal(
          env.client,
          'cli-approve',
          { proposalId, decision: 'approve', approver, reason },
          audit,
        ).catch((e: unknown) => e),
      );
    // Who may decide is checked first: a non-approver learns that, not what else is wrong.
    const notListed = {
      message:
        'rejected by the campaign workflow: decision refused: approver: "mallory" is not on this campaign\'s approver list',
      exitCode: ExitCode.badInput,
    };
    expect(await refusal('mallory', 'looks fine')).toEqual(notListed);
    expect(await refusal('mallory', 'ok')).toEqual(notListed);
    // An approver is told about the short reason, then about the unknown proposal.
    expect(await refusal('demo-ops-lead', 'ok')).toEqual({
      message: 'rejected by the campaign workflow: invalid decision: reason: give a reason of at least 3 characters',
      exitCode: ExitCode.badInput,
    });
    expect(await refusal('demo-ops-lead', 'looks fine')).toMatchObject({
      message: expect.stringContaining('proposalId: unknown proposal "cli-approve-p99"'),
      exitCode: ExitCode.badInput,
    });
    // Hostile input is refused and audited, cut short.
    await refusal('m'.repeat(10_000), 'looks fine', '__proto__');
    // Every attempt is audited, refusals included, with who, the channel and why, in order.
    const attempts = await decisionAttempts(db.pool, 'cli-approve');
    expect(attempts.map((a) => [a.approver.slice(0, 8), a.channel, a.outcome, a.proposalId])).toEqual([
      ['mallory', 'cli', 'refused', 'cli-approve-p99'],
      ['mallory', 'cli', 'refused', 'cli-approve-p99'],
      ['demo-ops', 'cli', 'refused', 'cli-approve-p99'],
      ['demo-ops', 'cli', 'refused', 'cli-approve-p99'],
      ['mmmmmmmm', 'cli', 'refused', '__proto__'],
    ]);
    expect(attempts[0].detail).toBe(notListed.message);
    expect(attempts[2].detail).toMatch(/reason: give a reason of at least 3 characters/);
    expect(attempts[4].approver).toHaveLength(200);
    expect(attempts.every((a) => !Number.isNaN(Date.parse(a.at)))).toBe(true);
  });

  it("reads a closed quarter's report, or the current quarter to date in the campaign's own time zone", async () => {
    const queries = new LedgerQueries(db.pool);
    const id = 'cli-report';
    const demo = await readFile(path.join(projectRoot, 'examples', 'demo.yaml'), 'utf8');
    const text = demo.replace('id: sandbox-demo', `id: ${id}`).replace('timezone: UTC', 'timezone: Australia/Sydney');
    await worker.ledger.recordConfigVersion({
      campaignId: id,
      configVersion: 1,
      config: parseCampaignConfigText(text, 'cli-report.yaml'),
      recordedAt: '2027-01-01T00:00:00Z',
    });
    await worker.ledger.recordQuarterReport({
      campaignId: id,
      quarter: '2027-Q1',
      createdAt: '2027-03-31T13:00:05Z',
      report: { breachedLeads: 4 },
    });
    // Sydney's Q2 began at 2027-03-31T13:00Z (midnight AEDT); two clocks started since, one just before.
    const clock = (leadId: string, startedAt: string, outcome: object) => ({
      campaignId: id,
      leadId,
      clock: 'firstTouch' as const,
      startedAt,
      deadline: new Date(Date.parse(startedAt) + 3_600_000).toISOString(),
      ...outcome,
    });
    await worker.ledger.recordLeadActivity({
      leads: [],
      events: [],
      clocks: [
        clock('Q1-late', '2027-03-31T12:59:00Z', { breachedAt: '2027-03-31T13:59:00Z' }),
        clock('Q2-met', '2027-03-31T13:10:00Z', { metAt: '2027-03-31T13:20:00Z', elapsedWallMs: 600_000 }),
        clock('Q2-breached', '2027-03-31T13:30:00Z', { breachedAt: '2027-03-31T14:30:00Z' }),
      ],
    });
    // 15:00 UTC on 31 March: still Q1 in UTC, already Q2 in Sydney.
    const now = new Date('2027-03-31T15:00:00Z');

    const toDate = await quarterReport(queries, id, { now });
    expect(toDate).toMatchObject({
      kind: 'to-date',
      quarter: '2027-Q2',
      timezone: 'Australia/Sydney',
      from: '2027-03-31T13:00:00.000Z',
      through: '2027-03-31T15:00:00.000Z',
      compliance: { leads: 2, met: 1, breached: 1, pending: 0 },
      latestSnapshot: null,
      proposals: {},
    });
    expect(await quarterReport(queries, id, { quarter: '2027-Q2', now })).toEqual(toDate);
    expect(await quarterReport(queries, id, { quarter: '2027-Q2', toDate: true, now })).toEqual(toDate);
    expect(await quarterReport(queries, id, { quarter: '2027-Q1', now })).toMatchObject({
      kind: 'closed',
      quarter: '2027-Q1',
      report: { breachedLeads: 4 },
    });

    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: unknown) => describeFailure(err),
      );
    expect(await failure(quarterReport(queries, id, { quarter: '2026-Q4', now }))).toEqual({
      message: 'no 2026-Q4 report for campaign "cli-report" in the ledger: the quarterly reset has not closed it yet',
      exitCode: ExitCode.notFound,
    });
    expect(await failure(quarterReport(queries, id, { quarter: '2027-Q3', now }))).toMatchObject({
      message: expect.stringContaining('2027-Q3 has not started yet'),
      exitCode: ExitCode.badInput,
    });
    expect(await failure(quarterReport(queries, id, { quarter: '2027-Q1', toDate: true, now }))).toMatchObject({
      message: expect.stringContaining('--quarter-to-date: 2027-Q1 is closed'),
      exitCode: ExitCode.badInput,
    });
    expect(await failure(quarterReport(queries, id, { quarter: '2027-Q5', now }))).toMatchObject({
      exitCode: ExitCode.badInput,
    });
    expect(await failure(quarterReport(queries, 'no-such-campaign', { now }))).toEqual({
      message: 'campaign "no-such-campaign" has no recorded config in the ledger',
      exitCode: ExitCode.notFound,
    });
  });

  it('reports breaches of an unknown campaign as not found, not as "no breaches"', async () => {
    const queries = new LedgerQueries(db.pool);
    await expect(breaches(queries, 'no-such-campaign')).rejects.toMatchObject({ exitCode: ExitCode.notFound });
    await worker.ledger.recordConfigVersion({
      campaignId: 'cli-quiet',
      configVersion: 1,
      config: (await readCampaignFile(await campaignFile('cli-quiet'))).config,
      recordedAt: '2027-01-01T00:00:00Z',
    });
    expect(await breaches(queries, 'cli-quiet')).toEqual([]);
  });

  it('audits a decision the workflow took, and one that never got an answer, as accepted and failed', async () => {
    const attempts: DecisionAttempt[] = [];
    const clientAnswering = (executeUpdate: () => Promise<unknown>) =>
      ({ workflow: { getHandle: () => ({ executeUpdate }) } }) as unknown as Parameters<typeof decideProposal>[0];
    const decision = { proposalId: 'c-p1', decision: 'reject' as const, approver: 'ops-lead-1', reason: 'too early' };
    const audit = async (attempt: DecisionAttempt) => void attempts.push(attempt);
    await decideProposal(
      clientAnswering(async () => ({ status: 'rejected' })),
      'c',
      decision,
      audit,
    );
    await expect(
      decideProposal(
        clientAnswering(() => Promise.reject(new Error('connect ECONNREFUSED'))),
        'c',
        decision,
        audit,
      ),
    ).rejects.toThrow('ECONNREFUSED');
    expect(attempts).toEqual(
      [
        {
          ...decision,
          reason: undefined,
          campaignId: 'c',
          channel: 'cli',
          outcome: 'accepted',
          detail: 'proposal rejected',
        },
        {
          ...decision,
          reason: undefined,
          campaignId: 'c',
          channel: 'cli',
          outcome: 'failed',
          detail: 'connect ECONNREFUSED',
        },
      ].map(({ reason: _reason, ...attempt }) => attempt),
    );
  });

  it("prints the README's approve command with a reason the workflow accepts", async () => {
    const readme = await readFile(path.join(projectRoot, 'README.md'), 'utf8');
    const printed = /`npx (campaign-sla approve sandbox-demo <proposalId> --as (\S+) --reason "([^"]*)")`/.exec(readme);
    expect(printed, 'README approve command').not.toBeNull();
    const [, command, approver, reason] = printed!;
    expect(command).toBe(approveCommand('sandbox-demo', '<proposalId>', { approver, reason }));
    const decision = { proposalId: 'sandbox-demo-p2', decision: 'approve', approver, reason };
    expect(decideProposalInputSchema.safeParse(decision).success).toBe(true);
    const demo = await readCampaignFile(path.join(projectRoot, 'examples', 'demo.yaml'));
    expect(demo.config.approvals.approvers).toContain(approver);
    // The command as it was printed before: refused by the validator.
    expect(decideProposalInputSchema.safeParse({ ...decision, reason: 'ok' }).success).toBe(false);
  });

  it('parses --since as an ISO time or a look-back', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    expect(parseSince('24h', now)).toBe('2026-03-01T12:00:00.000Z');
    expect(parseSince('2026-03-01T00:00:00Z', now)).toBe('2026-03-01T00:00:00.000Z');
    expect(() => parseSince('last week', now)).toThrow('--since: expected an ISO time or a look-back like 24h');
  });

  it('folds multi-line messages into one line', () => {
    expect(oneLine('lead batch rejected, nothing admitted:\nleads[0].tier: bad\nleads[1].tier: bad')).toBe(
      'lead batch rejected, nothing admitted: leads[0].tier: bad; leads[1].tier: bad',
    );
  });
});

describe('bin/campaign-sla process', () => {
  it('exits 2 with one line for a bad campaign file, before connecting anywhere', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\ncampaign: { id: Bad Id }\n');
    const result = await cli(['start', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^campaign-sla: invalid campaign config in .*bad\.yaml \(\d+ problems\): campaign\.id: /,
    );

    const missing = await cli(['start', path.join(dir, 'nope.yaml')]);
    expect(missing).toMatchObject({ code: 2, stderr: `campaign-sla: ${path.join(dir, 'nope.yaml')}: no such file\n` });
  });

  it('exits 2 naming the row and field of a bad lead file', async () => {
    const file = path.join(dir, 'bad-leads.csv');
    await writeFile(
      file,
      'leadId,tier,ownerId,createdAt\nL-1,standard,rep-1,2026-03-02T09:00:00Z\nL-2,,rep-1,2026-03-02T09:00:00Z\n',
    );
    const result = await cli(['leads', 'add', 'whatever', file]);
    expect(result).toMatchObject({
      code: 2,
      stderr: `campaign-sla: ${file}: 1 invalid field(s), nothing sent: row 2: tier: must not be empty\n`,
    });
  });

  it('exits 3 for an unknown campaign and 2 for a usage error, without stack traces', async () => {
    const unknown = await cli(['status', 'ghost']);
    expect(unknown).toMatchObject({
      code: 3,
      stderr: 'campaign-sla: unknown campaign "ghost" (no workflow campaign-sla:ghost)\n',
    });
    const usage = await cli(['list', '--status', 'sometimes']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toContain('    at ');
  });

  it('exits 3 with one line for an unknown campaign in the ledger and an unknown lead', async () => {
    const unknown = await cli(['breaches', 'no-such-campaign']);
    expect(unknown).toMatchObject({
      code: 3,
      stdout: '',
      stderr: 'campaign-sla: campaign "no-such-campaign" has no recorded config in the ledger\n',
    });
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-nolead')));
    expect(await cli(['lead', 'cli-nolead', 'L-unknown'])).toMatchObject({
      code: 3,
      stderr: 'campaign-sla: campaign "cli-nolead" has no open lead "L-unknown"\n',
    });
  });

  it('exits 0 without a stack trace when the reader of its output goes away (| head)', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-pipe')));
    await worker.ledger.recordConfigVersion({
      campaignId: 'cli-pipe',
      configVersion: 1,
      config: (await readCampaignFile(await campaignFile('cli-pipe'))).config,
      recordedAt: '2027-01-01T00:00:00Z',
    });
    for (const args of [
      ['--help'],
      ['status', 'cli-pipe'],
      ['list', '--status', 'all', '--json'],
      ['scorecard', 'cli-pipe'],
      ['report', 'cli-pipe'],
    ]) {
      expect(await cliIntoClosedPipe(args), args.join(' ')).toEqual({ code: 0, stderr: '' });
    }
    // A failing command keeps its own exit code and its one line on stderr.
    expect(await cliIntoClosedPipe(['status', 'ghost'])).toEqual({
      code: 3,
      stderr: 'campaign-sla: unknown campaign "ghost" (no workflow campaign-sla:ghost)\n',
    });
  });

  it('prints JSON with --json and exits 0', async () => {
    await startCampaign(env.client, await readCampaignFile(await campaignFile('cli-json')));
    const result = await cli(['status', 'cli-json', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ campaignId: 'cli-json', status: 'running' });
    // The table says what routing skips and the CRM budget, with plain words when there is nothing to say.
    const table = await cli(['status', 'cli-json']);
    expect(table.stdout).toMatch(/routes waiting for the CRM\s+│ 0\s+│/);
    expect(table.stdout).toMatch(/out of rotation\s+│ nobody\s+│/);
    expect(table.stdout).toMatch(/deactivated in the CRM\s+│ nobody\s+│/);
    expect(table.stdout).toMatch(/CRM API \(org, rolling 24 h\)\s+│ no poll yet\s+│/);
    expect(table.stdout).toMatch(
      /Google Ads API \(worker, rolling 24 h\)\s+│ (no check yet|\d+ operations of 15000, as of \S+)\s+│/,
    );
  });

  it('issues a dashboard token shown once and stored hashed, lists and revokes it; a bad approver is exit 2', async () => {
    const issued = await cli(['token', 'issue', 'cli-ops-lead']);
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();
    expect(token).toMatch(/^csla_[A-Za-z0-9_-]{43}$/);
    expect(issued.stderr).toContain('not shown again');
    expect(await approverForToken(db.pool, token)).toBe('cli-ops-lead');
    const stored = await db.pool.query('SELECT token_hash FROM approver_tokens WHERE approver = $1', ['cli-ops-lead']);
    expect(stored.rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);

    const listed = await cli(['token', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({
        approver: 'cli-ops-lead',
        hashPrefix: stored.rows[0].token_hash.slice(0, 8),
        revokedAt: null,
      }),
    );
    expect(listed.stdout).not.toContain(token);

    expect(await cli(['token', 'revoke', 'cli-ops-lead'])).toMatchObject({
      code: 0,
      stdout: 'revoked 1 token of cli-ops-lead\n',
    });
    expect(await approverForToken(db.pool, token)).toBeUndefined();
    expect((await cli(['token', 'revoke', 'cli-ops-lead'])).code).toBe(ExitCode.notFound);
    expect((await cli(['token', 'issue', 'constructor '])).code).toBe(ExitCode.badInput);
  });
});
