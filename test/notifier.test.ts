// The notifier: Slack-compatible webhook JSON, structured logs always, one alert per dedupe key, and
// a webhook outage that never throws into an SLA step.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLedger } from '../activities/ledger/pgLedger';
import { WebhookNotifier } from '../activities/notifier/webhookNotifier';
import type { Alert } from '../sla/alerts';
import { createTestDatabase, type TestDatabase } from './support/postgres';

let db: TestDatabase;
let server: Server;
let url: string;
const received: { body: Record<string, unknown>; contentType?: string }[] = [];
let failNext = 0;

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
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end('boom');
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
    notifier: new WebhookNotifier({ claims: new PgLedger(db.pool), logger: pino(sink), webhookUrl, timeoutMs: 2000 }),
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

  it('keeps the alert in the logs and does not throw when the webhook fails or is unreachable', async () => {
    failNext = 1;
    const { notifier: failing, lines } = notifier(url);
    await expect(failing.notify(alert('c-1:L-2:firstTouch:breach'))).resolves.toEqual({
      delivered: false,
      deduped: false,
    });
    expect(lines.map((l) => l.msg)).toEqual([
      'c-1: SLA breach: firstTouch for lead L-1',
      'alert webhook failed; alert kept in logs',
    ]);
    const { notifier: unreachable } = notifier('http://127.0.0.1:1/hook');
    await expect(unreachable.notify(alert('c-1:L-3:firstTouch:breach'))).resolves.toEqual({
      delivered: false,
      deduped: false,
    });
  });

  it('always logs, even without a webhook', async () => {
    const { notifier: logsOnly, lines } = notifier();
    expect(await logsOnly.notify(alert('c-1:L-4:firstTouch:breach'))).toEqual({ delivered: true, deduped: false });
    expect(lines).toHaveLength(1);
  });
});
