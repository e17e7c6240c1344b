// The notifier: Slack-compatible webhook JSON, structured logs always, at least once per dedupe key
// (recorded as sent only after the webhook accepted it), and Retry-After honoured on 429.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLedger } from '../activities/ledger/pgLedger';
import { ApplicationFailure } from '@temporalio/common';
import { ALERT_DELIVERY_FAILED, retryAfterMs, WebhookNotifier } from '../activities/notifier/webhookNotifier';
import type { Alert } from '../sla/alerts';
import { createTestDatabase, type TestDatabase } from './support/postgres';

let db: TestDatabase;
let server: Server;
let url: string;
const received: { body: Record<string, unknown>; contentType?: string }[] = [];
let failNext: { status: number; headers?: Record<string, string> }[] = [];

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const failure = failNext.shift();
      if (failure) {
        res.writeHead(failure.status, failure.headers).end('boom');
        return;
      }
      received.push({ body: JSON.parse(text), contentType: req.headers['content-type'] });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.drop();
});

function notifier(webhookUrl?: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    lines,
    notifier: new WebhookNotifier({
      deliveries: new PgLedger(db.pool),
      logger: pino(sink),
      webhookUrl,
      timeoutMs: 2000,
    }),
  };
}

const alert = (key: string): Alert => ({
  dedupeKey: key,
  severity: 'critical',
  campaignId: 'c-1',
  title: 'SLA breach: firstTouch for lead L-1',
  text: 'Lead L-1 missed its first-touch deadline.',
  fields: { leadId: 'L-1', ownerId: 'rep-a' },
});

