// Every Temporal message of campaign-sla in one module: task queue, workflow IDs, Updates, Signals,
// Queries and search attributes. Clients, workers, workflows and tests all import from here.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  AdmitLeadsInput,
  BudgetChangedSignal,
  DecideProposalInput,
  RecordLeadEventsInput,
  RollQuarterInput,
} from '../sla/leadEvents';
import type { AdmitOutcome, EventOutcome } from '../sla/leadBook';
import type { CampaignStateView, LeadView, ProposalView, AmendOutcome, QuarterRollOutcome } from '../sla/views';

export const TASK_QUEUE = 'campaign-sla';
/**
 * Where a campaign's calls to Salesforce and Google Ads go: a queue beside the one its workflow runs on, served
 * by the integrations worker (the same process by default, its own with CAMPAIGN_SLA_WORKER_ROLE).
 */
export const integrationsTaskQueue = (campaignTaskQueue: string): string => `${campaignTaskQueue}-integrations`;

const CAMPAIGN_WORKFLOW_PREFIX = 'campaign-sla:';
export const campaignWorkflowId = (campaignId: string): string => `${CAMPAIGN_WORKFLOW_PREFIX}${campaignId}`;
export const campaignIdOfWorkflow = (workflowId: string): string => workflowId.slice(CAMPAIGN_WORKFLOW_PREFIX.length);

/** Failure types of a refused rollQuarter: the quarter has not ended in the campaign's zone / is not its live one. */
export const QUARTER_NOT_ENDED = 'QuarterNotEnded';
export const QUARTER_NOT_LIVE = 'QuarterNotLive';
export const QUARTERLY_RESET_SCHEDULE_ID = 'campaign-sla:quarterly-reset';

export const admitLeadsUpdate = defineUpdate<AdmitOutcome[], [AdmitLeadsInput]>('admitLeads');
export const recordLeadEventsUpdate = defineUpdate<EventOutcome[], [RecordLeadEventsInput]>('recordLeadEvents');
export const decideProposalUpdate = defineUpdate<ProposalView, [DecideProposalInput]>('decideProposal');
export const amendSlaUpdate = defineUpdate<AmendOutcome, [unknown]>('amendSla');
export const rollQuarterUpdate = defineUpdate<QuarterRollOutcome, [RollQuarterInput]>('rollQuarter');

export const budgetChangedSignal = defineSignal<[BudgetChangedSignal]>('budgetChanged');

export const slaStateQuery = defineQuery<CampaignStateView>('slaState');
export const leadQuery = defineQuery<LeadView | null, [string]>('lead');
export const proposalsQuery = defineQuery<ProposalView[]>('proposals');

export const searchAttributes = {
  campaignId: defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD),
  slaHealth: defineSearchAttributeKey('SlaHealth', SearchAttributeType.KEYWORD),
  openLeadClocks: defineSearchAttributeKey('OpenLeadClocks', SearchAttributeType.INT),
  breachedLeads: defineSearchAttributeKey('BreachedLeads', SearchAttributeType.INT),
  responseCompliance: defineSearchAttributeKey('ResponseCompliance', SearchAttributeType.DOUBLE),
  budgetSpentPct: defineSearchAttributeKey('BudgetSpentPct', SearchAttributeType.DOUBLE),
  velocityPct: defineSearchAttributeKey('VelocityPct', SearchAttributeType.DOUBLE),
  pendingApproval: defineSearchAttributeKey('PendingApproval', SearchAttributeType.BOOL),
  campaignQuarter: defineSearchAttributeKey('CampaignQuarter', SearchAttributeType.KEYWORD),
} as const;

export const allSearchAttributeKeys = Object.values(searchAttributes);
