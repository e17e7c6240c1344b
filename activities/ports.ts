import type { FollowUpTask } from '../sla/followUpTask';
import type { AdsOperationUsage } from './ads/operationCounter';
import type { Alert } from '../sla/alerts';
import type {
  AdsBudgetState,
  AdsCampaignBudget,
  BudgetChangeRecord,
  CampaignStatus,
  ConversionUploadRecord,
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

/** A qualified lead reported back to Google as an offline click conversion (ConversionUploadService). */
export interface ClickConversionUpload {
  /** Dedupes on Google's side: the lead ID, so a retried upload never counts twice. */
  orderId: string;
  clickId: CrmClickId;
  /** conversionActions resource name, e.g. customers/123/conversionActions/456. */
  conversionAction: string;
  at: string; // ISO
  value: number;
  currencyCode: string;
  /** Consent for ad user data, as the contract records it (EU user consent policy). */
  adUserData: 'GRANTED' | 'DENIED';
}

export type ClickConversionOutcome =
  | { orderId: string; status: 'uploaded' | 'already-uploaded' }
  | { orderId: string; status: 'rejected' | 'failed'; error: string };

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
  /**
   * UploadClickConversions with partial failure: each conversion succeeds or fails on its own. An order ID or
   * click+time Google already has counts as already uploaded; a whole-request failure throws.
   */
  uploadClickConversions(customerId: string, conversions: ClickConversionUpload[]): Promise<ClickConversionOutcome[]>;
  /** Operations this adapter sent in the last 24 hours against the developer token's daily limit (no call). */
  operationUsage(): AdsOperationUsage;
}

export type ContactChannel = 'call' | 'email' | 'sms' | 'meeting' | 'social' | 'other';

/** A lead as read from the CRM. No names or emails: only IDs and routing facts. */
export interface CrmLead {
  leadId: string;
  ownerId: string;
  tier: string;
  /** When the lead joined the campaign (CampaignMember.CreatedDate), or the Lead's CreatedDate under a Lead-field link. */
  createdAt: string; // ISO
  campaignId: string;
}

/** A contact attempt: one closed Task or one Event on the lead (or on its converted contact). */
export interface CrmAttempt {
  leadId: string;
  /** The Task or Event Id: stable, so it doubles as the idempotent event ID. */
  activityId: string;
  /** When the attempt happened (Task completion or creation, Event start), not when it was synced. */
  at: string; // ISO
  channel: ContactChannel;
  /** Task.CallDisposition for logged calls, else null. */
  callDisposition: string | null;
}

/** What a Lead status means for the SLA; nurture and recycle follow from the reason (responseSla.dispositions). */
type LeadStatusOutcome = { decision: 'accept' } | { decision: 'reject'; reason: string };
/** Lead status API name → outcome. Statuses not listed (e.g. "Open - Not Contacted") are not dispositions. */
export type LeadStatusMapping = Record<string, LeadStatusOutcome>;

/** A Lead status change; `outcome` is set when the mapping turns it into a disposition. */
export interface CrmStatusChange {
  leadId: string;
  /** LeadHistory Id, or a (lead, status) key when field history is not tracked: the idempotent event ID. */
  changeId: string;
  status: string;
  /** Absent for a status the mapping does not name (only returned when asked for every change). */
  outcome?: LeadStatusOutcome;
  at: string; // ISO
}

/** A meeting booked with the lead: one Event created on it (or on its converted contact), whenever it starts. */
export interface CrmMeetingBooked {
  leadId: string;
  /** The Event Id (the same record is an attempt once the meeting starts). */
  activityId: string;
  /** When it was booked (Event.CreatedDate), not when it starts. */
  at: string; // ISO
}

/** The Opportunity a lead was converted into (Lead.ConvertedOpportunityId): at most one per lead. */
export interface CrmOpportunity {
  leadId: string;
  opportunityId: string;
  /** Opportunity.CreatedDate. */
  at: string; // ISO
}

/** The ad click a lead came from, when the CRM captured it (one of Google's three identifiers). */
export interface CrmClickId {
  kind: 'gclid' | 'gbraid' | 'wbraid';
  value: string;
}

export interface CrmConversion {
  leadId: string;
  convertedDate: string; // YYYY-MM-DD (Lead.ConvertedDate is a date)
  opportunityId: string | null;
  /** Present when the org stores click IDs on the Lead (SALESFORCE_GCLID_FIELD and siblings). */
  clickId?: CrmClickId;
}

/** A read that resumes from a durable watermark (opaque to callers; null reads everything). */
export interface CrmPage<T> {
  items: T[];
  watermark: string | null;
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
  /** Kept for the contract; conversions are converted leads (IsConverted, ConvertedDate), not statuses. */
  convertedStatuses: string[];
  /** Count only conversions that opened an Opportunity (ConvertedOpportunityId set). */
  countOpportunities: boolean;
  /** IANA zone of the window's calendar days (ConvertedDate has no time); default UTC. */
  timeZone?: string;
}

