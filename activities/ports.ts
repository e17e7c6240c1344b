import type { ClockKind } from '../sla/leadBook';

// The four ports the activities talk through. Each has a real adapter and a sandbox one.
// All methods must be safe to retry: Temporal retries activities.

/** Which Google Ads campaign a workflow controls. IDs only, never credentials. */
export interface AdsCampaignRef {
  customerId: string;
  campaignId: string;
}

export interface DailyAdsMetrics {
  date: string; // YYYY-MM-DD in the account's time zone
  costMicros: number;
  clicks: number;
  impressions: number;
  conversions: number;
}

export type BudgetPeriod = 'DAILY' | 'CUSTOM_PERIOD';
export type CampaignStatus = 'ENABLED' | 'PAUSED';

export interface AdsBudgetState {
  budgetResourceName: string;
  period: BudgetPeriod;
  /** total_amount_micros for CUSTOM_PERIOD (total campaign budget), amount_micros for DAILY. */
  amountMicros: number;
  status: CampaignStatus;
}

export interface AdsMutationResult {
  /** false when the target was already in place (read-before-write) and nothing was sent. */
  changed: boolean;
  validateOnly: boolean;
  before: AdsBudgetState;
  after: AdsBudgetState;
  operation: string;
}

export interface AdsPlatform {
  getDailyMetrics(ref: AdsCampaignRef, fromDate: string, toDate: string): Promise<DailyAdsMetrics[]>;
  getBudget(ref: AdsCampaignRef): Promise<AdsBudgetState>;
  setBudgetAmount(ref: AdsCampaignRef, amountMicros: number): Promise<AdsMutationResult>;
  setStatus(ref: AdsCampaignRef, status: CampaignStatus): Promise<AdsMutationResult>;
}

export type ContactChannel = 'call' | 'email' | 'sms' | 'meeting' | 'social' | 'other';

/** A lead as read from the CRM. No names or emails: only IDs and routing facts. */
export interface CrmLead {
  leadId: string;
  ownerId: string;
  tier: string;
  createdAt: string; // ISO
  campaignId: string;
}

export interface CrmFirstTouch {
  leadId: string;
  at: string; // ISO
  channel: ContactChannel;
}

export interface CrmApiUsage {
  used: number;
  max: number;
  /** Calls this adapter made since it was created. */
  callsMade: number;
}

export interface CrmConversionQuery {
  crmCampaignId: string;
  from: string; // ISO
  to: string; // ISO
  /** Lead status values that count as the conversion event, e.g. ["Qualified"]. */
  convertedStatuses: string[];
  /** Count Opportunities created from the campaign instead of (not in addition to) leads. */
  countOpportunities: boolean;
}

export interface Crm {
  /** New leads since the watermark, oldest first; the returned watermark is durable input for the next poll. */
  fetchNewLeads(
    crmCampaignId: string,
    watermark: string | null,
  ): Promise<{ leads: CrmLead[]; watermark: string | null }>;
  /** Earliest Task/Event per lead. O(1) API calls in the number of leads (batched IN clauses). */
  fetchFirstTouches(leadIds: string[]): Promise<CrmFirstTouch[]>;
  countConversions(query: CrmConversionQuery): Promise<number>;
  setOwner(leadId: string, ownerId: string): Promise<void>;
  createFollowUpTask(input: {
    leadId: string;
    ownerId: string;
    subject: string;
    dueDate: string;
    idempotencyKey: string;
  }): Promise<void>;
  setLeadStatus(leadId: string, status: string): Promise<void>;
  apiUsage(): CrmApiUsage;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Alerts with the same key are sent once. */
  dedupeKey: string;
  severity: AlertSeverity;
  campaignId: string;
  title: string;
  text: string;
  /** IDs only (lead, owner, proposal); never personal data. */
  fields?: Record<string, string | number>;
}

export interface Notifier {
  /** Never throws for delivery failures: a webhook outage must not block an SLA step. */
  notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }>;
}

// ---- Ledger: the Postgres record that drives reports and the dashboard. ----
// Every write is keyed by a natural or idempotency key (ON CONFLICT), so retries never duplicate rows.

export type { ClockKind };

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
}

export type LeadEventKind = 'contact' | 'accept' | 'reject' | 'stage' | 'owner-change' | 'nurture' | 'warning';

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
  /** Elapsed time to meet the clock, in business time where the tier counts business time. */
  elapsedBusinessMs?: number;
  elapsedWallMs?: number;
}

export interface LeadActivityBatch {
  leads: LeadRecord[];
  events: LeadEventRecord[];
  clocks: ClockOutcomeRecord[];
}

export type EscalationStepKind = 'notify-owner' | 'reassign' | 'notify-manager' | 'return-to-nurture';

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

export interface Ledger {
  recordConfigVersion(record: ConfigVersionRecord): Promise<void>;
  recordLeadActivity(batch: LeadActivityBatch): Promise<void>;
  recordEscalationStep(record: EscalationStepRecord): Promise<void>;
  recordSnapshot(record: VelocitySnapshotRecord): Promise<void>;
  recordProposal(record: ProposalRecord): Promise<void>;
  recordDecision(record: DecisionRecord): Promise<void>;
  recordBudgetChange(record: BudgetChangeRecord): Promise<void>;
  /** Returns inserted=false when the quarter already has a report (a repeat run changes nothing). */
  recordQuarterReport(record: QuarterReportRecord): Promise<{ inserted: boolean }>;
  /** Open leads of the campaign whose first touch is not recorded yet, oldest first (for CRM touch polling). */
  openUntouchedLeadIds(campaignId: string, limit: number): Promise<string[]>;
}
