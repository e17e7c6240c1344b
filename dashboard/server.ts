// The dashboard: one static page, Chart.js, and a small JSON API over the ledger and live workflow state.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type pg from 'pg';
import { approverForToken } from '../reports/approverTokens';
import { campaignDetail, campaignList, portfolio } from '../reports/campaignView';
import { recordDecisionAttempt, type DecisionAttempt } from '../reports/decisionAudit';
import { relayDecision } from '../reports/decisionRelay';
import { LedgerQueries } from '../reports/ledgerQueries';
import { quoteInput } from '../sla/ids';
import { decideProposalInputSchema } from '../sla/leadEvents';
import { AuditBudget, readSlackInteraction, verifySlackRequest, type SlackDecisionRequest } from './slack';

export interface DashboardOptions {
  pool: pg.Pool;
  client: Client;
  /** 0 picks a free port. */
  port: number;
  /** Interface to bind; default DASHBOARD_HOST or 127.0.0.1. */
  host?: string;
  now?: () => Date;
  /**
   * 'none' (the default): read-only, no login, decisions refused. 'tokens': every API call needs an approver
   * token (`campaign-sla token issue <approver>`), and the token's approver may decide proposals on the page.
   */
  auth?: DashboardAuth;
  /** Slack interactivity: the app's signing secret turns on POST /slack/interactions. */
  slack?: SlackOptions;
}

export type DashboardAuth = 'none' | 'tokens';

