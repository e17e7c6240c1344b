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
import { CLOSING_EVENT_KINDS_SQL } from '../sla/records';
import type { ClockKind } from '../sla/clockKind';
import type { MilestoneView } from '../sla/views';
import {
  addClockBreach,
  addDisposition,
  addOutcome,
  attributedOwners,
  classifyLead,
  withinRuleOf,
  emptyFigures,
  ownerAt,
  summarizeFigures,
  type ComplianceSummary,
  type OwnerSpan,
  type PoolOf,
  type ResponseTarget,
  type TierTime,
} from '../sla/compliance';
import { getOwn } from '../sla/dict';
import type { PacingBand } from '../sla/pacing';
import { pacingBandSchema } from '../sla/config/spendSchema';
import type { CampaignConfig } from '../sla/config';
import { poolOfRep, tierTime } from '../sla/leadBook';
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
  pacingBand: PacingBand;
  /** The rep roster: capacity caps and who is out of office. */
  reps: { repId: string; pool: string; capacity: number; outOfOffice: boolean }[];
}

// The stored config is the parsed CampaignConfig as JSON: durations are milliseconds.
interface StoredConfig {
  campaign: { timezone: string; window: { start: string; end: string } };
  responseSla: {
    compliance: { within: number; target: number }[];
    /** Absent from configs recorded by tests and tools that store only the parts they need. */
    pools?: Record<string, { reps: { id: string; capacity: number; outOfOffice: boolean }[] }>;
  };
  /** The pacing band is absent in configs recorded before it existed. */
  velocity?: { pacingBand?: PacingBand };
  approvals?: { slackUsers?: Record<string, string> };
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
  /** A milestone paused since then (its deadline waits for the resume). */
  pausedAt: string | null;
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

/** SLA figures of the clocks started in [from, to), as of `asOf`, by the one definition in sla/compliance. */
export interface ResponseComplianceReport extends ComplianceSummary {
  campaignId: string;
  from: string;
  to: string;
  asOf: string;
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

  private async latestStoredConfig(campaignId: string): Promise<StoredConfig | undefined> {
    const { rows } = await this.pool.query<{ config: StoredConfig }>(
      `SELECT config FROM campaign_config_versions WHERE campaign_id = $1 ORDER BY config_version DESC LIMIT 1`,
      [campaignId],
    );
    return rows[0]?.config;
  }

  /** Slack member ID → approver ID from the latest recorded config; null when the campaign has none recorded. */
  async slackApprovers(campaignId: string): Promise<ReadonlyMap<string, string> | null> {
    const config = await this.latestStoredConfig(campaignId);
    return config ? new Map(Object.entries(config.approvals?.slackUsers ?? {})) : null;
  }

  /** The parts of the latest recorded (already validated) config that reports need; null before any is recorded. */
  async recordedCampaignSettings(campaignId: string): Promise<RecordedCampaignSettings | null> {
    const config = await this.latestStoredConfig(campaignId);
    if (!config) return null;
    return {
      timezone: config.campaign.timezone,
      windowStart: config.campaign.window.start,
      windowEnd: config.campaign.window.end,
      targets: config.responseSla.compliance.map((c) => ({ withinMs: c.within, target: c.target })),
      pacingBand: config.velocity?.pacingBand ?? pacingBandSchema.parse(undefined),
      reps: Object.entries(config.responseSla.pools ?? {}).flatMap(([pool, { reps }]) =>
        reps.map((r) => ({ repId: r.id, pool, capacity: r.capacity, outOfOffice: r.outOfOffice })),
      ),
    };
  }

