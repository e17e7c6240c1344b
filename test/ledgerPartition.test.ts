// A Postgres that stops answering without closing its connections (a network partition, a failover that black-holes
// packets): TCP holds the bytes, so nothing fails until it gives up, minutes later. The workers' pool must fail each
// call within its timeouts, close the clients that hung, and write again as soon as Postgres answers.
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLedger } from '../activities/ledger/pgLedger';
import type { LeadActivityBatch } from '../sla/records';
import { openLedgerWorkerPool } from '../runtime/ledgerPool';
import { createTestDatabase, type TestDatabase } from './support/postgres';

/** Short timeouts for the test; production's are 8 s and 25 s (runtime/ledgerPool.ts). */
const TIMEOUTS = { connectMs: 1_000, queryMs: 2_000 };
/** Far past the timeouts: a call still pending then is hung. */
const HUNG_AFTER_MS = 8_000;

/** A TCP proxy to Postgres that, while partitioned, holds every byte both ways, as a network partition does. */
async function partitionableProxy(target: URL) {
  let partitioned = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => {
      const send = () => to.writable && to.write(chunk);
      if (partitioned) held.push(send);
      else send();
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    partition(on: boolean) {
      partitioned = on;
      if (!on) for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const event = (eventId: string): LeadActivityBatch => ({
  leads: [],
  events: [
    { campaignId: 'c-partition', leadId: 'L-1', eventId, kind: 'warning', at: '2027-01-04T09:00:00Z', detail: {} },
  ],
  clocks: [],
});

/** 'hung' if the call is still pending after HUNG_AFTER_MS, else how it settled. */
const settleOrHang = (call: Promise<unknown>) =>
  Promise.race([
    call.then(
      () => 'written',
      (err: unknown) => `failed: ${(err as Error).message}`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('hung'), HUNG_AFTER_MS)),
  ]);

let db: TestDatabase;
let proxy: Awaited<ReturnType<typeof partitionableProxy>>;
let pool: ReturnType<typeof openLedgerWorkerPool>;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await partitionableProxy(new URL(db.url));
  pool = openLedgerWorkerPool(proxy.url, pino({ level: 'silent' }), TIMEOUTS);
});
afterAll(async () => {
  await pool?.end().catch(() => {});
  await proxy?.close();
  await db?.drop();
});

const written = async (eventId: string) =>
  (await db.pool.query('SELECT 1 FROM lead_events WHERE campaign_id = $1 AND event_id = $2', ['c-partition', eventId]))
    .rowCount;

describe('the ledger behind a network partition', () => {
  it(
    'fails every call within its timeouts, more calls than the pool holds included, and writes again once healed',
    { timeout: 60_000 },
    async () => {
      const ledger = new PgLedger(pool);
      await ledger.recordLeadActivity(event('before'));
      expect(await written('before')).toBe(1);

      proxy.partition(true);
      // Twelve writes and a read at once, more than the pool's ten connections: none may wait past the timeouts.
      const outcomes = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => settleOrHang(ledger.recordLeadActivity(event(`during-${i}`)))),
        settleOrHang(ledger.latestConfig('c-partition')),
      ]);
      expect(
        outcomes.filter((o) => o === 'hung'),
        outcomes.join('; '),
      ).toEqual([]);
      expect(outcomes.filter((o) => o === 'written')).toEqual([]);

      proxy.partition(false);
      // A retry after the partition writes at once, however many clients hung meanwhile.
      for (let i = 0; i < 12; i++)
        expect(await settleOrHang(ledger.recordLeadActivity(event(`during-${i}`)))).toBe('written');
      for (let i = 0; i < 12; i++) expect(await written(`during-${i}`)).toBe(1);
    },
  );
});
