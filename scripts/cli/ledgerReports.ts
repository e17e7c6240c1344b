// Ledger-backed commands: quarter reports and breaches, read from Postgres.
import type pg from 'pg';
import { LedgerQueries, type BreachView, type QuarterReportView } from '../../reports/ledgerQueries';
import { redactUrl } from '../../runtime/postgres';
import { parseQuarter } from '../../sla/quarter';
import { parseDuration } from '../../sla/duration';
import { badInput, CliError, ExitCode, notFound } from './errors';

/** Runs ledger reads, turning a refused connection into one line that names the (redacted) URL. */
export async function withLedger<T>(
  pool: pg.Pool,
  url: string,
  read: (queries: LedgerQueries) => Promise<T>,
): Promise<T> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw new CliError(
      `cannot reach the ledger at ${redactUrl(url)} (${(err as Error).message}) — is npm start running? (or set DATABASE_URL)`,
      ExitCode.failed,
    );
  }
  return read(new LedgerQueries(pool));
}

export async function quarterReport(
  queries: LedgerQueries,
  campaignId: string,
  quarter: string,
): Promise<QuarterReportView> {
  try {
    parseQuarter(quarter);
  } catch (err) {
    throw badInput(`--quarter: ${(err as Error).message}`);
  }
  const report = await queries.quarterReport(campaignId, quarter);
  if (!report)
    throw notFound(
      `no ${quarter} report for campaign "${campaignId}" in the ledger (the quarter may not be closed yet)`,
    );
  return report;
}

/** --since takes an ISO time or a look-back like 24h / 7d. */
export function parseSince(since: string, now: Date): string {
  if (/^\d+(\.\d+)?[smhdw]/.test(since)) {
    try {
      return new Date(now.getTime() - parseDuration(since)).toISOString();
    } catch (err) {
      throw badInput(`--since: ${(err as Error).message}`);
    }
  }
  const at = Date.parse(since);
  if (Number.isNaN(at)) throw badInput(`--since: expected an ISO time or a look-back like 24h, got "${since}"`);
  return new Date(at).toISOString();
}

export function breaches(queries: LedgerQueries, campaignId: string, sinceIso?: string): Promise<BreachView[]> {
  return queries.breaches(campaignId, sinceIso);
}
