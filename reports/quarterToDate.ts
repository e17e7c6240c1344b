// The report of the quarter still running, computed from the ledger: a closed quarter's report is written
// by the campaign workflow when the quarter closes; until then these figures stand in for it.
import { quarterBounds, quarterOf } from '../sla/quarter';
import type { ProposalStatus } from '../sla/records';
import type { LedgerQueries, RecordedCampaignSettings, ResponseComplianceReport, SnapshotPoint } from './ledgerQueries';

export interface QuarterToDateReport {
  campaignId: string;
  quarter: string;
  /** The campaign's time zone, which decides where its quarter starts. */
  timezone: string;
  /** First instant of the quarter, and when the figures were read. */
  from: string;
  through: string;
  /** First-touch compliance of the clocks started in the quarter so far, dispositions of its leads. */
  compliance: Omit<ResponseComplianceReport, 'campaignId' | 'from' | 'to'>;
  /** The latest velocity check of the quarter; null before the first. */
  latestSnapshot: SnapshotPoint | null;
  /** Budget proposals raised in the quarter, by status. */
  proposals: Partial<Record<ProposalStatus, number>>;
}

export function currentQuarter(settings: RecordedCampaignSettings, now: Date): string {
  return quarterOf(now, settings.timezone);
}

export async function quarterToDate(
  queries: LedgerQueries,
  campaignId: string,
  settings: RecordedCampaignSettings,
  now: Date,
): Promise<QuarterToDateReport> {
  return quarterFromLedger(queries, campaignId, settings, currentQuarter(settings, now), now);
}

/**
 * Any quarter's figures from the ledger, through `now` or the quarter's end: the quarter to date, and the
 * report a backfill of an older quarter writes without touching the running campaign.
 */
export async function quarterFromLedger(
  queries: LedgerQueries,
  campaignId: string,
  settings: RecordedCampaignSettings,
  quarter: string,
  now: Date,
): Promise<QuarterToDateReport> {
  const bounds = quarterBounds(quarter, settings.timezone);
  const from = bounds.start.toISOString();
  const through = new Date(Math.min(now.getTime(), bounds.end.getTime())).toISOString();
  const [report, overview, proposals] = await Promise.all([
    queries.responseCompliance(campaignId, { from, to: through, targets: settings.targets, asOf: through }),
    queries.campaignOverview(campaignId),
    queries.proposals(campaignId),
  ]);
  const { campaignId: _campaignId, from: _from, to: _to, ...compliance } = report;
  const latest = overview.latestSnapshot;
  const byStatus: Partial<Record<ProposalStatus, number>> = {};
  const inQuarter = (at: string) => Date.parse(at) >= Date.parse(from) && Date.parse(at) < Date.parse(through);
  for (const p of proposals) {
    if (inQuarter(p.createdAt)) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
  }
  return {
    campaignId,
    quarter,
    timezone: settings.timezone,
    from,
    through,
    compliance,
    latestSnapshot: latest && inQuarter(latest.at) ? latest : null,
    proposals: byStatus,
  };
}
