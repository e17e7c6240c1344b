import type { Alert } from '../sla/alerts';
import type {
  AdsBudgetState,
  AdsCampaignBudget,
  BudgetChangeRecord,
  CampaignStatus,
  ConfigVersionRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  ProposalRecord,
  QuarterReportRecord,
  VelocitySnapshotRecord,
} from '../sla/records';

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
  /**
   * The campaign's total budget, its sharing, the account's currency and time zone, and the flight.
   * Refuses (non-retryable) a REMOVED campaign and a DAILY budget.
   */
  getBudget(ref: AdsCampaignRef): Promise<AdsCampaignBudget>;
  /**
   * Sets total_amount_micros only (period is immutable). Refuses a shared budget; an amount below Google's
   * per-day minimum fails as AdsBudgetBelowMinimum with the minimum in the failure's details.
   */
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

export interface Notifier {
  /**
   * At least once per dedupe key: throws a retryable failure when delivery failed, and records the key as sent
   * only after success. Callers run it in its own activity so a webhook outage never holds an SLA clock.
   */
  notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }>;
}

// ---- Ledger: the Postgres record that drives reports and the dashboard. ----
// Every write is keyed by a natural or idempotency key (ON CONFLICT), so retries never duplicate rows.

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
