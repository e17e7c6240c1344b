// What the dashboard shows, assembled from the ledger plus the live workflow state when Temporal answers.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ComplianceSection, TargetResult } from '../sla/compliance';
import type { OpsCapacity } from '../sla/capacity';
import { pacing, type Pacing } from '../sla/pacing';
import { getOwn } from '../sla/dict';
import { campaignWorkflowId, slaStateQuery } from '../workflows/messages';
import { latestDecisionAttempts, type RecordedDecisionAttempt } from './decisionAudit';
import type { CampaignStateView, MilestoneView } from '../sla/views';
import { approveCommand } from './approveCommand';
import {
  LedgerQueries,
  type BreachView,
  type CampaignOverview,
  type OpenClockRow,
  type RecordedCampaignSettings,
  type SnapshotPoint,
} from './ledgerQueries';
import { SingleFlight } from './singleFlight';
import { listCampaigns, type CampaignListRow } from './workflowReads';

// The page polls every few seconds; a slow or stopped Temporal must not hold it up.
const LIVE_TIMEOUT_MS = 2_000;
/** The campaign pages' live reads: one query per campaign at a time, whatever the number of viewers. */
const liveState = new SingleFlight<CampaignStateView | null>();
const TABLE_ROWS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
// A long flight shows its latest days with leads only.
const MAX_DAYS = 45;

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
  /** Spend against flight time at this check, by sla/pacing over the recorded window and band. */
  pacing: Pacing;
}

/** One owner's or tier's SLA figures, as sla/compliance defines them. */
interface GroupFigures extends ComplianceSection {
  key: string;
}

/** Compliance per target of the first-touch clocks started on one UTC day. */
interface DailyCompliance {
  day: string;
  leads: number;
  breached: number;
  targets: TargetResult[];
}

