// Read side of the ledger for the CLI, reports and the dashboard. Timestamps come back as UTC ISO
// strings (iso_utc) and micros as numbers (exact up to 2^53, i.e. ~9 billion currency units).
// Inputs go through the same checks as the write side (activities/ledger), so a bad value names its field.
import type pg from 'pg';
import type {
  BudgetChangeRecord,
  DecisionRecord,
  ProposalAction,
  ProposalRecord,
  ProposalStatus,
  VelocitySnapshotRecord,
} from '../sla/records';
import type { ClockKind } from '../sla/clockKind';
import type { ResponseTarget, TargetResult } from '../sla/compliance';
import { checkInteger, checkNonEmpty, checkTimestamp } from '../activities/ledger/recordChecks';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CampaignSummary {
  campaignId: string;
  latestConfigVersion: number;
  firstRecordedAt: string;
  lastSnapshotAt: string | null;
}

export interface RecordedCampaignSettings {
  timezone: string;
  windowStart: string;
  windowEnd: string;
  /** First-touch compliance targets of the latest config version. */
  targets: ResponseTarget[];
}

// The stored config is the parsed CampaignConfig as JSON: durations are milliseconds.
interface StoredConfig {
  campaign: { timezone: string; window: { start: string; end: string } };
  responseSla: { compliance: { within: number; target: number }[] };
}

/** A recorded velocity snapshot as the read side returns it, with whether CPL sat inside its band. */
export interface SnapshotPoint extends Omit<VelocitySnapshotRecord, 'campaignId'> {
  /** null while there is no CPL (no conversions yet). */
  cplInBand: boolean | null;
}

export interface CampaignOverview {
  campaignId: string;
  /** null when no config version of the campaign was recorded. */
  latestConfigVersion: number | null;
  latestSnapshot: SnapshotPoint | null;
  /** Clocks neither met nor breached. */
  openClocks: number;
  breachedClocks: number;
  /** Proposals waiting for ops: pending or escalated. */
  pendingProposals: number;
}

interface EscalationStepView {
  stepIndex: number;
  step: string;
  at: string;
  outcome: Record<string, unknown>;
}

export interface OpenClockRow {
  leadId: string;
  clock: ClockKind;
  tier: string | null;
  ownerId: string | null;
  startedAt: string;
  deadline: string;
}

export interface BreachView {
  leadId: string;
  clock: ClockKind;
  /** null when the lead row has not been written yet. */
  tier: string | null;
  ownerId: string | null;
  startedAt: string;
  deadline: string;
  breachedAt: string;
  metAt: string | null;
  steps: EscalationStepView[];
}

interface DecisionView {
  decision: DecisionRecord['decision'];
  approver: string;
  reason: string;
  at: string;
  figures: Record<string, unknown>;
}

type BudgetChangeView = Omit<BudgetChangeRecord, 'campaignId' | 'proposalId'>;

/** A recorded proposal with its decisions and budget changes. */
export interface LedgerProposal extends ProposalRecord {
  decisions: DecisionView[];
  budgetChanges: BudgetChangeView[];
}

export interface ComplianceGroupView {
  clocks: number;
  met: number;
  breached: number;
  /** Neither met nor breached yet; left out of the shares because they may still make it. */
  open: number;
  medianFirstTouchMs: number | null;
  p95FirstTouchMs: number | null;
  /** Per target: within = met clocks touched within withinMs; sample = met clocks plus breached ones never met. */
  targets: TargetResult[];
}

export interface ResponseComplianceReport extends ComplianceGroupView {
  campaignId: string;
  from: string;
  to: string;
  byTier: Array<ComplianceGroupView & { tier: string }>;
  byOwner: Array<ComplianceGroupView & { ownerId: string }>;
  /** Breached clocks of every kind that started in the window. */
  breachesByClock: Record<ClockKind, number>;
  /** Leads created in the window, and their latest accept/reject/nurture disposition. */
  leads: number;
  accepted: number;
  rejected: number;
  /** accepted / (accepted + rejected); null before any decision. */
  acceptanceRate: number | null;
  /** Disposition reason (or the kind when no reason was given) -> leads; undecided leads are not listed. */
  dispositions: Record<string, number>;
}

export interface QuarterReportView {
  campaignId: string;
  quarter: string;
  createdAt: string;
  report: Record<string, unknown>;
}

export interface CorrectiveStepView extends EscalationStepView {
  leadId: string;
  clock: ClockKind;
  ownerId: string | null;
}

export interface CorrectiveDecisionView extends DecisionView {
  proposalId: string;
  action: ProposalAction;
  rule: string;
}

