// Slack request signing and the proposal buttons, checked against Slack's own documentation: the worked example
// of https://api.slack.com/authentication/verifying-requests-from-slack and the block_actions payload shape of
// https://api.slack.com/reference/interaction-payloads/block-actions. Hostile payloads are read, never trusted.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackPayload } from '../activities/notifier/webhookNotifier';
import { APPROVE_ACTION, REJECT_ACTION } from '../activities/notifier/slackActions';
import { AuditBudget, readSlackInteraction, verifySlackRequest } from '../dashboard/slack';
import { approvalsSchema } from '../sla/config/spendSchema';
import { proposalWaitingAlert } from '../sla/alertWording';
import type { ProposalState } from '../sla/proposals';

// Slack's documented example request, signature and secret.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const verify = (overrides: Partial<Parameters<typeof verifySlackRequest>[0]>) =>
  verifySlackRequest({
    signingSecret: DOC_SECRET,
    timestamp: DOC_TIMESTAMP,
    signature: DOC_SIGNATURE,
    rawBody: Buffer.from(DOC_BODY),
    nowMs: Number(DOC_TIMESTAMP) * 1000,
    ...overrides,
  });

describe('verifySlackRequest', () => {
  it("accepts Slack's documented example", () => {
    expect(verify({})).toBe('ok');
  });

  it('refuses a tampered body, another secret, a missing header and a malformed signature', () => {
    expect(verify({ rawBody: Buffer.from(DOC_BODY.replace('text=', 'text=x')) })).toBe('bad-signature');
    expect(verify({ signingSecret: 'another-secret' })).toBe('bad-signature');
    expect(verify({ signature: undefined })).toBe('unsigned');
    expect(verify({ timestamp: undefined })).toBe('unsigned');
    expect(verify({ signature: 'v0=' })).toBe('bad-signature');
    expect(verify({ signature: DOC_SIGNATURE.toUpperCase() })).toBe('bad-signature');
    expect(verify({ signature: `${DOC_SIGNATURE}00` })).toBe('bad-signature');
  });

  it('refuses a timestamp more than five minutes from now, either way, and one that is not a number', () => {
    const at = (skewS: number) => verify({ nowMs: (Number(DOC_TIMESTAMP) + skewS) * 1000 });
    expect(at(300)).toBe('ok');
    expect(at(-300)).toBe('ok');
    expect(at(301)).toBe('stale');
    expect(at(-301)).toBe('stale');
    expect(verify({ timestamp: `${DOC_TIMESTAMP}.5` })).toBe('stale');
    expect(verify({ timestamp: '1e9' })).toBe('stale');
  });

  it('accepts exactly the signature of the exact bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (body, other) => {
        const sign = (bytes: Uint8Array) =>
          'v0=' + createHmac('sha256', DOC_SECRET).update(`v0:${DOC_TIMESTAMP}:`).update(bytes).digest('hex');
        const rawBody = Buffer.from(body);
        expect(verify({ rawBody, signature: sign(body) })).toBe('ok');
        if (!Buffer.from(other).equals(rawBody))
          expect(verify({ rawBody, signature: sign(other) })).toBe('bad-signature');
      }),
    );
  });
});

const proposal = {
  proposalId: 'camp-1-p3',
  action: 'reduce',
  reason: 'CPL above band.',
  expiresAt: '2027-01-01T00:00:00.000Z',
} as ProposalState;

/** A block_actions body as Slack posts it: form-encoded, the JSON in one `payload` field. */
function pressed(actionId: string, value: string, userId = 'U024BE7LH'): Buffer {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: 'someone', team_id: 'T0001' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'campaign-sla-decision', value }],
    response_url: 'https://hooks.slack.com/actions/T0001/1/abc',
  };
  return Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

