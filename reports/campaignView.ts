// What the dashboard shows, assembled from the ledger plus the live workflow state when Temporal answers.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { TargetResult } from '../sla/compliance';
import { campaignWorkflowId, slaStateQuery } from '../workflows/messages';
import type { CampaignStateView } from '../sla/views';
import { approveCommand } from './approveCommand';
import {
  LedgerQueries,
  type BreachView,
  type CampaignOverview,
  type OpenClockRow,
  type SnapshotPoint,
} from './ledgerQueries';
import { listCampaigns, type CampaignListRow } from './workflowReads';

// The page polls every few seconds; a slow or stopped Temporal must not hold it up.
const LIVE_TIMEOUT_MS = 2_000;
const TABLE_ROWS = 20;

export interface CampaignListEntry {
  campaignId: string;
  lastSnapshotAt: string | null;
  /** From Temporal visibility; null when Temporal is unreachable or has no workflow for it. */
  live: CampaignListRow | null;
}

interface ChartPoint {
  at: string;
  spend: number;
  budget: number;
  burnPct: number;
  conversions: number;
  forecast: number;
  cpl: number | null;
  cplLow: number;
  cplHigh: number;
}

interface PendingProposalRow {
  proposalId: string;
  action: string;
  rule: string;
  reason: string;
  expiresAt: string;
  approveCommand: string;
}

export interface CampaignDetail {
  campaignId: string;
  /** Where open clocks and pending proposals came from. */
  source: 'workflow' | 'ledger';
  overview: CampaignOverview;
  health: string | null;
  series: ChartPoint[];
  compliance: TargetResult[];
  openClockCount: number;
  openClocks: OpenClockRow[];
  recentBreaches: BreachView[];
  pendingProposals: PendingProposalRow[];
}

/** A live read from Temporal, or null when it fails or takes longer than LIVE_TIMEOUT_MS. */
function liveRead<T>(client: Client, read: () => Promise<T>): Promise<T | null> {
  // A deadline on the call itself, so its gRPC retries end with it instead of outliving the page (or the connection).
  return client.withDeadline(Date.now() + LIVE_TIMEOUT_MS, read).catch(() => null);
}

export async function campaignList(pool: pg.Pool, client: Client): Promise<CampaignListEntry[]> {
  const [recorded, live] = await Promise.all([
    new LedgerQueries(pool).listCampaigns(),
    liveRead(client, () => listCampaigns(client, { status: 'all' })),
  ]);
  return recorded.map((c) => ({
    campaignId: c.campaignId,
    lastSnapshotAt: c.lastSnapshotAt,
    live: live?.find((row) => row.campaignId === c.campaignId) ?? null,
  }));
}

/** null when the ledger has never heard of the campaign. */
export async function campaignDetail(
  pool: pg.Pool,
  client: Client,
  campaignId: string,
  now: Date,
): Promise<CampaignDetail | null> {
  const queries = new LedgerQueries(pool);
  const settings = await queries.recordedCampaignSettings(campaignId);
  if (!settings) return null;
  const [overview, snapshots, compliance, clocks, breaches, proposals, live] = await Promise.all([
    queries.campaignOverview(campaignId),
    queries.snapshots(campaignId),
    queries.responseCompliance(campaignId, {
      from: settings.windowStart,
      to: now.toISOString(),
      targets: settings.targets,
    }),
    queries.openClocks(campaignId, TABLE_ROWS),
    queries.breaches(campaignId),
    queries.proposals(campaignId),
    liveRead(client, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(slaStateQuery)),
  ]);
  const pendingFromLedger = proposals
    .filter((p) => p.status === 'pending' || p.status === 'escalated')
    .map((p) => ({
      proposalId: p.proposalId,
      action: p.action,
      rule: p.rule,
      reason: p.reason,
      expiresAt: p.expiresAt,
    }));
  const pending = live ? livePending(live) : pendingFromLedger;
  return {
    campaignId,
    source: live ? 'workflow' : 'ledger',
    overview,
    health: live?.health ?? null,
    series: snapshots.map(chartPoint),
    compliance: compliance.targets,
    openClockCount: live?.openClocks ?? overview.openClocks,
    openClocks: clocks,
    recentBreaches: breaches.slice(-TABLE_ROWS).reverse(),
    pendingProposals: pending.map((p) => ({ ...p, approveCommand: approveCommand(campaignId, p.proposalId) })),
  };
}

function livePending(state: CampaignStateView) {
  return state.proposals
    .filter((p) => p.status === 'pending')
    .map((p) => ({
      proposalId: p.proposalId,
      action: p.action,
      rule: p.rule,
      reason: p.reason,
      expiresAt: p.expiresAt,
    }));
}

function chartPoint(s: SnapshotPoint): ChartPoint {
  return {
    at: s.at,
    spend: s.spendMicros / 1e6,
    budget: s.budgetMicros / 1e6,
    burnPct: s.burnPct,
    conversions: s.conversions,
    // forecastCurve equals the linear forecast when the campaign has no baseline curve.
    forecast: s.forecastCurve,
    cpl: s.cpl,
    cplLow: s.cplLow,
    cplHigh: s.cplHigh,
  };
}