describe('WebhookNotifier', () => {
  it('posts Slack-compatible JSON, logs structured lines, and sends each dedupe key once', async () => {
    const { notifier: n, lines } = notifier(url);
    expect(await n.notify(alert('c-1:L-1:firstTouch:breach'))).toEqual({ delivered: true, deduped: false });
    expect(await n.notify(alert('c-1:L-1:firstTouch:breach'))).toEqual({ delivered: false, deduped: true });
    expect(received).toHaveLength(1);
    expect(received[0].contentType).toBe('application/json');
    expect(received[0].body.text).toBe(':rotating_light: [c-1] SLA breach: firstTouch for lead L-1');
    expect(JSON.stringify(received[0].body.blocks)).toContain('*leadId*\\nL-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, alert: { dedupeKey: 'c-1:L-1:firstTouch:breach', campaignId: 'c-1' } });
  });

  it('throws a retryable failure on 5xx, does not record the key as sent, and delivers on the retry', async () => {
    failNext = [{ status: 500 }];
    const before = received.length;
    const { notifier: n, lines } = notifier(url);
    const failure = await n.notify(alert('c-1:L-2:firstTouch:breach')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(ALERT_DELIVERY_FAILED);
    expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    expect(received.length).toBe(before);
    expect(await n.notify(alert('c-1:L-2:firstTouch:breach'))).toEqual({ delivered: true, deduped: false });
    expect(received.length).toBe(before + 1);
    expect(await n.notify(alert('c-1:L-2:firstTouch:breach'))).toEqual({ delivered: false, deduped: true });
    // Logged once as an alert, once as the failed attempt; the retry does not log the alert again.
    expect(lines.map((l) => l.msg)).toEqual([
      'c-1: SLA breach: firstTouch for lead L-1',
      'alert webhook failed; will retry',
    ]);
  });

  it("honours Slack's Retry-After on 429 as the next retry delay", async () => {
    failNext = [{ status: 429, headers: { 'retry-after': '7' } }];
    const { notifier: n } = notifier(url);
    const failure = (await n
      .notify(alert('c-1:L-5:firstTouch:breach'))
      .catch((err: unknown) => err)) as ApplicationFailure;
    expect(failure.nextRetryDelay).toBe(7000);
    expect(await n.notify(alert('c-1:L-5:firstTouch:breach'))).toEqual({ delivered: true, deduped: false });
  });

  it('an unreachable webhook is a retryable failure, never a silent loss', async () => {
    const { notifier: unreachable } = notifier('http://127.0.0.1:1/hook');
    await expect(unreachable.notify(alert('c-1:L-3:firstTouch:breach'))).rejects.toThrow(
      'alert c-1:L-3:firstTouch:breach not delivered',
    );
    const row = await db.pool.query(
      "SELECT delivered_at, attempts, last_error FROM alerts_sent WHERE dedupe_key = 'c-1:L-3:firstTouch:breach'",
    );
    expect(row.rows[0]).toMatchObject({ delivered_at: null, attempts: 1 });
    expect(row.rows[0].last_error).toBeTruthy();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', Date.parse('2026-12-02T10:00:00Z'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('sends a few alerts raised together one by one, and many as one digest that keeps each key', async () => {
    const { notifier: n, lines } = notifier(url);
    const before = received.length;
    const few = ['c-1:D-1:firstTouch:breach', 'c-1:D-2:firstTouch:breach'].map(alert);
    expect((await n.notifyBatch(few)).delivered).toHaveLength(2);
    expect(received.length).toBe(before + 2);

    const many = Array.from({ length: 14 }, (_, i) => ({
      ...alert(`c-1:M-${i}:firstTouch:${i % 2 ? 'warning' : 'breach'}`),
      severity: i % 2 ? ('warning' as const) : ('critical' as const),
      title: `SLA ${i % 2 ? 'warning' : 'breach'}: firstTouch for lead M-${i}`,
    }));
    const outcome = await n.notifyBatch([...many, few[0]]);
    expect(outcome).toMatchObject({ deduped: [few[0]], failed: [] });
    expect(outcome.delivered).toHaveLength(14);
    expect(received.length).toBe(before + 3);
    const digest = received.at(-1)!.body;
    expect(digest.text).toMatch(/^:rotating_light: \[c-1\] 14 alerts at once \(digest [0-9a-f]{8}\)$/);
    const detail = JSON.stringify(digest.blocks);
    expect(detail).toContain('7 critical, 7 warning');
    expect(detail).toContain('SLA breach: firstTouch for lead M-0');
    expect(detail).not.toContain('lead M-10');
    expect(detail).toContain('…and 4 more');
    const rows = await db.pool.query<{ dedupe_key: string; digest_key: string | null; delivered: boolean }>(
      "SELECT dedupe_key, digest_key, delivered_at IS NOT NULL AS delivered FROM alerts_sent WHERE dedupe_key LIKE 'c-1:M-%'",
    );
    expect(rows.rows).toHaveLength(14);
    const digestId = /digest ([0-9a-f]{8})/.exec(String(digest.text))![1];
    expect(rows.rows.every((r) => r.delivered && r.digest_key === `c-1:digest:${digestId}`)).toBe(true);
    // Each alert is still logged on its own.
    expect(lines.filter((l) => String(l.msg).includes('lead M-'))).toHaveLength(14);
    // A repeat of the whole batch (an activity retry) posts nothing.
    expect((await n.notifyBatch(many)).deduped).toHaveLength(14);
    expect(received.length).toBe(before + 3);
  });

  it('a failed digest leaves every alert in it undelivered, and the retry carries them all', async () => {
    const { notifier: n } = notifier(url);
    const before = received.length;
    const many = Array.from({ length: 5 }, (_, i) => alert(`c-1:F-${i}:firstTouch:breach`));
    failNext = [{ status: 503 }];
    const outcome = await n.notifyBatch(many);
    expect(outcome.delivered).toHaveLength(0);
    expect(outcome.failed).toHaveLength(5);
    expect((outcome.failed[0].failure as ApplicationFailure).type).toBe(ALERT_DELIVERY_FAILED);
    const pending = await db.pool.query(
      "SELECT count(*)::int AS n FROM alerts_sent WHERE dedupe_key LIKE 'c-1:F-%' AND delivered_at IS NULL",
    );
    expect(pending.rows[0].n).toBe(5);
    expect((await n.notifyBatch(many)).delivered).toHaveLength(5);
    expect(received.length).toBe(before + 1);
    expect(String(received.at(-1)!.body.text)).toContain('5 alerts at once');
  });

  it('always logs, even without a webhook', async () => {
    const { notifier: logsOnly, lines } = notifier();
    expect(await logsOnly.notify(alert('c-1:L-4:firstTouch:breach'))).toEqual({ delivered: true, deduped: false });
    expect(lines).toHaveLength(1);
  });
});
