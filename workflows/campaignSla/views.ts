// The read models the queries return and the published summary is built from.
import { workflowInfo } from '@temporalio/workflow';
import { complianceForState } from '../../sla/campaignCompliance';
import { milestoneFigures, nextDueAt, openClockCount, openLeadCount } from '../../sla/leadBook';
import { toLeadView } from '../../sla/leadView';
import { proposalView } from '../../sla/proposals';
import type { CampaignStateView, LeadView } from '../../sla/views';
import { refusesNewLeads } from './continueAsNew';
import type { CampaignRun } from './run';
import { getOwn } from '../../sla/dict';

/**
 * The slaState read model. `summary` (the throttled search-attribute and details publish) leaves out the milestone
 * figures, the one part nothing published uses, so a wake-up at 10,000 open leads does not walk every clock for them.
 */
export function stateView(run: CampaignRun, detail: 'full' | 'summary' = 'full'): CampaignStateView {
  const { state } = run;
  const now = Date.now();
  const compliance = complianceForState(state.compliance, state.book, run.config(), now, run.leadConfig);
  const next = nextDueAt(state.book);
  return {
    campaignId: run.campaignId,
    configVersion: state.currentVersion,
    quarter: state.quarter,
    status: run.ended ? 'ended' : 'running',
    health: compliance.health,
    openLeads: openLeadCount(state.book),
    openLeadsByOwner: { ...state.book.ownerLoad },
    routing: {
      pendingRoutes: state.routes?.length ?? 0,
      outOfRotation: Object.entries(state.book.rotation)
        .filter(([, r]) => r.outUntil !== undefined && r.outUntil > now)
        .map(([repId, r]) => ({ repId, until: new Date(r.outUntil as number).toISOString() })),
      inactiveReps: [...state.book.inactiveReps],
    },
    crmApiUsage: state.crmApiUsage ?? null,
    adsApiUsage: state.adsApiUsage ?? null,
    openClocks: openClockCount(state.book),
    breachedLeads: state.breachedLeads,
    compliance: compliance.summary,
    milestones:
      detail === 'full'
        ? Object.entries(milestoneFigures(state.book)).map(([name, figures]) => ({
            name,
            ...figures,
          }))
        : [],
    nextDeadline: next === undefined ? null : new Date(next).toISOString(),
    recentBreaches: state.recentBreaches,
    latestSnapshot: state.spend.latest,
    proposals: state.spend.proposals.map(proposalView),
    budget: state.spend.budget,
    run: {
      historyLength: workflowInfo().historyLength,
      continuedAsNew: state.continuedAsNew,
      handOverRefusedAt: refusesNewLeads(run) ? run.carryOverGuard.tooLargeAt : null,
    },
  };
}

export function leadView(run: CampaignRun, leadId: string): LeadView | null {
  const lead = typeof leadId === 'string' ? getOwn(run.state.book.leads, leadId) : undefined;
  return lead ? toLeadView(lead) : null;
}