describe('proposal buttons', () => {
  it('the proposal alert carries Approve and Reject buttons whose press names the proposal', () => {
    const message = slackPayload(proposalWaitingAlert('camp-1', proposal)) as {
      blocks: { type: string; elements?: { action_id: string; value: string; style: string }[] }[];
    };
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.style])).toEqual([
      [APPROVE_ACTION, 'primary'],
      [REJECT_ACTION, 'danger'],
    ]);
    for (const [button, decision] of [
      [actions!.elements![0], 'approve'],
      [actions!.elements![1], 'reject'],
    ] as const) {
      expect(readSlackInteraction(pressed(button.action_id, button.value))).toEqual({
        slackUser: 'U024BE7LH',
        responseUrl: 'https://hooks.slack.com/actions/T0001/1/abc',
        decision,
        campaignId: 'camp-1',
        proposalId: 'camp-1-p3',
      });
    }
  });

  it('other alerts have no buttons', () => {
    const alert = { ...proposalWaitingAlert('camp-1', proposal), decides: undefined };
    expect(JSON.stringify(slackPayload(alert))).not.toContain(APPROVE_ACTION);
  });

  it('reads hostile payloads as problems, never as decisions', () => {
    const value = JSON.stringify({ campaignId: 'camp-1', proposalId: 'camp-1-p3' });
    const problems: [Buffer, string][] = [
      [Buffer.from(''), 'no JSON payload field'],
      [Buffer.from('payload=%7Bnot-json'), 'no JSON payload field'],
      [Buffer.from('payload=null'), 'not a block_actions payload'],
      [Buffer.from(`payload=${encodeURIComponent('{"type":"view_submission"}')}`), 'not a block_actions payload'],
      [pressed('constructor', value), 'not a campaign-sla proposal button'],
      [pressed('__proto__', value), 'not a campaign-sla proposal button'],
      [pressed(APPROVE_ACTION, 'not json'), 'the button names no proposal'],
      [pressed(APPROVE_ACTION, '{"campaignId":7,"proposalId":"p"}'), 'the button names no proposal'],
      [pressed(APPROVE_ACTION, '{"__proto__":{"campaignId":"c","proposalId":"p"}}'), 'the button names no proposal'],
    ];
    for (const [body, problem] of problems) expect(readSlackInteraction(body).problem).toBe(problem);
    const noUser = JSON.parse(new URLSearchParams(pressed(APPROVE_ACTION, value).toString()).get('payload')!);
    delete noUser.user;
    expect(
      readSlackInteraction(Buffer.from(new URLSearchParams({ payload: JSON.stringify(noUser) }).toString())).problem,
    ).toBe('no Slack user');
  });
});

describe('approvals.slackUsers', () => {
  const approvals = (slackUsers: unknown) =>
    approvalsSchema.safeParse({ approvers: ['ops-lead-1'], timeout: '2h', onTimeout: 'reject', slackUsers });

  it('maps Slack member IDs to listed approvers', () => {
    const parsed = approvals({ U024BE7LH: 'ops-lead-1', W012A3CDE: 'ops-lead-1' });
    expect(parsed.success && parsed.data.slackUsers).toEqual({ U024BE7LH: 'ops-lead-1', W012A3CDE: 'ops-lead-1' });
  });

  it('refuses built-in names, non-member IDs and approvers not on the list', () => {
    const problems = (slackUsers: string) => {
      const parsed = approvals(JSON.parse(slackUsers));
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems('{"__proto__": "ops-lead-1"}')).toEqual([
      'slackUsers.__proto__: is a JavaScript built-in name, not a Slack member ID',
    ]);
    expect(problems('{"constructor": "ops-lead-1"}')).toEqual([
      'slackUsers.constructor: is a JavaScript built-in name, not a Slack member ID',
    ]);
    expect(problems('{"u024be7lh": "ops-lead-1"}')[0]).toContain('slackUsers.u024be7lh');
    expect(problems('{"U024BE7LH": "mallory"}')).toEqual([
      'slackUsers.U024BE7LH: approver "mallory" is not in approvals.approvers',
    ]);
  });
});

describe('AuditBudget', () => {
  it('lets a fixed number through per minute and counts the rest', () => {
    let now = 0;
    const budget = new AuditBudget(3, () => now);
    expect([1, 2, 3, 4, 5].map(() => budget.take())).toEqual([true, true, true, false, false]);
    expect(budget.dropped).toBe(2);
    now = 60_000;
    expect(budget.take()).toBe(true);
  });
});
