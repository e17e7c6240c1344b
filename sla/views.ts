// Shapes returned by the campaign workflow's queries and Updates (read models, JSON only).
import type { AdsAccountProblem } from './adsAccount';
import type { OpsCapacity } from './capacity';
import type { Pacing } from './pacing';
import type { ProposalAction, ProposalStatus } from './records';
import type { AcrossLag } from './rules';
import type { ComplianceSummary, SlaHealth } from '../sla/compliance';
import type { ClockKind } from './clockKind';
import type { ClockState, LeadState, MilestoneFigures } from './leadBook';

export interface BreachView {
  leadId: string;
  clock: ClockKind;
  tier: string;
  ownerId: string;
  at: string;
}

export interface SnapshotView {
  checkId: string;
  at: string;
  spend: number;
  budget: number;
  burnPct: number;
  conversions: number;
  forecast: number;
  velocityPct: number | null;
  cpl: number | null;
  cplBand: { low: number; high: number };
  campaignStatus: 'ENABLED' | 'PAUSED';
  /** Spend against flight time, and what the reps can take on, as the rules saw them. */
  pacing?: Pacing;
  capacity?: OpsCapacity;
  /** Where the Google Ads campaign does not fit the contract (shared budget, currency, flight). */
  adsProblems?: AdsAccountProblem[];
  /** With a conversion lag: velocity and CPL as the rules judged them. */
  acrossLag?: AcrossLag;
}

export interface ProposalView {
  proposalId: string;
  action: ProposalAction;
  rule: string;
  reason: string;
  status: ProposalStatus;
  createdAt: string;
  expiresAt: string;
  targetBudget: number | null;
  budgetBefore: number;
  decidedBy?: string;
  decisionReason?: string;
  decidedAt?: string;
  outcome?: string;
}

export interface CampaignStateView {
  campaignId: string;
  configVersion: number;
  quarter: string;
  status: 'running' | 'ended';
  health: SlaHealth;
  openLeads: number;
  /** Open leads each owner holds now: what capacity caps apply to. */
  openLeadsByOwner: Record<string, number>;
  /** Routing by availability: routes waiting for the CRM, and reps out of rotation now with when they return. */
  routing: { pendingRoutes: number; outOfRotation: { repId: string; until: string }[]; inactiveReps: string[] };
  /** The CRM org's API calls in the rolling 24 hours against its allowance, as of the latest poll; null before one. */
  crmApiUsage: { used: number; max: number; at: string } | null;
  /** Google Ads operations the worker sent in 24 hours against the token's limit (null: Standard access, no limit). */
  adsApiUsage: { used: number; limit: number | null; at: string } | null;
  openClocks: number;
  breachedLeads: number;
  compliance: ComplianceSummary;
  /** Each milestone of the contract (responseSla.milestones) since the campaign started, by outcome, with stopped time. */
  milestones: MilestoneView[];
  nextDeadline: string | null;
  recentBreaches: BreachView[];
  latestSnapshot: SnapshotView | null;
  proposals: ProposalView[];
  budget: { amount: number; status: 'ENABLED' | 'PAUSED' } | null;
  run: {
    historyLength: number;
    continuedAsNew: number;
    /**
     * Open leads at which this run last found itself too large to hand over; while set, it takes no new leads
     * (admitLeads is refused, the CRM poll leaves them in the CRM) until it hands over. Null otherwise.
     */
    handOverRefusedAt: number | null;
  };
}

/** One milestone's clocks by outcome: started = met + breached + stopped + pending. */
export interface MilestoneView extends MilestoneFigures {
  name: string;
}

/** A lead's clock with ISO times, like every other read model (the book keeps epoch ms). */
export interface LeadClockView extends Omit<ClockState, ClockTimeField> {
  startedAt: string;
  warnAt: string;
  deadline: string;
  warnedAt?: string;
  metAt?: string;
  breachedAt?: string;
  stoppedAt?: string;
  nextStepAt?: string;
  breachRetractedAt?: string;
  pausedAt?: string;
}

/** The ClockState fields that hold epoch milliseconds. */
export type ClockTimeField =
  | 'startedAt'
  | 'warnAt'
  | 'deadline'
  | 'warnedAt'
  | 'metAt'
  | 'breachedAt'
  | 'stoppedAt'
  | 'nextStepAt'
  | 'breachRetractedAt'
  | 'pausedAt';

export interface LeadView extends Omit<
  LeadState,
  'eventIds' | 'createdAt' | 'firstTouchAt' | 'owners' | 'clocks' | 'history'
> {
  createdAt: string;
  firstTouchAt?: string;
  /** Who held the lead from when, once it changed owner. */
  owners?: { ownerId: string; from: string }[];
  clocks: Partial<Record<ClockKind, LeadClockView>>;
  history: { at: string; what: string }[];
  closed: boolean;
}

export interface AmendOutcome {
  configVersion: number;
  appliesTo: 'new leads';
}

/**
 * What closing a quarter did for one campaign: `not-ended` when the quarter has not ended in the campaign's own
 * zone (it closes it itself), `rebuilt-from-ledger` / `report-exists` for an older quarter (a backfill), which
 * never touches the running campaign.
 */
export interface QuarterRollOutcome {
  quarter: string;
  result: 'rolled' | 'already-rolled' | 'not-ended' | 'rebuilt-from-ledger' | 'report-exists';
}
