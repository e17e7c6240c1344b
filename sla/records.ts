// The domain's records: what the ledger stores and reports read. Every write is keyed by a natural or
// idempotency key (ON CONFLICT), so retries never duplicate rows.
import type { AdsFlight } from './adsFlight';
import type { ClockKind } from './clockKind';

export type BudgetPeriod = 'DAILY' | 'CUSTOM_PERIOD';
export type CampaignStatus = 'ENABLED' | 'PAUSED';

export interface AdsBudgetState {
  budgetResourceName: string;
  period: BudgetPeriod;
  /** total_amount_micros for CUSTOM_PERIOD (total campaign budget), amount_micros for DAILY. */
  amountMicros: number;
  status: CampaignStatus;
  // Read since the v24 checks; optional because older ledger rows and workflow histories lack them.
  /** campaign_budget.explicitly_shared: created to be shared across campaigns. */
  explicitlyShared?: boolean;
  /** campaign_budget.reference_count: campaigns actively using the budget. */
  referenceCount?: number;
  /** customer.currency_code (ISO 4217): amounts are micros of this currency. */
  currencyCode?: string;
  /** customer.time_zone: the zone of segments.date and of the flight times. */
  timeZone?: string;
  flight?: AdsFlight;
}

/** What the Ads port reads: every field present. */
export type AdsCampaignBudget = Required<AdsBudgetState>;

export interface ConfigVersionRecord {
  campaignId: string;
  configVersion: number;
  config: unknown; // the validated campaign config, stored as JSON
  recordedAt: string;
}

export interface LeadRecord {
  campaignId: string;
  leadId: string;
  tier: string;
  ownerId: string;
  createdAt: string;
  configVersion: number;
  /**
   * Deadlines of the clocks the lead was admitted with, folded onto its row by the write that carries it
   * (startedClocks.ts); never set on the outbox's own records.
   */
  firstTouchDeadline?: string;
  followUpDeadline?: string;
}

type LeadEventKind =
  | 'contact'
  | 'accept'
  | 'reject'
  | 'stage'
  | 'owner-change'
  | 'nurture'
  | 'warning'
  | 'status'
  | 'meeting'
  /** The CRM no longer holds the lead (deleted or merged away): it closes the lead as reject and nurture do. */
  | 'removed';

/** The ledger events that close a lead: its clocks stop there (reports' closedAt; the CRM poll stops asking). */
const CLOSING_EVENT_KINDS = ['reject', 'nurture', 'removed'] as const satisfies readonly LeadEventKind[];
/** CLOSING_EVENT_KINDS as a SQL list, for `kind IN (...)`. */
export const CLOSING_EVENT_KINDS_SQL = CLOSING_EVENT_KINDS.map((kind) => `'${kind}'`).join(', ');

export interface LeadEventRecord {
  campaignId: string;
  leadId: string;
  /** Unique per campaign; the idempotency key of the event. */
  eventId: string;
  kind: LeadEventKind;
  at: string;
  detail: Record<string, unknown>;
}

export interface ClockOutcomeRecord {
  campaignId: string;
  leadId: string;
  clock: ClockKind;
  startedAt: string;
  deadline: string;
  warnedAt?: string;
  metAt?: string;
  breachedAt?: string;
  /** Set when a touch reported late (within the allowed lateness) showed the clock was met on time. */
  breachRetractedAt?: string;
  /** When the workflow learned of the event that met the clock (processing time; metAt is event time). */
  metRecordedAt?: string;
  /** Elapsed time to meet the clock, in the clock's own time base (business time where it counts business time). */
  elapsedBusinessMs?: number;
  elapsedWallMs?: number;
  /** Milestones: paused since (the clock stands still), and time stood still in finished pauses. */
  pausedAt?: string;
  pausedMs?: number;
  /** Milestones: the lead left the SLA before the clock was met or breached. */
  stoppedAt?: string;
}

export interface LeadActivityBatch {
  leads: LeadRecord[];
  events: LeadEventRecord[];
  clocks: ClockOutcomeRecord[];
  /** Escalation steps the workflow records: superseded ones, and done ones whose activity could not write them. */
  steps?: EscalationStepRecord[];
}

type EscalationStepKind = 'notify-owner' | 'reassign' | 'notify-manager' | 'return-to-nurture';

export interface EscalationStepRecord {
  campaignId: string;
  leadId: string;
  clock: ClockKind;
  stepIndex: number;
  step: EscalationStepKind;
  at: string;
  outcome: Record<string, unknown>;
}

export interface VelocitySnapshotRecord {
  campaignId: string;
  /** Idempotency key: one snapshot per scheduled check. */
  checkId: string;
  at: string;
  spendMicros: number;
  budgetMicros: number;
  burnPct: number;
  conversions: number;
  forecastLinear: number;
  forecastCurve: number;
  velocityPct: number;
  cpl: number | null;
  cplLow: number;
  cplHigh: number;
  responseCompliance: Record<string, number>;
  detail: Record<string, unknown>;
}

export type ProposalAction = 'pause' | 'reduce' | 'increase' | 'restore';
export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'applied' | 'failed' | 'escalated';

export interface ProposalRecord {
  proposalId: string;
  campaignId: string;
  createdAt: string;
  expiresAt: string;
  action: ProposalAction;
  rule: string;
  reason: string;
  /** Target budget in micros (for reduce/increase/restore); null for pause. */
  targetAmountMicros: number | null;
  figures: Record<string, unknown>;
  status: ProposalStatus;
}

export interface DecisionRecord {
  proposalId: string;
  campaignId: string;
  decision: 'approve' | 'reject' | 'timeout-apply' | 'timeout-reject' | 'timeout-escalate' | 'auto-approve';
  approver: string;
  reason: string;
  at: string;
  figures: Record<string, unknown>;
}

export interface BudgetChangeRecord {
  /** Idempotency key, e.g. the proposal ID or "external:<checkId>". */
  changeId: string;
  campaignId: string;
  proposalId: string | null;
  source: 'proposal' | 'external' | 'signal';
  at: string;
  before: AdsBudgetState | null;
  after: AdsBudgetState;
  operation: string;
  validateOnly: boolean;
  changed: boolean;
}

export interface QuarterReportRecord {
  campaignId: string;
  quarter: string; // e.g. 2027-Q1
  createdAt: string;
  report: Record<string, unknown>;
}

/** An offline click conversion sent to Google Ads, as the ledger keeps it (one row per converted lead). */
export interface ConversionUploadRecord {
  campaignId: string;
  leadId: string;
  conversionAction: string;
  convertedDate: string; // YYYY-MM-DD
  value: number;
  currency: string;
  status: 'uploaded' | 'already-uploaded' | 'rejected' | 'failed';
  error: string | null;
  at: string; // ISO, this attempt
}
