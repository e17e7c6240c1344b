// Slack interactive messages: the Approve/Reject buttons on a proposal alert post here. Each request is checked
// the way Slack signs it (https://api.slack.com/authentication/verifying-requests-from-slack), the Slack member
// is mapped to an approver by the campaign's approvals.slackUsers, and the decision goes through the same relay
// and audit as the CLI's and the dashboard's.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APPROVE_ACTION, REJECT_ACTION } from '../activities/notifier/slackActions';

/** Slack's advice: refuse a request whose timestamp is more than five minutes from now (replays). */
const MAX_CLOCK_SKEW_S = 5 * 60;

export type SlackVerdict = 'ok' | 'unsigned' | 'stale' | 'bad-signature';

/**
 * `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's
 * signing secret; the raw body is compared byte for byte, before any parsing.
 */
export function verifySlackRequest(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs: number;
}): SlackVerdict {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return 'unsigned';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(input.nowMs / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_S) {
    return 'stale';
  }
  const expected = Buffer.from(
    'v0=' + createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest('hex'),
  );
  const presented = Buffer.from(signature);
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? 'ok' : 'bad-signature';
}

export interface SlackDecisionRequest {
  slackUser: string;
  campaignId: string;
  proposalId: string;
  decision: 'approve' | 'reject';
  responseUrl?: string;
}

/**
 * What a `block_actions` payload asks for (https://api.slack.com/reference/interaction-payloads/block-actions):
 * the body is form-encoded with one `payload` field holding JSON. Returns what it could read, and `problem` when
 * it is not a proposal button press; the fields are caller input either way.
 */
export function readSlackInteraction(rawBody: Buffer): Partial<SlackDecisionRequest> & { problem?: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(new URLSearchParams(rawBody.toString('utf8')).get('payload') ?? '');
  } catch {
    return { problem: 'no JSON payload field' };
  }
  const p = payload as {
    type?: unknown;
    user?: { id?: unknown };
    actions?: { action_id?: unknown; value?: unknown }[];
    response_url?: unknown;
  } | null;
  const slackUser = typeof p?.user?.id === 'string' ? p.user.id : undefined;
  const responseUrl = typeof p?.response_url === 'string' ? p.response_url : undefined;
  if (p?.type !== 'block_actions' || !Array.isArray(p.actions)) {
    return { slackUser, responseUrl, problem: 'not a block_actions payload' };
  }
  const action = p.actions[0];
  const decision: SlackDecisionRequest['decision'] | undefined =
    action?.action_id === APPROVE_ACTION ? 'approve' : action?.action_id === REJECT_ACTION ? 'reject' : undefined;
  let target: { campaignId?: unknown; proposalId?: unknown } | null = null;
  try {
    target = typeof action?.value === 'string' ? JSON.parse(action.value) : null;
  } catch {
    // Reported below as a missing proposal.
  }
  const campaignId = typeof target?.campaignId === 'string' ? target.campaignId : undefined;
  const proposalId = typeof target?.proposalId === 'string' ? target.proposalId : undefined;
  const read = { slackUser, responseUrl, decision, campaignId, proposalId };
  if (!decision) return { ...read, problem: 'not a campaign-sla proposal button' };
  if (!campaignId || !proposalId) return { ...read, problem: 'the button names no proposal' };
  if (!slackUser) return { ...read, problem: 'no Slack user' };
  return read;
}

/** Refused signatures are audited, but a flood of forged requests must not become a way to fill the ledger. */
export class AuditBudget {
  private windowStart = 0;
  private used = 0;
  dropped = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  take(): boolean {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.dropped++;
      return false;
    }
    this.used++;
    return true;
  }
}
