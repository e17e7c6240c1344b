// Closing a quarter: flush, write the quarter report, then (unless the campaign is ending) start the next
// quarter's figures from the leads still open.
import { complianceForState, resetCompliance } from '../../sla/campaignCompliance';
import { proposalView } from '../../sla/proposals';
import { quarterOf } from '../../sla/quarter';
import { writeQuarterReport } from './activities';
import { flushEffects } from './clockEffects';
import type { CampaignRun } from './run';

export async function closeQuarter(run: CampaignRun, quarter: string, final: boolean): Promise<void> {
  const { state } = run;
  const cfg = run.config();
  const compliance = complianceForState(state.compliance, state.book, cfg, Date.now());
  await flushEffects(run);
  await writeQuarterReport({
    campaignId: run.campaignId,
    quarter,
    final,
    at: new Date().toISOString(),
    compliance: compliance.summary,
    latestSnapshot: state.spend.latest,
    proposals: state.spend.proposals.map(proposalView),
    breachedLeads: state.breachedLeads,
  });
  state.closedQuarters.push(quarter);
  state.closedQuarters = state.closedQuarters.slice(-12);
  if (!final) {
    resetCompliance(state.compliance, cfg, Object.values(state.book.leads));
    state.breachedLeads = 0;
    state.recentBreaches = [];
    state.book.closedLeadIds = [];
    state.spend.proposals = state.spend.proposals.filter((p) => p.status === 'pending');
    state.quarter = quarterOf(new Date(), cfg.campaign.timezone);
  }
}