  async campaignOverview(campaignId: string): Promise<CampaignOverview> {
    checkNonEmpty(campaignId, 'campaignId');
    const [counts, latest] = await Promise.all([
      this.pool.query<Omit<CampaignOverview, 'latestSnapshot'>>(
        `SELECT $1::text AS "campaignId",
                (SELECT latest_config_version FROM campaigns WHERE campaign_id = $1) AS "latestConfigVersion",
                (SELECT count(*)::int FROM clocks
                  WHERE campaign_id = $1 AND met_at IS NULL AND breached_at IS NULL) AS "openClocks",
                (SELECT count(*)::int FROM clocks
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

  /** Clocks neither met, breached nor stopped, the most urgent first (a paused one says since when). */
  async openClocks(campaignId: string, limit: number): Promise<OpenClockRow[]> {
    const { rows } = await this.pool.query<OpenClockRow>(
      `SELECT co.lead_id AS "leadId", co.clock, l.tier, l.owner_id AS "ownerId",
              iso_utc(co.started_at) AS "startedAt", iso_utc(co.deadline) AS deadline,
              iso_utc(co.paused_at) AS "pausedAt"
       FROM clocks co
       LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
       WHERE co.campaign_id = $1 AND co.met_at IS NULL AND co.breached_at IS NULL AND co.stopped_at IS NULL
       ORDER BY co.paused_at IS NOT NULL, co.deadline, co.lead_id, co.clock
       LIMIT $2`,
      [campaignId, limit],
    );
    return rows;
  }

  /**
   * Each milestone's clocks by outcome, the same definitions as the workflow's milestoneFigures: a breach met late
   * is a breach, stopped is a lead that left the SLA first, and stopped time is the milestone's own time base.
   */
  async milestones(campaignId: string): Promise<MilestoneView[]> {
    checkNonEmpty(campaignId, 'campaignId');
    const { rows } = await this.pool.query<MilestoneView>(
      `SELECT substr(clock, 3) AS name,
              count(*)::int AS started,
              count(*) FILTER (WHERE met_at IS NOT NULL AND breached_at IS NULL)::int AS met,
              count(*) FILTER (WHERE breached_at IS NOT NULL)::int AS breached,
              count(*) FILTER (WHERE stopped_at IS NOT NULL AND met_at IS NULL AND breached_at IS NULL)::int AS stopped,
              count(*) FILTER (WHERE met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE paused_at IS NOT NULL AND met_at IS NULL AND breached_at IS NULL
                                 AND stopped_at IS NULL)::int AS "pausedNow",
              count(*) FILTER (WHERE paused_ms IS NOT NULL OR paused_at IS NOT NULL)::int AS paused,
              COALESCE(sum(paused_ms), 0)::float8 AS "pausedMs"
       FROM clock_outcomes -- milestones always have rows; only first-touch and follow-up clocks ride on lead rows
       WHERE campaign_id = $1 AND clock LIKE 'm:%'
       GROUP BY clock
       ORDER BY clock`,
      [campaignId],
    );
    return rows.map((row) => {
      const decided = row.met + row.breached;
      return { ...row, share: decided > 0 ? row.met / decided : null };
    });
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
   * SLA figures for the first-touch clocks started in [from, to), overall and by tier, owner and pool, as of
   * `asOf` (default now): each lead's facts from the ledger go through sla/compliance, the same definition the
   * workflow's slaState uses, so both agree lead for lead.
   */
  async responseCompliance(
    campaignId: string,
    window: { from: string; to: string; targets: ResponseTarget[]; asOf?: string },
  ): Promise<ResponseComplianceReport> {
    checkNonEmpty(campaignId, 'campaignId');
    checkTimestamp(window.from, 'from');
    checkTimestamp(window.to, 'to');
    if (window.asOf !== undefined) checkTimestamp(window.asOf, 'asOf');
    window.targets.forEach((t, i) => {
      checkInteger(t.withinMs, `targets[${i}].withinMs`, { min: 0 });
      if (!(t.target >= 0 && t.target <= 1))
        throw new Error(`targets[${i}].target must be a share within [0, 1], got ${t.target}`);
    });
    const asOf = window.asOf ?? new Date().toISOString();
    const [configs, facts] = await Promise.all([
      this.configVersions(campaignId),
      this.leadFacts(campaignId, window.from, window.to),
    ]);
    const summary = figuresFromLedger(facts, configs, window.targets, Date.parse(asOf));
    return { campaignId, from: window.from, to: window.to, asOf, ...summary };
  }

  /** UTC days (YYYY-MM-DD) on which first-touch clocks started within [from, to), oldest first. */
  async firstTouchDays(campaignId: string, from: string, to: string): Promise<string[]> {
    checkNonEmpty(campaignId, 'campaignId');
    checkTimestamp(from, 'from');
    checkTimestamp(to, 'to');
    const { rows } = await this.pool.query<{ day: string }>(
      `SELECT DISTINCT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM clocks
       WHERE campaign_id = $1 AND clock = 'firstTouch' AND started_at >= $2 AND started_at < $3
       ORDER BY day`,
      [campaignId, from, to],
    );
    return rows.map((r) => r.day);
  }

  private async configVersions(campaignId: string): Promise<Map<number, CampaignConfig>> {
    const { rows } = await this.pool.query<{ version: number; config: CampaignConfig }>(
      `SELECT config_version AS version, config FROM campaign_config_versions WHERE campaign_id = $1`,
      [campaignId],
    );
    return new Map(rows.map((r) => [r.version, r.config]));
  }

  /** Per lead whose first-touch clock started in [from, to): the facts sla/compliance classifies. */
  private async leadFacts(campaignId: string, from: string, to: string): Promise<LedgerLeadFacts[]> {
    const ms = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;
    const { rows } = await this.pool.query<LedgerLeadFacts>(
      `SELECT ft.lead_id AS "leadId", COALESCE(l.tier, 'unknown') AS tier, COALESCE(l.owner_id, 'unknown') AS "ownerId",
              COALESCE(l.config_version, 0) AS "configVersion",
              ${ms('ft.started_at')} AS "startedAt", ${ms('ft.deadline')} AS deadline,
              ${ms('ft.met_at')} AS "touchedAt", ft.elapsed_business_ms::float8 AS "touchElapsedMs",
              ${ms('ft.breached_at')} AS "breachedAt", ft.warned_at IS NOT NULL AS warned,
              (SELECT ${ms('min(e.at)')} FROM lead_events e
                WHERE e.campaign_id = ft.campaign_id AND e.lead_id = ft.lead_id AND e.kind IN (${CLOSING_EVENT_KINDS_SQL})) AS "closedAt",
              COALESCE((SELECT jsonb_agg(jsonb_build_object('from', ${ms('e.at')}, 'ownerId', e.detail->>'to')
                                         ORDER BY e.at, e.event_id)
                        FROM lead_events e
                        WHERE e.campaign_id = ft.campaign_id AND e.lead_id = ft.lead_id AND e.kind = 'owner-change'),
                       '[]') AS "ownerChanges",
              (SELECT jsonb_build_object('decision', e.kind, 'reason', e.detail->>'reason', 'ownerId', e.detail->>'ownerId')
                 FROM lead_events e
                WHERE e.campaign_id = ft.campaign_id AND e.lead_id = ft.lead_id AND e.kind IN ('accept', 'reject')
                ORDER BY e.at, e.event_id LIMIT 1) AS disposition,
              ${ms('ac.breached_at')} AS "acceptanceBreachedAt", ${ms('fu.breached_at')} AS "followUpBreachedAt"
       FROM clocks ft
       -- A clock without its lead row (a hand-written ledger) still counts, under tier and owner "unknown".
       LEFT JOIN leads l ON l.campaign_id = ft.campaign_id AND l.lead_id = ft.lead_id
       -- Only their breaches are read, and a breached clock always has a clock_outcomes row: the table, not the view.
       LEFT JOIN clock_outcomes ac
         ON ac.campaign_id = ft.campaign_id AND ac.lead_id = ft.lead_id AND ac.clock = 'acceptance'
       LEFT JOIN clock_outcomes fu
         ON fu.campaign_id = ft.campaign_id AND fu.lead_id = ft.lead_id AND fu.clock = 'followUp'
       WHERE ft.campaign_id = $1 AND ft.clock = 'firstTouch' AND ft.started_at >= $2 AND ft.started_at < $3
       ORDER BY ft.started_at, ft.lead_id`,
      [campaignId, from, to],
    );
    return rows;
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
    const [breaches, steps, decisions] = await Promise.all([
      this.breachesBetween(campaignId, weekStart, weekEnd),
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
       FROM clocks co
       LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
       WHERE co.campaign_id = $1 AND co.breached_at IS NOT NULL
         AND ($2::timestamptz IS NULL OR co.breached_at >= $2)
         AND ($3::timestamptz IS NULL OR co.breached_at < $3)
       ORDER BY co.breached_at, co.lead_id, co.clock`,
      [campaignId, since, until],
    );
    return rows;
  }
}

/** A lead's ledger rows, as responseCompliance reads them (times in epoch ms). */
interface LedgerLeadFacts {
  leadId: string;
  tier: string;
  /** The owner at admission; later owners come from owner-change events. */
  ownerId: string;
  configVersion: number;
  startedAt: number;
  deadline: number;
  touchedAt: number | null;
  touchElapsedMs: number | null;
  breachedAt: number | null;
  warned: boolean;
  closedAt: number | null;
  ownerChanges: OwnerSpan[];
  disposition: { decision: 'accept' | 'reject'; reason: string | null; ownerId: string | null } | null;
  acceptanceBreachedAt: number | null;
  followUpBreachedAt: number | null;
}

const WALL_TIME: TierTime = {
  elapsed: (_tier, from, to) => Math.max(0, to - from),
  reach: (_tier, from, ms) => from + ms,
};

/** Folds ledger facts through sla/compliance exactly as the workflow folds its lead book. */
function figuresFromLedger(
  facts: readonly LedgerLeadFacts[],
  configs: ReadonlyMap<number, CampaignConfig>,
  targets: readonly ResponseTarget[],
  asOf: number,
): ComplianceSummary {
  const latest = configs.get(Math.max(...configs.keys()));
  const poolOf: PoolOf = latest?.responseSla?.pools ? poolOfRep(latest) : () => undefined;
  const acc = emptyFigures(targets.map((t) => t.withinMs));
  for (const lead of facts) {
    const config = configs.get(lead.configVersion) ?? latest;
    // A tier missing from the recorded config (none recorded, or a hand-written ledger) counts wall time.
    const time =
      config?.responseSla?.tiers && getOwn(config.responseSla.tiers, lead.tier) ? tierTime(config) : WALL_TIME;
    const owners = attributedOwners(
      [{ ownerId: lead.ownerId, from: lead.startedAt }, ...lead.ownerChanges],
      config?.responseSla?.attribution,
    );
    const touched = lead.touchedAt !== null;
    const outcome = classifyLead(
      {
        tier: lead.tier,
        startedAt: lead.startedAt,
        deadline: lead.deadline,
        owners,
        ...(touched
          ? {
              touchedAt: lead.touchedAt as number,
              touchElapsedMs: lead.touchElapsedMs ?? time.elapsed(lead.tier, lead.startedAt, lead.touchedAt as number),
            }
          : lead.closedAt !== null
            ? { closedAt: lead.closedAt }
            : {}),
        ...(lead.breachedAt !== null ? { breachedAt: lead.breachedAt } : {}),
        warned: lead.warned,
      },
      acc.trackedWithinMs,
      asOf,
      time,
      withinRuleOf(acc),
    );
    addOutcome(acc, outcome, poolOf);
    for (const [clock, at] of [
      ['acceptance', lead.acceptanceBreachedAt],
      ['followUp', lead.followUpBreachedAt],
    ] as const) {
      if (at !== null) addClockBreach(acc, { tier: lead.tier, ownerId: ownerAt(owners, at), clock, delta: 1 }, poolOf);
    }
    const d = lead.disposition;
    if (d) {
      const firstOwnerOnly = config?.responseSla?.attribution === 'first-owner';
      const ownerId = (firstOwnerOnly ? undefined : d.ownerId) ?? owners[owners.length - 1].ownerId;
      addDisposition(
        acc,
        { tier: lead.tier, ownerId, decision: d.decision, ...(d.reason ? { reason: d.reason } : {}) },
        poolOf,
      );
    }
  }
  return summarizeFigures(acc, targets);
}
