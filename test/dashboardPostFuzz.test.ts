// The dashboard's write endpoints under hostile input: whatever body, headers or path a caller sends, the answer
// is a 4xx (never a 5xx, never a decision), no Update is sent without a valid token or Slack signature, and a flood
// of refused requests writes a bounded number of audit rows.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import { issueApproverToken } from '../reports/approverTokens';
import { createTestDatabase, type TestDatabase } from './support/postgres';

let db: TestDatabase;
let dashboard: RunningDashboard;
let updatesSent = 0;
let token: string;

// A client that counts Updates: none may be sent for a request that fails authentication or validation.
const client = {
  workflow: {
    getHandle: () => ({
      executeUpdate: async () => {
        updatesSent++;
        throw new Error('no workflow in this test');
      },
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  db = await createTestDatabase();
  dashboard = await startDashboard({
    pool: db.pool,
    client,
    port: 0,
    auth: 'tokens',
    slack: { signingSecret: 'fuzz-secret', responseUrlPrefix: 'http://127.0.0.1:9/' },
  });
  token = await issueApproverToken(db.pool, 'ops-lead-1');
});

afterAll(async () => {
  await dashboard?.close();
  await db?.drop();
});

const auditRows = async () => Number((await db.pool.query('SELECT count(*) FROM decision_attempts')).rows[0].count);

const hostileText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('__proto__', 'constructor', '{"__proto__":{"decision":"approve"}}', '%00', '\u0000', 'null', '[]'),
  fc.json(),
);

describe('dashboard POST endpoints under hostile input', () => {
  it('answers 4xx to any decision without a valid token, and sends no Update', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        hostileText,
        fc.option(hostileText, { nil: undefined }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (campaign, proposal, authorization, contentType) => {
          const response = await fetch(
            `${dashboard.url}/api/campaigns/${encodeURIComponent(campaign)}/proposals/${encodeURIComponent(proposal)}/decision`,
            {
              method: 'POST',
              headers: {
                'content-type': contentType,
                ...(authorization !== undefined
                  ? { authorization: `Bearer ${authorization.replace(/[^\x21-\x7e]/g, '')}` }
                  : {}),
              },
              body: JSON.stringify({ decision: 'approve', reason: 'fuzzing the endpoint' }),
            },
          );
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
    expect(updatesSent).toBe(0);
  });

  it('answers 4xx to any malformed body from a signed-in approver, and sends no Update', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (body) => {
        const response = await fetch(`${dashboard.url}/api/campaigns/c-1/proposals/c-1-p1/decision`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        // A well-formed decision reaches the (absent) workflow and fails there: that is the only 5xx allowed.
        const wellFormed = (() => {
          try {
            const parsed = JSON.parse(body) as { decision?: unknown; reason?: unknown };
            return (
              (parsed?.decision === 'approve' || parsed?.decision === 'reject') &&
              typeof parsed.reason === 'string' &&
              parsed.reason.trim().length >= 3
            );
          } catch {
            return false;
          }
        })();
        if (!wellFormed) expect([400, 413, 422]).toContain(response.status);
      }),
      { numRuns: 80 },
    );
    expect(updatesSent).toBe(0);
  });

  it('refuses any unsigned or forged Slack request, and audits at most 60 of a flood per minute', async () => {
    const before = await auditRows();
    await fc.assert(
      fc.asyncProperty(hostileText, fc.option(hostileText, { nil: undefined }), async (payload, signature) => {
        const response = await fetch(`${dashboard.url}/slack/interactions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
            ...(signature !== undefined ? { 'x-slack-signature': `v0=${signature.replace(/[^\x20-\x7e]/g, '')}` } : {}),
          },
          body: new URLSearchParams({ payload }).toString(),
        });
        expect(response.status).toBe(401);
      }),
      { numRuns: 150 },
    );
    expect(updatesSent).toBe(0);
    // The fuzz runs above also spent part of this minute's budget: the total stays within one minute's 60.
    expect((await auditRows()) - before).toBeLessThanOrEqual(60);
    expect(await auditRows()).toBeLessThanOrEqual(60);
  });
});
