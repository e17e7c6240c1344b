// Ledger-backed commands: quarter reports (closed or to date) and breaches, read from Postgres.
import type pg from 'pg';
import {
  LedgerQueries,
  type BreachView,
  type QuarterReportView,
  type RecordedCampaignSettings,
} from '../../reports/ledgerQueries';
import { currentQuarter, quarterToDate, type QuarterToDateReport } from '../../reports/quarterToDate';
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

export const unknownInLedger = (campaignId: string) =>
  notFound(`campaign "${campaignId}" has no recorded config in the ledger`);

/** The recorded settings of a campaign the ledger knows; an unknown campaign is not found (exit 3). */
async function recordedCampaign(queries: LedgerQueries, campaignId: string): Promise<RecordedCampaignSettings> {
  const settings = await queries.recordedCampaignSettings(campaignId);
  if (!settings) throw unknownInLedger(campaignId);
  return settings;
}

export type ReportView = ({ kind: 'closed' } & QuarterReportView) | ({ kind: 'to-date' } & QuarterToDateReport);

export interface ReportRequest {
  /** Default: the campaign's current quarter. */
  quarter?: string;
  /** The current quarter from the ledger, even when a report for it exists. */
  toDate?: boolean;
  now: Date;
}

/**
 * A closed quarter's stored report, or the current quarter to date. Quarters follow the campaign's own
 * time zone: in Sydney the current quarter may already be one the schedule's zone has not reached.
 */
export async function quarterReport(
  queries: LedgerQueries,
  campaignId: string,
  { quarter, toDate = false, now }: ReportRequest,
): Promise<ReportView> {
  if (quarter !== undefined) {
    try {
      parseQuarter(quarter);
    } catch (err) {
      throw badInput(`--quarter: ${(err as Error).message}`);
    }
  }
  const settings = await recordedCampaign(queries, campaignId);
  const current = currentQuarter(settings, now);
  const wanted = quarter ?? current;
  const inZone = `in the campaign's time zone ${settings.timezone}`;
  if (wanted > current)
    throw badInput(`--quarter: ${wanted} has not started yet ${inZone} (current quarter ${current})`);
  const toDateReport = async (): Promise<ReportView> => ({
    kind: 'to-date',
    ...(await quarterToDate(queries, campaignId, settings, now)),
  });
  if (toDate) {
    if (wanted !== current)
      throw badInput(`--quarter-to-date: ${wanted} is closed ${inZone}; the current quarter is ${current}`);
    return toDateReport();
  }
  const stored = await queries.quarterReport(campaignId, wanted);
  if (stored) return { kind: 'closed', ...stored };
  if (wanted === current) return toDateReport();
  throw notFound(
    `no ${wanted} report for campaign "${campaignId}" in the ledger: the quarterly reset has not closed it yet`,
  );
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

export async function breaches(queries: LedgerQueries, campaignId: string, sinceIso?: string): Promise<BreachView[]> {
  await recordedCampaign(queries, campaignId);
  return queries.breaches(campaignId, sinceIso);
}