/** Owner writes are verified: assignment rules, flows or triggers may put the lead elsewhere. */
export interface CrmOwnerResult {
  stuck: boolean;
  actualOwnerId: string;
}

/** A lead the CRM no longer holds: deleted (in the recycle bin, or purged), or merged into another lead. */
export interface CrmRemovedLead {
  leadId: string;
  /** The lead it was merged into (Lead.MasterRecordId), as the CRM gives it; null when it was deleted outright. */
  mergedInto: string | null;
  /** When it left the CRM (a deleted record's SystemModstamp); absent when the CRM no longer says (purged). */
  removedAt?: string;
}

/** A follow-up Task as the workflow asks for it (sla/followUpTask.ts). */
export type CrmFollowUpTask = FollowUpTask;

export interface Crm {
  /** Leads that joined the campaign since the watermark; the returned watermark is durable input for the next poll. */
  fetchNewLeads(
    crmCampaignId: string,
    watermark: string | null,
  ): Promise<{ leads: CrmLead[]; watermark: string | null }>;
  /**
   * Every attempt on the leads since the watermark, up to `until` (default: now): a meeting booked ahead comes in the
   * read after it starts. O(1) API calls in the number of leads (batched IN clauses).
   */
  fetchAttempts(leadIds: string[], watermark: string | null, until?: string): Promise<CrmPage<CrmAttempt>>;
  /**
   * Status changes of the leads since the watermark that the mapping turns into dispositions; with `all`, every
   * status change, those the mapping does not name without an outcome (the same read, no extra call).
   */
  fetchStatusChanges(
    leadIds: string[],
    watermark: string | null,
    mapping: LeadStatusMapping,
    options?: { all?: boolean; until?: string },
  ): Promise<CrmPage<CrmStatusChange>>;
  /** Meetings booked with the leads since the watermark, by booking time (a meeting booked ahead comes at once). */
  fetchMeetingsBooked(leadIds: string[], watermark: string | null, until?: string): Promise<CrmPage<CrmMeetingBooked>>;
  /** The Opportunities the leads were converted into since the watermark, at most one per lead. */
  fetchOpportunities(leadIds: string[], watermark: string | null, until?: string): Promise<CrmPage<CrmOpportunity>>;
  /** Problems with status values (unknown to the org's LeadStatus picklist); empty when all are valid. */
  validateLeadStatuses(values: string[]): Promise<string[]>;
  /** The given user IDs the org has deactivated (User.IsActive false), as given; IDs that are not users are ignored. */
  inactiveUsers(userIds: string[]): Promise<string[]>;
  /** Leads of the campaign converted (ConvertedDate) inside [from, to). */
  fetchConversions(query: CrmConversionQuery): Promise<CrmConversion[]>;
  countConversions(query: CrmConversionQuery): Promise<number>;
  setOwner(leadId: string, ownerId: string): Promise<CrmOwnerResult>;
  createFollowUpTask(input: CrmFollowUpTask): Promise<{ taskId: string; created: boolean }>;
  setLeadStatus(leadId: string, status: string): Promise<void>;
  /** Those of the given leads the CRM no longer holds (deleted or merged); one call, asked after a refused write. */
  removedLeads(leadIds: string[]): Promise<CrmRemovedLead[]>;
  /** The leads deleted or merged away since the watermark, by when that happened (each with its `removedAt`). */
  fetchRemovedLeads(
    leadIds: string[],
    watermark: string | null,
    until?: string,
  ): Promise<CrmPage<CrmRemovedLead & { removedAt: string }>>;
  /** Usage from the last response's Sforce-Limit-Info (no call). */
  apiUsage(): CrmApiUsage;
  /** Usage from the /limits resource (one call): DailyApiRequests used today vs the 24-hour limit. */
  fetchApiUsage(): Promise<CrmApiUsage>;
}

export interface Notifier {
  /**
   * At least once per dedupe key: throws a retryable failure when delivery failed, and records the key as sent
   * only after success. Callers run it in its own activity so a webhook outage never holds an SLA clock.
   */
  notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }>;
  /** Alerts raised together, at least once each (many go out as one digest message); never throws per alert. */
  notifyBatch(alerts: readonly Alert[]): Promise<AlertBatchOutcome>;
}

/** What became of each alert of a batch; a failed one is retried by the caller. */
export interface AlertBatchOutcome {
  delivered: Alert[];
  deduped: Alert[];
  failed: { alert: Alert; failure: unknown }[];
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
  /** Leads of the campaign with an open clock that were not rejected or returned to nurture, oldest first (CRM polling). */
  openLeadIds(campaignId: string, limit: number): Promise<string[]>;
  /** Of these leads, those whose conversion upload is final (uploaded, already there, or rejected by Google). */
  settledConversionUploads(campaignId: string, leadIds: string[]): Promise<Set<string>>;
  /** One row per lead: a repeat attempt of a failed upload updates it; a final one is never changed. */
  recordConversionUploads(records: ConversionUploadRecord[]): Promise<void>;
}
