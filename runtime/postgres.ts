// The ledger's Postgres as production sees it: an existing server from DATABASE_URL, checked before use,
// with the password kept out of every log line and error.
import pg from 'pg';

/** An unreachable server must fail the start well within 10 s, not hang. */
export const CONNECT_TIMEOUT_MS = 8_000;

// Where the embedded Postgres of `npm start` (runtime/dev/embeddedPostgres.ts) serves the ledger; the CLI
// falls back to it when DATABASE_URL is not set.
export const APP_DATABASE = 'campaign_sla';
export const DEFAULT_EMBEDDED_PORT = 54329;
export const EMBEDDED_PORT_ENV = 'EMBEDDED_PG_PORT';

/** The URL as it may appear in logs and errors: the password is left out. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/** Checks that the server answers (one query, CONNECT_TIMEOUT_MS cap); the error names the URL without its password. */
export async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: CONNECT_TIMEOUT_MS,
  });
  // A dropped connection after a failed connect must not surface as an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const password = safePassword(url);
    let reason = err instanceof Error ? err.message : String(err);
    if (password) reason = reason.split(password).join('***');
    // The original error is left out on purpose: only the redacted text may reach logs.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`DATABASE_URL ${redactUrl(url)} is unreachable: ${reason}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