export interface WeeklyScorecard {
  campaignId: string;
  weekStart: string;
  weekEnd: string;
  /** Clocks breached during the week. */
  breaches: BreachView[];
  /** First-touch compliance per owner for clocks started during the week. */
  owners: Array<ComplianceGroupView & { ownerId: string }>;
  correctiveActions: { escalationSteps: CorrectiveStepView[]; decisions: CorrectiveDecisionView[] };
}

const SNAPSHOT_COLUMNS = `
  check_id AS "checkId", iso_utc(at) AS at, spend_micros::float8 AS "spendMicros",
  budget_micros::float8 AS "budgetMicros", burn_pct AS "burnPct", conversions,
  forecast_linear AS "forecastLinear", forecast_curve AS "forecastCurve", velocity_pct AS "velocityPct",
  cpl, cpl_low AS "cplLow", cpl_high AS "cplHigh", cpl BETWEEN cpl_low AND cpl_high AS "cplInBand",
  response_compliance AS "responseCompliance", detail`;

export class LedgerQueries {
  constructor(private readonly pool: pg.Pool) {}

  async listCampaigns(): Promise<CampaignSummary[]> {
    const { rows } = await this.pool.query<CampaignSummary>(
      `SELECT c.campaign_id AS "campaignId", c.latest_config_version AS "latestConfigVersion",
              iso_utc(c.first_recorded_at) AS "firstRecordedAt",
              (SELECT iso_utc(max(s.at)) FROM velocity_snapshots s WHERE s.campaign_id = c.campaign_id) AS "lastSnapshotAt"
       FROM campaigns c ORDER BY c.campaign_id`,
    );
    return rows;
  }

  /** The parts of the latest recorded (already validated) config that reports need; null before any is recorded. */
  async recordedCampaignSettings(campaignId: string): Promise<RecordedCampaignSettings | null> {
    const { rows } = await this.pool.query<{ config: StoredConfig }>(
      `SELECT config FROM campaign_config_versions WHERE campaign_id = $1 ORDER BY config_version DESC LIMIT 1`,
      [campaignId],
    );
    const config = rows[0]?.config;
    if (!config) return null;
    return {
      timezone: config.campaign.timezone,
      windowStart: config.campaign.window.start,
      windowEnd: config.campaign.window.end,
      targets: config.responseSla.compliance.map((c) => ({ withinMs: c.within, target: c.target })),
    };
  }

