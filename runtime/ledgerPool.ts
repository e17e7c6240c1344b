// The ledger's pool as the workers use it. A Postgres that stops answering without closing its connections (a network
// partition, a failover that black-holes packets) would otherwise hang a call until TCP gives up, minutes later:
// pg waits for a connection and for a query's answer without limit by default. Hung clients then fill the pool and
// every later write, alert lease and report queues behind them, well after Postgres is back.
import pg from 'pg';
import type { Logger } from 'pino';
import { CONNECT_TIMEOUT_MS } from './postgres';

interface LedgerPoolTimeouts {
  /** Waiting for a connection, a new one or one free in the pool. */
  connectMs: number;
  /** Waiting for a query's answer: under the ledger activities' 30 s start-to-close, so the attempt fails itself. */
  queryMs: number;
}

const LEDGER_POOL_TIMEOUTS: LedgerPoolTimeouts = { connectMs: CONNECT_TIMEOUT_MS, queryMs: 25_000 };

/** A pool whose calls fail within the timeouts; a client whose query failed is closed, not reused (pgLedger.ts). */
export function openLedgerWorkerPool(url: string, logger: Logger, timeouts = LEDGER_POOL_TIMEOUTS): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.queryMs,
    keepAlive: true,
  });
  // A connection dropped by the server (failover, restart, Ctrl-C) must not crash the process; the next query reconnects.
  pool.on('error', (err) => logger.warn({ error: err.message }, 'idle Postgres connection dropped'));
  return pool;
}

/**
 * Migrations on a connection of their own, without the query timeout: an index built on a large ledger may take
 * minutes. Closed once they are applied.
 */
export async function withMigrationPool<T>(url: string, run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {});
  try {
    return await run(pool);
  } finally {
    await pool.end();
  }
}
