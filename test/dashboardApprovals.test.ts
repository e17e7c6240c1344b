// Approvals with a real identity: a campaign on the time-skipping server (real worker, ledger, sandbox Ads) waits
// on budget proposals; they are decided from the dashboard behind approver tokens, and from Slack buttons with
// requests signed as Slack signs them. Every attempt, refused or taken, must reach the audit with its channel.
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_ACTION, proposalButtonValue, REJECT_ACTION } from '../activities/notifier/slackActions';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import { issueApproverToken, revokeApproverTokens } from '../reports/approverTokens';
import { decisionAttempts } from '../reports/decisionAudit';
import type { ProposalView } from '../sla/views';
import { campaignSla } from '../workflows/campaignSla';
import { campaignWorkflowId, proposalsQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { nextPendingProposal } from './support/proposals';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { terminateWhenIdle, testWorker, timeSkippingEnv, type TestWorkerHandle } from './support/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const campaignId = 'dash-approvals';
const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
const OPS_LEAD_SLACK_ID = 'U0OPSLEAD1';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: TestWorkerHandle;
let workerRun: Promise<void>;
let campaign: WorkflowHandle;
let secured: RunningDashboard;
let open: RunningDashboard;
let slackReplies: { url: string; body: Record<string, unknown> }[];
let responseServer: Server;
let responseUrl: string;
const seen = new Set<string>();

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
  worker = await testWorker(env, db, { taskQueue: 'dash-approvals', sandbox: { conversionRate: 0.002 } });
  workerRun = worker.worker.run();
  const t0 = Number(await env.currentTimeMs());
  const iso = (ms: number) => new Date(ms).toISOString();
  campaign = await env.client.workflow.start(campaignSla, {
    taskQueue: 'dash-approvals',
    workflowId: campaignWorkflowId(campaignId),
    args: [
      {
        config: seedTermsConfig({
          id: campaignId,
          window: { start: iso(t0 - 8 * DAY), end: iso(t0 + 60 * DAY) },
          velocity: { checkEvery: '6h', rules: [{ kind: 'cpl-above-band', action: 'reduce', pct: 10 }] },
          approvals: {
            approvers: ['ops-lead-1', 'ops-lead-2'],
            timeout: '30d',
            onTimeout: 'reject',
            autoApprove: { reduceUpToPct: 0, pause: false },
            slackUsers: { [OPS_LEAD_SLACK_ID]: 'ops-lead-1' },
          },
        }),
        publishSearchAttributes: false,
      },
    ],
  });
  // Slack's response_url, played by a local server that keeps what it is sent.
  slackReplies = [];
  responseServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      slackReplies.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => responseServer.listen(0, '127.0.0.1', resolve));
  const address = responseServer.address();
  responseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/actions/`;
  [secured, open] = await Promise.all([
    startDashboard({
      pool: db.pool,
      client: env.client,
      port: 0,
      auth: 'tokens',
      slack: { signingSecret: SIGNING_SECRET, responseUrlPrefix: responseUrl },
    }),
    startDashboard({ pool: db.pool, client: env.client, port: 0 }),
  ]);
});

afterAll(async () => {
  if (campaign) await terminateWhenIdle(campaign);
  await Promise.all([secured?.close(), open?.close()]);
  await new Promise((resolve) => responseServer?.close(resolve));
  worker?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

const nextPending = () => nextPendingProposal(env, campaign, seen, 20);

const statusOf = async (proposalId: string) =>
  (await campaign.query(proposalsQuery)).find((p) => p.proposalId === proposalId)?.status;

async function call(
  dashboard: RunningDashboard,
  pathname: string,
  init: { method?: string; token?: string; body?: unknown; contentType?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${dashboard.url}${pathname}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const decide = (proposalId: string, body: unknown, token?: string, contentType?: string) =>
  call(secured, `/api/campaigns/${campaignId}/proposals/${proposalId}/decision`, {
    method: 'POST',
    token,
    body,
    contentType,
  });

const attemptsOf = async (proposalId: string) =>
  (await decisionAttempts(db.pool, campaignId))
    .filter((a) => a.proposalId === proposalId)
    .map((a) => [a.channel, a.approver, a.decision, a.outcome, a.detail]);

describe('dashboard approvals behind approver tokens', () => {
  it('refuses decisions without a login when auth is off, and every API call without a valid token when on', async () => {
    expect(await call(open, '/api/session')).toEqual({
      status: 200,
      body: { auth: 'none', approver: null, slack: false },
    });
    const refused = await call(open, `/api/campaigns/${campaignId}/proposals/x/decision`, {
      method: 'POST',
      body: { decision: 'approve', reason: 'looks right' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('DASHBOARD_AUTH=tokens');

    expect((await call(secured, '/api/campaigns')).status).toBe(401);
    expect((await call(secured, '/api/portfolio', { token: 'csla_' + 'A'.repeat(43) })).status).toBe(401);
    expect((await call(secured, '/api/session')).body).toEqual({ auth: 'tokens', approver: null, slack: true });
    expect((await call(secured, '/api/session', { token: 'not-a-token' })).status).toBe(401);
    const token = await issueApproverToken(db.pool, 'ops-lead-2');
    expect((await call(secured, '/api/session', { token })).body).toEqual({
      auth: 'tokens',
      approver: 'ops-lead-2',
      slack: true,
    });
    expect((await call(secured, '/api/campaigns', { token })).status).toBe(200);
    await expect(issueApproverToken(db.pool, '__proto__\n')).rejects.toThrow(/approver/);
  });

  it('decides as the token says, refusing and auditing the unauthenticated, the unlisted and the malformed', async () => {
    const proposal = await nextPending();
    const lead = await issueApproverToken(db.pool, 'ops-lead-1');
    const mallory = await issueApproverToken(db.pool, 'mallory');
    const revoked = await issueApproverToken(db.pool, 'ops-lead-2');
    await revokeApproverTokens(db.pool, 'ops-lead-2');

    expect((await decide(proposal.proposalId, { decision: 'approve', reason: 'no token' })).status).toBe(401);
    expect((await decide(proposal.proposalId, { decision: 'approve', reason: 'revoked' }, revoked)).status).toBe(401);
    // A body naming another approver changes nothing: the identity is the token's.
    const asMallory = await decide(
      proposal.proposalId,
      { decision: 'approve', reason: 'trust me', approver: 'ops-lead-1' },
      mallory,
    );
    expect(asMallory.status).toBe(422);
    expect(asMallory.body.error).toContain('"mallory" is not on this campaign\'s approver list');
    expect((await decide(proposal.proposalId, { decision: 'approve', reason: 'ok' }, lead)).status).toBe(422);
    expect((await decide(proposal.proposalId, { decision: 'maybe', reason: 'hmm' }, lead)).status).toBe(400);
    expect(
      (await decide(proposal.proposalId, 'decision=approve', lead, 'application/x-www-form-urlencoded')).status,
    ).toBe(415);
    expect((await decide(proposal.proposalId, '{"decision":', lead)).status).toBe(400);
    expect((await decide(proposal.proposalId, { decision: 'approve', reason: 'x'.repeat(70_000) }, lead)).status).toBe(
      413,
    );
    expect(await statusOf(proposal.proposalId)).toBe('pending');

    const taken = await decide(proposal.proposalId, { decision: 'reject', reason: 'wait for Monday' }, lead);
    expect(taken.status).toBe(200);
    expect((taken.body.proposal as ProposalView).status).toBe('rejected');
    expect((taken.body.proposal as ProposalView).decidedBy).toBe('ops-lead-1');
    const again = await decide(proposal.proposalId, { decision: 'approve', reason: 'changed my mind' }, lead);
    expect(again.status).toBe(422);

    expect(await attemptsOf(proposal.proposalId)).toEqual([
      ['dashboard', '(not signed in)', 'approve', 'refused', 'no token presented'],
      ['dashboard', '(not signed in)', 'approve', 'refused', 'the token is not valid (unknown or revoked)'],
      ['dashboard', 'mallory', 'approve', 'refused', expect.stringContaining('"mallory" is not on this campaign')],
      ['dashboard', 'ops-lead-1', 'approve', 'refused', 'reason: give a reason of at least 3 characters'],
      ['dashboard', 'ops-lead-1', 'reject', 'accepted', 'proposal rejected'],
      ['dashboard', 'ops-lead-1', 'approve', 'refused', expect.stringContaining('already')],
    ]);
  });
});

/** A block_actions request as Slack sends it: form-encoded payload, signed over the exact bytes. */
function slackRequest(
  proposalId: string,
  opts: { action?: string; user?: string; timestamp?: number; secret?: string } = {},
): { body: string; headers: Record<string, string> } {
  const payload = {
    type: 'block_actions',
    user: { id: opts.user ?? OPS_LEAD_SLACK_ID, username: 'ops', team_id: 'T0001' },
    actions: [
      {
        type: 'button',
        action_id: opts.action ?? REJECT_ACTION,
        block_id: 'campaign-sla-decision',
        value: proposalButtonValue(campaignId, proposalId),
      },
    ],
    response_url: `${responseUrl}T0001/1/abc`,
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    'v0=' +
    createHmac('sha256', opts.secret ?? SIGNING_SECRET)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
  };
}

const postSlack = async ({ body, headers }: { body: string; headers: Record<string, string> }) =>
  (await fetch(`${secured.url}/slack/interactions`, { method: 'POST', headers, body })).status;

describe('Slack interactive approvals', () => {
  it('refuses and audits forged and stale requests, and an unmapped Slack member; a mapped one decides', async () => {
    const proposal = await nextPending();
    const id = proposal.proposalId;
    expect(await postSlack(slackRequest(id, { secret: 'forged-secret' }))).toBe(401);
    expect(await postSlack(slackRequest(id, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }))).toBe(401);
    const unsigned = slackRequest(id);
    expect(
      await postSlack({ body: unsigned.body, headers: { 'content-type': unsigned.headers['content-type'] } }),
    ).toBe(401);
    // Replaying a signed request with a changed body breaks the signature.
    const tampered = slackRequest(id, { action: APPROVE_ACTION });
    expect(await postSlack({ ...tampered, body: tampered.body.replace('U0OPSLEAD1', 'U0OPSLEAD2') })).toBe(401);
    expect(await postSlack(slackRequest(id, { user: 'U0STRANGER' }))).toBe(200);
    await expect.poll(() => attemptsOf(id), { timeout: 10_000 }).toHaveLength(5);
    expect(await statusOf(id)).toBe('pending');

    expect(await postSlack(slackRequest(id))).toBe(200);
    await expect.poll(() => statusOf(id), { timeout: 10_000 }).toBe('rejected');
    await expect.poll(() => attemptsOf(id), { timeout: 10_000 }).toHaveLength(6);
    expect(await attemptsOf(id)).toEqual([
      [
        'slack',
        'slack:U0OPSLEAD1 (unverified)',
        'reject',
        'refused',
        expect.stringContaining('signature does not match'),
      ],
      ['slack', 'slack:U0OPSLEAD1 (unverified)', 'reject', 'refused', expect.stringContaining('more than 5 minutes')],
      ['slack', 'slack:U0OPSLEAD1 (unverified)', 'reject', 'refused', expect.stringContaining('no X-Slack-Signature')],
      [
        'slack',
        'slack:U0OPSLEAD2 (unverified)',
        'approve',
        'refused',
        expect.stringContaining('signature does not match'),
      ],
      [
        'slack',
        'slack:U0STRANGER',
        'reject',
        'refused',
        'Slack member U0STRANGER is not mapped to an approver in approvals.slackUsers',
      ],
      ['slack', 'ops-lead-1', 'reject', 'accepted', 'proposal rejected'],
    ]);
    const decided = (await campaign.query(proposalsQuery)).find((p) => p.proposalId === id);
    expect(decided?.decidedBy).toBe('ops-lead-1');
    // Slack hears back on the response_url: an ephemeral "not decided" to the stranger, then the decision.
    await expect.poll(() => slackReplies.length, { timeout: 10_000 }).toBe(2);
    expect(slackReplies.map((r) => [r.body.response_type ?? null, r.body.replace_original])).toEqual([
      ['ephemeral', false],
      [null, true],
    ]);
    expect(slackReplies[1].body.text).toBe(`Budget proposal ${id} of ${campaignId} rejected by ops-lead-1: rejected.`);
  });
});

describe('dashboard approval in a browser', () => {
  let browser: Browser;
  afterAll(async () => browser?.close());

  it('signs in with a token, approves a proposal with a reason, and shows who decided', async () => {
    const proposal = await nextPending();
    const token = await issueApproverToken(db.pool, 'ops-lead-2');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${secured.url}/?campaign=${campaignId}`);
    await page.getByTestId('login').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.getByTestId('proposal-row').count()).toBe(0);
    await page.getByTestId('login-token').fill('csla_not-the-token');
    await page.getByTestId('login-button').click();
    await page.getByTestId('message').filter({ hasText: 'not valid' }).waitFor({ timeout: 15_000 });

    await page.getByTestId('login-token').fill(token);
    await page.getByTestId('login-button').click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent(), { timeout: 15_000 }).toBe('ops-lead-2');
    const row = page.getByTestId('proposal-row').filter({ hasText: proposal.proposalId });
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('decision-reason').fill('CPL back in band after the cut');
    const artifacts = path.join(__dirname, '..', '.artifacts');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard-approval-before.png'), fullPage: true });
    await row.getByTestId('approve-button').click();
    await page
      .getByTestId('decision-result')
      .filter({ hasText: `proposal ${proposal.proposalId}` })
      .waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('decision-result').textContent()).toMatch(/: (approved|applied) by ops-lead-2$/);
    // The audit table shows this approval on the next refresh, newest first, as the ledger has it.
    const auditRow = page.getByTestId('decision-row').first();
    await expect.poll(() => auditRow.locator('td').nth(1).textContent(), { timeout: 15_000 }).toBe(proposal.proposalId);
    expect((await auditRow.locator('td').allTextContents()).slice(1, 6)).toEqual([
      proposal.proposalId,
      'approve',
      'ops-lead-2',
      'dashboard',
      'accepted',
    ]);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-approval.png'), fullPage: true });
    expect(await attemptsOf(proposal.proposalId)).toEqual([
      ['dashboard', 'ops-lead-2', 'approve', 'accepted', expect.stringMatching(/^proposal (approved|applied)$/)],
    ]);
    const decided = (await campaign.query(proposalsQuery)).find((p) => p.proposalId === proposal.proposalId);
    expect(decided?.decidedBy).toBe('ops-lead-2');
  });
});