export interface PortfolioRow {
  campaignId: string;
  health: string | null;
  pacing: Pacing | null;
  compliance: TargetResult[];
  pendingProposals: number;
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
  byOwner: GroupFigures[];
  /**
   * The roster with the open leads each rep holds now and whether that is over its cap, and whether routing skips
   * them (out of rotation until, deactivated in the CRM); live figures are null without a live read.
   */
  reps: (RecordedCampaignSettings['reps'][number] & {
    held: number | null;
    overCapacity: boolean;
    outOfRotationUntil: string | null;
    inactiveInCrm: boolean | null;
  })[];
  /** The CRM org's API usage as the campaign's latest poll saw it; null without a live read or before a poll. */
  crmApiUsage: CampaignStateView['crmApiUsage'];
  /** Google Ads operations the worker sent in 24 hours, as of the latest check; null without a live read. */
  adsApiUsage: CampaignStateView['adsApiUsage'];
  /** The team's capacity as the workflow saw it at its latest check; null from the ledger or before a check. */
  teamCapacity: OpsCapacity | null;
  byTier: GroupFigures[];
  /** The contract's milestones by outcome, from the ledger (the same definitions as the workflow's slaState). */
  milestones: MilestoneView[];
  daily: DailyCompliance[];
  openClockCount: number;
  openClocks: OpenClockRow[];
  recentBreaches: BreachView[];
  pendingProposals: PendingProposalRow[];
  /** The audit: the latest attempts to decide a proposal from any channel, accepted or refused, newest first. */
  decisionAttempts: RecordedDecisionAttempt[];
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
  const asOf = now.toISOString();
  const [overview, snapshots, compliance, daily, clocks, breaches, proposals, live, decisions, milestones] =
    await Promise.all([
      queries.campaignOverview(campaignId),
      queries.snapshots(campaignId),
      queries.responseCompliance(campaignId, { from: settings.windowStart, to: asOf, targets: settings.targets, asOf }),
      dailyCompliance(queries, campaignId, settings, asOf),
      queries.openClocks(campaignId, TABLE_ROWS),
      queries.breaches(campaignId),
      queries.proposals(campaignId),
      liveState.run(`${client.options.namespace}/${campaignId}`, () =>
        liveRead(client, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(slaStateQuery)),
      ),
      latestDecisionAttempts(pool, campaignId, TABLE_ROWS),
      queries.milestones(campaignId),
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
    series: snapshots.map((s) => chartPoint(s, settings)),
    compliance: compliance.targets,
    byOwner: groups(compliance.byOwner),
    reps: settings.reps.map((rep) => {
      const held = live ? (getOwn(live.openLeadsByOwner ?? {}, rep.repId) ?? 0) : null;
      // Runs of earlier releases answer without routing.
      const routing = live?.routing;
      return {
        ...rep,
        held,
        overCapacity: held !== null && held > rep.capacity,
        outOfRotationUntil: routing?.outOfRotation.find((r) => r.repId === rep.repId)?.until ?? null,
        inactiveInCrm: routing ? routing.inactiveReps.includes(rep.repId) : null,
      };
    }),
    crmApiUsage: live?.crmApiUsage ?? null,
    // Runs of earlier releases answer without it.
    adsApiUsage: live?.adsApiUsage ?? null,
    teamCapacity: live?.latestSnapshot?.capacity ?? null,
    byTier: groups(compliance.byTier),
    milestones,
    daily,
    openClockCount: live?.openClocks ?? overview.openClocks,
    openClocks: clocks,
    recentBreaches: breaches.slice(-TABLE_ROWS).reverse(),
    pendingProposals: pending.map((p) => ({ ...p, approveCommand: approveCommand(campaignId, p.proposalId) })),
    decisionAttempts: decisions,
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

/** Every campaign in the ledger with its health, latest pacing, compliance to date and pending approvals. */
export async function portfolio(pool: pg.Pool, client: Client, now: Date): Promise<PortfolioRow[]> {
  const queries = new LedgerQueries(pool);
  const [campaigns, live] = await Promise.all([
    queries.listCampaigns(),
    liveRead(client, () => listCampaigns(client, { status: 'all' })),
  ]);
  return Promise.all(
    campaigns.map(async ({ campaignId }): Promise<PortfolioRow> => {
      const [settings, overview] = await Promise.all([
        queries.recordedCampaignSettings(campaignId),
        queries.campaignOverview(campaignId),
      ]);
      const latest = overview.latestSnapshot;
      const compliance = settings
        ? await queries.responseCompliance(campaignId, {
            from: settings.windowStart,
            to: now.toISOString(),
            targets: settings.targets,
            asOf: now.toISOString(),
          })
        : null;
      return {
        campaignId,
        health: live?.find((row) => row.campaignId === campaignId)?.health ?? null,
        pacing: latest && settings ? chartPoint(latest, settings).pacing : null,
        compliance: compliance?.targets ?? [],
        pendingProposals: overview.pendingProposals,
      };
    }),
  );
}

/** Compliance of the clocks started on each of the latest MAX_DAYS UTC days with leads. */
async function dailyCompliance(
  queries: LedgerQueries,
  campaignId: string,
  settings: RecordedCampaignSettings,
  asOf: string,
): Promise<DailyCompliance[]> {
  const days = await queries.firstTouchDays(campaignId, settings.windowStart, asOf);
  return Promise.all(
    days.slice(-MAX_DAYS).map(async (day) => {
      const from = `${day}T00:00:00.000Z`;
      const to = new Date(Date.parse(from) + DAY_MS).toISOString();
      const figures = await queries.responseCompliance(campaignId, { from, to, targets: settings.targets, asOf });
      return { day, leads: figures.leads, breached: figures.breached, targets: figures.targets };
    }),
  );
}

function groups(byKey: Record<string, ComplianceSection>): GroupFigures[] {
  return Object.entries(byKey)
    .map(([key, figures]) => ({ key, ...figures }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function chartPoint(s: SnapshotPoint, settings: RecordedCampaignSettings): ChartPoint {
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
    pacing: pacing(
      {
        spend: s.spendMicros / 1e6,
        budget: s.budgetMicros / 1e6,
        windowStart: Date.parse(settings.windowStart),
        windowEnd: Date.parse(settings.windowEnd),
        now: Date.parse(s.at),
      },
      settings.pacingBand,
    ),
  };
}
