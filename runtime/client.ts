// Client-side connections for the CLI and the standalone dashboard: Temporal through the same
// env-config profiles and env vars as the Temporal CLI, and the ledger through DATABASE_URL or the
// embedded Postgres that `npm start` runs.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import pg from 'pg';
import { APP_DATABASE, CONNECT_TIMEOUT_MS, DEFAULT_EMBEDDED_PORT, EMBEDDED_PORT_ENV } from './postgres';

const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

export interface ConnectedClient {
  client: Client;
  namespace: string;
  address: string;
  close(): Promise<void>;
}

/** Connects to Temporal; an unreachable server fails within CONNECT_TIMEOUT_MS with one line naming the address. */
export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<ConnectedClient> {
  let config: ReturnType<typeof loadClientConnectConfig>;
  try {
    config = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE });
  } catch (err) {
    throw new Error(`Temporal env-config could not be read: ${(err as Error).message}`, { cause: err });
  }
  const address = config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = config.namespace ?? 'default';
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, address, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address} — is npm start running? (set TEMPORAL_ADDRESS or a profile)`, {
      cause: err,
    });
  }
  return { client: new Client({ connection, namespace }), namespace, address, close: () => connection.close() };
}

/** DATABASE_URL, or the URL of the embedded Postgres that `npm start` runs (runtime/dev/embeddedPostgres.ts). */
export function ledgerDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const port = env[EMBEDDED_PORT_ENV] || String(DEFAULT_EMBEDDED_PORT);
  // The embedded cluster listens on loopback only with the fixed local credentials runtime/dev/embeddedPostgres.ts sets.
  return `postgres://postgres:postgres@127.0.0.1:${port}/${APP_DATABASE}`;
}

/** A small pool on the ledger that fails fast, with the same timeout as `npm start`. */
export function openLedgerPool(env: NodeJS.ProcessEnv = process.env): pg.Pool {
  const pool = new pg.Pool({
    connectionString: ledgerDatabaseUrl(env),
    max: 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle client dropped by the server must not crash the CLI with an unhandled 'error' event.
  pool.on('error', () => {});
  return pool;
}