  async campaignOverview(campaignId: string): Promise<CampaignOverview> {
    checkNonEmpty(campaignId, 'campaignId');
    const [counts, latest] = await Promise.all([
      this.pool.query<Omit<CampaignOverview, 'latestSnapshot'>>(
        `SELECT $1::text AS "campaignId",
                (SELECT latest_config_version FROM campaigns WHERE campaign_id = $1) AS "latestConfigVersion",
                (SELECT count(*)::int FROM clock_outcomes
                  WHERE campaign_id = $1 AND met_at IS NULL AND breached_at IS NULL) AS "openClocks",
                (SELECT count(*)::int FROM clock_outcomes
                  WHERE campaign_id = $1 AND breached_at IS NOT NULL) AS "breachedClocks",
                (SELECT count(*)::int FROM proposals
                  WHERE campaign_id = $1 AND status IN ('pending', 'escalated')) AS "pendingProposals"`,
        [campaignId],
      ),
      this.pool.query<SnapshotPoint>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM velocity_snapshots WHERE campaign_id = $1 ORDER BY at DESC, check_id DESC LIMIT 1`,
        [campaignId],
      ),
    ]);
    return { ...counts.rows[0], latestSnapshot: latest.rows[0] ?? null };
  }

  /** Burn vs forecast vs conversions and CPL vs band over time, oldest first. */
  async snapshots(campaignId: string, sinceIso?: string): Promise<SnapshotPoint[]> {
    checkNonEmpty(campaignId, 'campaignId');
    if (sinceIso !== undefined) checkTimestamp(sinceIso, 'since');
    const { rows } = await this.pool.query<SnapshotPoint>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM velocity_snapshots
       WHERE campaign_id = $1 AND ($2::timestamptz IS NULL OR at >= $2)
       ORDER BY at, check_id`,
      [campaignId, sinceIso ?? null],
    );
    return rows;
  }

  /** Clocks neither met nor breached, the most urgent first. */
  async openClocks(campaignId: string, limit: number): Promise<OpenClockRow[]> {
    const { rows } = await this.pool.query<OpenClockRow>(
      `SELECT co.lead_id AS "leadId", co.clock, l.tier, l.owner_id AS "ownerId",
              iso_utc(co.started_at) AS "startedAt", iso_utc(co.deadline) AS deadline
       FROM clock_outcomes co
       LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
       WHERE co.campaign_id = $1 AND co.met_at IS NULL AND co.breached_at IS NULL
       ORDER BY co.deadline, co.lead_id, co.clock
       LIMIT $2`,
      [campaignId, limit],
    );
    return rows;
  }

  /** Breached clocks (breached at or after sinceIso) with the escalation steps taken for each. */
  breaches(campaignId: string, sinceIso?: string): Promise<BreachView[]> {
    checkNonEmpty(campaignId, 'campaignId');
    if (sinceIso !== undefined) checkTimestamp(sinceIso, 'since');
    return this.breachesBetween(campaignId, sinceIso ?? null, null);
  }

  async proposals(campaignId: string, status?: ProposalStatus): Promise<LedgerProposal[]> {
    checkNonEmpty(campaignId, 'campaignId');
    const { rows } = await this.pool.query<LedgerProposal>(
      `SELECT p.proposal_id AS "proposalId", p.campaign_id AS "campaignId", iso_utc(p.created_at) AS "createdAt",
              iso_utc(p.expires_at) AS "expiresAt", p.action, p.rule, p.reason,
              p.target_amount_micros::float8 AS "targetAmountMicros", p.figures, p.status,
              COALESCE((SELECT jsonb_agg(jsonb_build_object(
                          'decision', d.decision, 'approver', d.approver, 'reason', d.reason,
                          'at', iso_utc(d.at), 'figures', d.figures) ORDER BY d.at, d.decision)
                        FROM decisions d WHERE d.proposal_id = p.proposal_id), '[]') AS decisions,
              COALESCE((SELECT jsonb_agg(jsonb_build_object(
                          'changeId', b.change_id, 'source', b.source, 'at', iso_utc(b.at), 'before', b.before_state,
                          'after', b.after_state, 'operation', b.operation, 'validateOnly', b.validate_only,
                          'changed', b.changed) ORDER BY b.at, b.change_id)
                        FROM budget_changes b WHERE b.proposal_id = p.proposal_id), '[]') AS "budgetChanges"
       FROM proposals p
       WHERE p.campaign_id = $1 AND ($2::text IS NULL OR p.status = $2)
       ORDER BY p.created_at, p.proposal_id`,
      [campaignId, status ?? null],
    );
    return rows;
  }

  /**
   * First-touch compliance for clocks started in [from, to), overall and by tier and owner, with
   * exact shares per target and percentile_cont median / p95 of time to first touch (business time
   * where the tier counts it). Acceptance and dispositions cover the leads created in the window.
   */
  async responseCompliance(
    campaignId: string,
    window: { from: string; to: string; targets: ResponseTarget[] },
  ): Promise<ResponseComplianceReport> {
    checkNonEmpty(campaignId, 'campaignId');
    checkTimestamp(window.from, 'from');
    checkTimestamp(window.to, 'to');
    window.targets.forEach((t, i) => {
      checkInteger(t.withinMs, `targets[${i}].withinMs`, { min: 0 });
      if (!(t.target >= 0 && t.target <= 1))
        throw new Error(`targets[${i}].target must be a share within [0, 1], got ${t.target}`);
    });
    const [groups, breachesByClock, dispositions] = await Promise.all([
      this.firstTouchGroups(campaignId, window.from, window.to, window.targets),
      this.breachesByClock(campaignId, window.from, window.to),
      this.dispositions(campaignId, window.from, window.to),
    ]);
    return {
      campaignId,
      from: window.from,
      to: window.to,
      ...groups.overall,
      byTier: groups.byTier,
      byOwner: groups.byOwner,
      breachesByClock,
      ...dispositions,
    };
  }

  async quarterReport(campaignId: string, quarter: string): Promise<QuarterReportView | null> {
    checkNonEmpty(campaignId, 'campaignId');
    const { rows } = await this.pool.query<QuarterReportView>(
      `SELECT campaign_id AS "campaignId", quarter, iso_utc(created_at) AS "createdAt", report
       FROM quarter_reports WHERE campaign_id = $1 AND quarter = $2`,
      [campaignId, quarter],
    );
    return rows[0] ?? null;
  }

  /** The week is [weekStart, weekStart + 7 × 24 h). */
  async weeklyScorecard(campaignId: string, weekStartIso: string): Promise<WeeklyScorecard> {
    checkNonEmpty(campaignId, 'campaignId');
    checkTimestamp(weekStartIso, 'weekStart');
    const weekStart = new Date(weekStartIso).toISOString();
    const weekEnd = new Date(Date.parse(weekStartIso) + 7 * DAY_MS).toISOString();
    const [breaches, groups, steps, decisions] = await Promise.all([
      this.breachesBetween(campaignId, weekStart, weekEnd),
      this.firstTouchGroups(campaignId, weekStart, weekEnd, []),
      this.pool.query<CorrectiveStepView>(
        `SELECT s.lead_id AS "leadId", s.clock, l.owner_id AS "ownerId", s.step_index AS "stepIndex", s.step,
                iso_utc(s.at) AS at, s.outcome
         FROM escalation_steps s
         LEFT JOIN leads l ON l.campaign_id = s.campaign_id AND l.lead_id = s.lead_id
         WHERE s.campaign_id = $1 AND s.at >= $2 AND s.at < $3
         ORDER BY s.at, s.lead_id, s.clock, s.step_index`,
        [campaignId, weekStart, weekEnd],
      ),
      this.pool.query<CorrectiveDecisionView>(
        `SELECT d.proposal_id AS "proposalId", p.action, p.rule, d.decision, d.approver, d.reason,
                iso_utc(d.at) AS at, d.figures
         FROM decisions d JOIN proposals p ON p.proposal_id = d.proposal_id
         WHERE d.campaign_id = $1 AND d.at >= $2 AND d.at < $3
         ORDER BY d.at, d.proposal_id`,
        [campaignId, weekStart, weekEnd],
      ),
    ]);
    return {
      campaignId,
      weekStart,
      weekEnd,
      breaches,
      owners: groups.byOwner,
      correctiveActions: { escalationSteps: steps.rows, decisions: decisions.rows },
    };
  }

  private async breachesBetween(campaignId: string, since: string | null, until: string | null): Promise<BreachView[]> {
    const { rows } = await this.pool.query<BreachView>(
      `SELECT co.lead_id AS "leadId", co.clock, l.tier, l.owner_id AS "ownerId", iso_utc(co.started_at) AS "startedAt",
              iso_utc(co.deadline) AS deadline, iso_utc(co.breached_at) AS "breachedAt", iso_utc(co.met_at) AS "metAt",
              COALESCE((SELECT jsonb_agg(jsonb_build_object(
                          'stepIndex', s.step_index, 'step', s.step, 'at', iso_utc(s.at), 'outcome', s.outcome)
                          ORDER BY s.step_index)
                        FROM escalation_steps s
                        WHERE s.campaign_id = co.campaign_id AND s.lead_id = co.lead_id AND s.clock = co.clock),
                       '[]') AS steps
       FROM clock_outcomes co
       LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
       WHERE co.campaign_id = $1 AND co.breached_at IS NOT NULL
         AND ($2::timestamptz IS NULL OR co.breached_at >= $2)
         AND ($3::timestamptz IS NULL OR co.breached_at < $3)
       ORDER BY co.breached_at, co.lead_id, co.clock`,
      [campaignId, since, until],
    );
    return rows;
  }

  private async firstTouchGroups(campaignId: string, from: string, to: string, targets: ResponseTarget[]) {
    // One pass with GROUPING SETS: overall, per tier and per owner. Shares are counted exactly per
    // target from the met clocks' elapsed times; a met clock without recorded elapsed time falls
    // back to wall time between start and contact.
    const { rows } = await this.pool.query<{
      tier: string | null;
      ownerId: string | null;
      grouping: number;
      clocks: number;
      met: number;
      breached: number;
      open: number;
      missed: number;
      medianFirstTouchMs: number | null;
      p95FirstTouchMs: number | null;
      within: number[];
    }>(
      `WITH base AS (
         SELECT COALESCE(l.tier, 'unknown') AS tier, COALESCE(l.owner_id, 'unknown') AS owner_id,
                co.met_at, co.breached_at,
                CASE WHEN co.met_at IS NOT NULL THEN COALESCE(
                  co.elapsed_business_ms, co.elapsed_wall_ms,
                  (extract(epoch FROM co.met_at - co.started_at) * 1000)::bigint) END AS elapsed_ms
         FROM clock_outcomes co
         LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
         WHERE co.campaign_id = $1 AND co.clock = 'firstTouch' AND co.started_at >= $2 AND co.started_at < $3
       ), grouped AS (
         SELECT tier, owner_id, GROUPING(tier, owner_id) AS grouping,
                count(*)::int AS clocks,
                count(met_at)::int AS met,
                count(breached_at)::int AS breached,
                (count(*) FILTER (WHERE met_at IS NULL AND breached_at IS NULL))::int AS open,
                (count(*) FILTER (WHERE met_at IS NULL AND breached_at IS NOT NULL))::int AS missed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) AS median_ms,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY elapsed_ms) AS p95_ms,
                array_agg(elapsed_ms) FILTER (WHERE elapsed_ms IS NOT NULL) AS met_elapsed
         FROM base
         GROUP BY GROUPING SETS ((), (tier), (owner_id))
       )
       SELECT tier, owner_id AS "ownerId", grouping, clocks, met, breached, open, missed,
              median_ms AS "medianFirstTouchMs", p95_ms AS "p95FirstTouchMs",
              ARRAY(SELECT count(e.ms)::int
                    FROM unnest($4::bigint[]) WITH ORDINALITY AS t(within_ms, ord)
                    LEFT JOIN unnest(g.met_elapsed) AS e(ms) ON e.ms <= t.within_ms
                    GROUP BY t.ord ORDER BY t.ord) AS within
       FROM grouped g
       ORDER BY grouping, tier, owner_id`,
      [campaignId, from, to, targets.map((t) => t.withinMs)],
    );
    const view = (r: (typeof rows)[number]): ComplianceGroupView => {
      // Breached clocks that were never met count as misses for every target.
      const sample = r.met + r.missed;
      return {
        clocks: r.clocks,
        met: r.met,
        breached: r.breached,
        open: r.open,
        medianFirstTouchMs: r.medianFirstTouchMs,
        p95FirstTouchMs: r.p95FirstTouchMs,
        targets: targets.map((t, i) => attainment(t, r.within[i], sample)),
      };
    };
    // GROUPING(tier, owner_id) is a bit mask of the columns rolled up: 3 overall, 1 per tier, 2 per owner.
    const overall = rows.find((r) => r.grouping === 3)!;
    return {
      overall: view(overall),
      byTier: rows.filter((r) => r.grouping === 1).map((r) => ({ tier: r.tier!, ...view(r) })),
      byOwner: rows.filter((r) => r.grouping === 2).map((r) => ({ ownerId: r.ownerId!, ...view(r) })),
    };
  }

  private async breachesByClock(campaignId: string, from: string, to: string): Promise<Record<ClockKind, number>> {
    const { rows } = await this.pool.query<{ clock: ClockKind; breached: number }>(
      `SELECT clock, count(*)::int AS breached FROM clock_outcomes
       WHERE campaign_id = $1 AND started_at >= $2 AND started_at < $3 AND breached_at IS NOT NULL
       GROUP BY clock`,
      [campaignId, from, to],
    );
    const counts: Record<ClockKind, number> = { firstTouch: 0, acceptance: 0, followUp: 0 };
    for (const row of rows) counts[row.clock] = row.breached;
    return counts;
  }

  /** Latest accept/reject/nurture event of each lead created in [from, to). */
  private async dispositions(campaignId: string, from: string, to: string) {
    const { rows } = await this.pool.query<{ kind: string | null; label: string | null; leads: number }>(
      `SELECT d.kind, COALESCE(d.reason, d.kind) AS label, count(*)::int AS leads
       FROM leads l
       LEFT JOIN LATERAL (
         SELECT e.kind, e.detail->>'reason' AS reason FROM lead_events e
         WHERE e.campaign_id = l.campaign_id AND e.lead_id = l.lead_id AND e.kind IN ('accept', 'reject', 'nurture')
         ORDER BY e.at DESC, e.event_id DESC LIMIT 1
       ) d ON TRUE
       WHERE l.campaign_id = $1 AND l.created_at >= $2 AND l.created_at < $3
       GROUP BY 1, 2`,
      [campaignId, from, to],
    );
    const sum = (kind: string) => rows.filter((r) => r.kind === kind).reduce((n, r) => n + r.leads, 0);
    const accepted = sum('accept');
    const rejected = sum('reject');
    const dispositions: Record<string, number> = {};
    for (const row of rows)
      if (row.label !== null) dispositions[row.label] = (dispositions[row.label] ?? 0) + row.leads;
    return {
      leads: rows.reduce((n, r) => n + r.leads, 0),
      accepted,
      rejected,
      acceptanceRate: accepted + rejected === 0 ? null : accepted / (accepted + rejected),
      dispositions,
    };
  }
}

function attainment(target: ResponseTarget, within: number, sample: number): TargetResult {
  const actual = sample === 0 ? null : within / sample;
  // Nothing decided yet is not a miss, matching sla/compliance.
  return { ...target, within, sample, actual, met: actual === null || actual >= target.target };
}
