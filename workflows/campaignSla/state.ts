// The state a campaign carries from one run to the next (continue-as-new), and how a new campaign starts.
import { patched } from '@temporalio/workflow';
import { decodeStoredConfigs, STORED_CONFIG_FORMAT, type CampaignConfig } from '../../sla/config';
import { emptyLeadBook, type LeadBook, type PendingRoute } from '../../sla/leadBook';
import { createCompliance, reviveCompliance, type CampaignCompliance } from '../../sla/campaignCompliance';
import type { Alert } from '../../sla/alerts';
import type { WithinRule } from '../../sla/compliance';
import type { ProposalState } from '../../sla/proposals';
import { quarterOf } from '../../sla/quarter';
import type { BreachView, SnapshotView } from '../../sla/views';

/** Patch: SLA figures attributed to the owner who held each lead (sla/compliance), instead of the earlier ones. */
export const ATTRIBUTED_SLA_FIGURES = 'attributed-sla-figures';

/**
 * How new figures count a touch as within T (sla/compliance WithinRule): asked where figures begin (a campaign's
 * first run, a quarter's reset), so figures begun before the patch keep their rule until their quarter closes.
 */
export const withinRuleForNewFigures = (): WithinRule => (patched('within-at-reach') ? 'reach' : 'elapsed');

interface SpendState {
  checks: number;
  nextCheckAt: number;
  latest: SnapshotView | null;
  /** Trailing snapshots for conversion-rate rules. */
  history: { at: number; conversions: number; clicks: number; spend: number; forecast?: number; leads?: number }[];
  budget: { amount: number; status: 'ENABLED' | 'PAUSED' } | null;
  originalBudget: number | null;
  activeAdjustment: {
    action: 'pause' | 'reduce';
    rule: string;
    budgetBefore: number;
    statusBefore: 'ENABLED' | 'PAUSED';
    /** Since when its cause has been cleared (stable rules); a restore waits for it to stay cleared. */
    clearedSince?: number;
  } | null;
  proposals: ProposalState[];
  proposalSeq: number;
  /** Codes of the Google Ads problems already raised and still present; absent in carry-overs before it existed. */
  adsProblems?: string[];
  /** When the last approved change landed in Google Ads (workflow time); absent before one did, or before it existed. */
  budgetAppliedAt?: number;
}

export interface CampaignCarryOver {
  configs: Record<number, CampaignConfig>;
  /** The shape `configs` are stored in (sla/config/stored); absent in carry-overs of releases before it existed. */
  configFormat?: number;
  currentVersion: number;
  book: LeadBook;
  compliance: CampaignCompliance;
  spend: SpendState;
  quarter: string;
  closedQuarters: string[];
  crmWatermark: string | null;
  nextCrmPollAt: number;
  recentBreaches: BreachView[];
  breachedLeads: number;
  continuedAsNew: number;
  /** Intake routes not yet confirmed by the CRM (responseSla.routing.atIntake); absent in older carry-overs. */
  routes?: PendingRoute[];
  /** The CRM org's API usage as the latest poll saw it (org-wide, rolling 24 h). */
  crmApiUsage?: { used: number; max: number; at: string };
  /** Google Ads operations the worker sent in 24 hours, as of the latest velocity check. */
  adsApiUsage?: { used: number; limit: number | null; at: string };
  /** Alerts the run handed over before it could deliver them (deliveries.ts); absent when none. */
  unsentAlerts?: Alert[];
}

/**
 * A campaign's first run: no leads, first velocity check and CRM poll due now. `attributedFigures` is false
 * only when replaying a run recorded before attributed SLA figures existed.
 */
export function initialState(
  config: CampaignConfig,
  attributedFigures: boolean,
  withinRule: WithinRule,
): CampaignCarryOver {
  return {
    configs: { [config.version]: config },
    configFormat: STORED_CONFIG_FORMAT,
    currentVersion: config.version,
    book: emptyLeadBook(),
    // Every lead of a new campaign counts, backdated ones included.
    compliance: createCompliance(config, attributedFigures, 0, withinRule),
    spend: {
      checks: 0,
      nextCheckAt: Date.now(),
      latest: null,
      history: [],
      budget: null,
      originalBudget: null,
      activeAdjustment: null,
      proposals: [],
      proposalSeq: 0,
    },
    quarter: quarterOf(new Date(), config.campaign.timezone),
    closedQuarters: [],
    crmWatermark: null,
    nextCrmPollAt: Date.now(),
    recentBreaches: [],
    breachedLeads: 0,
    continuedAsNew: 0,
  };
}

/**
 * A carried-over state with its configs in today's shape, as they were validated when they arrived (never re-parsed),
 * and its maps keyed by outside IDs back to null-prototype objects.
 */
export function reviveState(carried: CampaignCarryOver): CampaignCarryOver {
  return {
    ...carried,
    configs: decodeStoredConfigs(carried.configs, carried.configFormat),
    configFormat: STORED_CONFIG_FORMAT,
    compliance: reviveCompliance(carried.compliance),
  };
}