export interface SlackOptions {
  signingSecret: string;
  /** Replies go to the payload's response_url only under this prefix (Slack's own host by default). */
  responseUrlPrefix?: string;
  fetchImpl?: typeof fetch;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

const staticDir = path.join(__dirname, 'static');
// The UMD build is not in chart.js's package exports; it sits next to the CommonJS entry point.
const chartJsFile = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');

// Sent with every response. The page loads its script, styles and Chart.js from this server and fetches
// the JSON API; Chart.js sizes its canvases through the CSSOM, which style-src does not restrict.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

// Campaign IDs are short and printable; anything else (a NUL, a control character, a megabyte) is refused
// before it reaches Postgres, which rejects NUL bytes with an internal error.
const CAMPAIGN_ID_SHAPE = /^[\x21-\x7e]{1,128}$/;

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(staticDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: path.join(staticDir, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/chart.js': { file: chartJsFile, type: 'text/javascript; charset=utf-8' },
};

/** Request bodies the dashboard reads: a decision is a few hundred bytes, a Slack payload a few kilobytes. */
const MAX_BODY_BYTES = 64 * 1024;
/** Refused attempts by unauthenticated callers audited per minute; beyond that they are counted and logged. */
const UNAUTHENTICATED_AUDITS_PER_MINUTE = 60;

interface Context {
  options: DashboardOptions;
  now: () => Date;
  queries: LedgerQueries;
  unauthenticatedAudits: AuditBudget;
  /** Slack decisions still being relayed after the request was acknowledged; close() waits for them. */
  inFlight: Set<Promise<void>>;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const now = options.now ?? (() => new Date());
  // Loopback by default; containers set DASHBOARD_HOST=0.0.0.0 behind a proxy (with DASHBOARD_AUTH=tokens).
  const host = options.host ?? process.env.DASHBOARD_HOST ?? '127.0.0.1';
  const ctx: Context = {
    options,
    now,
    queries: new LedgerQueries(options.pool),
    unauthenticatedAudits: new AuditBudget(UNAUTHENTICATED_AUDITS_PER_MINUTE, () => now().getTime()),
    inFlight: new Set(),
  };
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    route(req, res, ctx).catch((err: unknown) => {
      // The cause goes to the log; the browser learns only that it was not its fault.
      process.stderr.write(
        `dashboard: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `dashboard port ${options.port} is already in use; set DASHBOARD_PORT to another port`
            : `dashboard cannot listen on port ${options.port}: ${err.message}`,
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Polling browsers keep connections alive; don't wait for them to go away.
        server.closeAllConnections();
      });
      await Promise.all(ctx.inFlight);
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { options, now } = ctx;
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST') return routePost(req, res, ctx, pathname);
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET and POST are supported' });
  const asset = STATIC_FILES[pathname];
  if (asset) {
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
    res.end(await readFile(asset.file));
    return;
  }
  const auth = options.auth ?? 'none';
  if (pathname === '/api/session') {
    const approver = await authenticated(req, ctx);
    if (approver === null) return sendJson(res, 401, { error: 'this token is not valid (unknown or revoked)' });
    return sendJson(res, 200, { auth, approver: approver ?? null, slack: Boolean(options.slack) });
  }
  if (auth === 'tokens' && pathname.startsWith('/api/') && !(await authenticated(req, ctx))) {
    return sendJson(res, 401, { error: 'sign in with an approver token' });
  }
  if (pathname === '/api/campaigns') return sendJson(res, 200, await campaignList(options.pool, options.client));
  if (pathname === '/api/portfolio') return sendJson(res, 200, await portfolio(options.pool, options.client, now()));
  const match = /^\/api\/campaigns\/([^/]+)$/.exec(pathname);
  if (match) {
    const campaignId = campaignIdFrom(res, match[1]);
    if (campaignId === undefined) return;
    const detail = await campaignDetail(options.pool, options.client, campaignId, now());
    if (!detail) return sendJson(res, 404, { error: `campaign "${campaignId}" has nothing recorded in the ledger` });
    return sendJson(res, 200, detail);
  }
  sendJson(res, 404, { error: `no such page: ${quoteInput(pathname)}` });
}

/** A campaign ID from a path segment, or undefined after answering 400. */
function campaignIdFrom(res: ServerResponse, segment: string): string | undefined {
  const campaignId = decodeSegment(segment);
  if (campaignId === null) sendJson(res, 400, { error: 'malformed percent-encoding in the campaign ID' });
  else if (!CAMPAIGN_ID_SHAPE.test(campaignId)) sendJson(res, 400, { error: 'not a campaign ID' });
  else return campaignId;
  return undefined;
}

/**
 * The approver behind the request's bearer token: undefined when none was presented (or auth is off), null when
 * one was presented and is not valid.
 */
async function authenticated(req: IncomingMessage, ctx: Context): Promise<string | null | undefined> {
  if ((ctx.options.auth ?? 'none') !== 'tokens') return undefined;
  const header = req.headers.authorization;
  if (!header) return undefined;
  const token = /^Bearer (\S+)$/.exec(header)?.[1];
  return (token && (await approverForToken(ctx.options.pool, token))) ?? null;
}

async function routePost(req: IncomingMessage, res: ServerResponse, ctx: Context, pathname: string): Promise<void> {
  if (pathname === '/slack/interactions' && ctx.options.slack)
    return slackInteraction(req, res, ctx, ctx.options.slack);
  const match = /^\/api\/campaigns\/([^/]+)\/proposals\/([^/]+)\/decision$/.exec(pathname);
  if (!match) return sendJson(res, 404, { error: `no such endpoint: ${quoteInput(pathname)}` });
  if ((ctx.options.auth ?? 'none') !== 'tokens') {
    return sendJson(res, 403, {
      error: 'decisions from the dashboard need a login: start it with DASHBOARD_AUTH=tokens (README, Approvals)',
    });
  }
  const campaignId = campaignIdFrom(res, match[1]);
  const proposalId = decodeSegment(match[2]);
  if (campaignId === undefined) return;
  if (proposalId === null) return sendJson(res, 400, { error: 'malformed percent-encoding in the proposal ID' });
  // JSON only: a cross-site form cannot send it without a preflight, on top of the bearer token it cannot read.
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    return sendJson(res, 415, { error: 'send the decision as application/json' });
  }
  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { error: `a decision is at most ${MAX_BODY_BYTES} bytes` });
  let input: { decision?: unknown; reason?: unknown } | null;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(res, 400, { error: 'the body is not JSON' });
  }
  const decision = input?.decision === 'approve' || input?.decision === 'reject' ? input.decision : undefined;
  const approver = await authenticated(req, ctx);
  const audit = auditWriter(ctx);
  if (!approver) {
    if (auditUnauthenticated(ctx)) {
      await audit({
        campaignId,
        proposalId,
        decision: decision ?? 'unknown',
        approver: '(not signed in)',
        channel: 'dashboard',
        outcome: 'refused',
        detail: approver === null ? 'the token is not valid (unknown or revoked)' : 'no token presented',
      });
    }
    return sendJson(res, 401, { error: 'sign in with an approver token' });
  }
  if (!decision) return sendJson(res, 400, { error: 'decision: expected "approve" or "reject"' });
  const parsed = decideProposalInputSchema.safeParse({ proposalId, decision, approver, reason: input?.reason });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    await audit({ campaignId, proposalId, decision, approver, channel: 'dashboard', outcome: 'refused', detail: why });
    return sendJson(res, 422, { error: why });
  }
  try {
    const proposal = await relayDecision(ctx.options.client, campaignId, parsed.data, 'dashboard', audit);
    return sendJson(res, 200, { proposal });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return sendJson(res, 404, { error: `unknown campaign "${campaignId}"` });
    if (err instanceof WorkflowUpdateFailedError) {
      return sendJson(res, 422, { error: err.cause instanceof Error ? err.cause.message : err.message });
    }
    throw err;
  }
}

/** Whether to audit another unauthenticated refusal; past the per-minute budget they are only counted. */
function auditUnauthenticated(ctx: Context): boolean {
  if (ctx.unauthenticatedAudits.take()) return true;
  const dropped = ctx.unauthenticatedAudits.dropped;
  if (dropped === 1 || dropped % 1000 === 0) {
    process.stderr.write(
      `dashboard: ${dropped} unauthenticated decision attempts refused without an audit row (flood)\n`,
    );
  }
  return false;
}

/** Audit rows are written best effort: a decision the workflow took stands even when the ledger is down. */
function auditWriter(ctx: Context): (attempt: DecisionAttempt) => Promise<void> {
  return (attempt) =>
    recordDecisionAttempt(ctx.options.pool, attempt).catch((err: unknown) => {
      process.stderr.write(
        `dashboard: a ${attempt.outcome} ${attempt.channel} decision attempt is not in the audit: ${(err as Error).message}\n`,
      );
    });
}

/**
 * Slack wants an answer within 3 s (https://api.slack.com/interactivity/handling#acknowledgment_response): the
 * request is verified and acknowledged, then the decision is relayed and its outcome posted to the response_url.
 */
async function slackInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  slack: SlackOptions,
): Promise<void> {
  const rawBody = await readBody(req);
  if (rawBody === undefined) return sendJson(res, 413, { error: 'too large for a Slack interaction' });
  const verdict = verifySlackRequest({
    signingSecret: slack.signingSecret,
    timestamp: header(req, 'x-slack-request-timestamp'),
    signature: header(req, 'x-slack-signature'),
    rawBody,
    nowMs: ctx.now().getTime(),
  });
  const request = readSlackInteraction(rawBody);
  const audit = auditWriter(ctx);
  if (verdict !== 'ok') {
    if (auditUnauthenticated(ctx)) {
      await audit({
        campaignId: request.campaignId ?? '(unknown)',
        proposalId: request.proposalId ?? '(unknown)',
        decision: request.decision ?? 'unknown',
        approver: `slack:${request.slackUser ?? '(unknown)'} (unverified)`,
        channel: 'slack',
        outcome: 'refused',
        detail: `Slack request refused: ${SLACK_VERDICTS[verdict]}`,
      });
    }
    return sendJson(res, 401, { error: SLACK_VERDICTS[verdict] });
  }
  // Signed by Slack but not one of our buttons (another app's action): acknowledge and ignore.
  if (request.problem) return sendJson(res, 200, { ignored: request.problem });
  res.writeHead(200).end();
  const relayed = decideFromSlack(ctx, slack, request as SlackDecisionRequest, audit).catch((err: unknown) => {
    process.stderr.write(`dashboard: Slack decision not relayed: ${(err as Error).message}\n`);
  });
  ctx.inFlight.add(relayed);
  void relayed.finally(() => ctx.inFlight.delete(relayed));
}

const SLACK_VERDICTS = {
  unsigned: 'no X-Slack-Signature or X-Slack-Request-Timestamp header',
  stale: 'the request timestamp is more than 5 minutes from now',
  'bad-signature': 'the signature does not match the signing secret',
} as const;

async function decideFromSlack(
  ctx: Context,
  slack: SlackOptions,
  request: SlackDecisionRequest,
  audit: (attempt: DecisionAttempt) => Promise<void>,
): Promise<void> {
  const { campaignId, proposalId, decision, slackUser } = request;
  const reply = (body: Record<string, unknown>) => replyToSlack(slack, request.responseUrl, body);
  const approvers = await ctx.queries.slackApprovers(campaignId);
  const approver = approvers?.get(slackUser);
  if (!approver) {
    const detail = approvers
      ? `Slack member ${slackUser} is not mapped to an approver in approvals.slackUsers`
      : `unknown campaign "${campaignId}" (no config in the ledger)`;
    await audit({
      campaignId,
      proposalId,
      decision,
      approver: `slack:${slackUser}`,
      channel: 'slack',
      outcome: 'refused',
      detail,
    });
    return reply({ response_type: 'ephemeral', replace_original: false, text: `Not decided: ${detail}.` });
  }
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  try {
    const proposal = await relayDecision(
      ctx.options.client,
      campaignId,
      { proposalId, decision, approver, reason: `${verb} in Slack by ${slackUser}` },
      'slack',
      audit,
    );
    await reply({
      replace_original: true,
      text: `Budget proposal ${proposalId} of ${campaignId} ${verb} by ${approver}: ${proposal.status}.`,
    });
  } catch (err) {
    const why =
      err instanceof WorkflowUpdateFailedError && err.cause instanceof Error ? err.cause.message : String(err);
    await reply({ response_type: 'ephemeral', replace_original: false, text: `Not decided: ${why}` });
  }
}

/** Message responses (https://api.slack.com/interactivity/handling#message_responses), best effort. */
async function replyToSlack(
  slack: SlackOptions,
  responseUrl: string | undefined,
  body: Record<string, unknown>,
): Promise<void> {
  const prefix = slack.responseUrlPrefix ?? 'https://hooks.slack.com/';
  if (!responseUrl?.startsWith(prefix)) return;
  // The decision and its audit row stand either way; only Slack's view of them is left stale.
  try {
    const response = await (slack.fetchImpl ?? fetch)(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) process.stderr.write(`dashboard: Slack's response_url answered ${response.status}\n`);
  } catch (err) {
    process.stderr.write(`dashboard: could not answer Slack at its response_url: ${(err as Error).message}\n`);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body, or undefined past MAX_BODY_BYTES (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
