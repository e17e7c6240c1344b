// Lead intake shared by the Updates and the CRM poll: the lead book changes and compliance counts along.
import { noteLeadOpened } from '../../sla/campaignCompliance';
import type { LeadEvent, NewLead } from '../../sla/leadEvents';
import { admitLeads, applyLeadEvents, type AdmitOutcome, type EventOutcome } from '../../sla/leadBook';
import { patched } from '@temporalio/workflow';
import { clockAlert } from '../../sla/alertWording';
import { countBreach, uncountBreach } from './clockEffects';
import type { CampaignRun } from './run';
import { planRoutes } from './routing';

const LATE_TOUCH_BREACH_ALERT = 'late-touch-breach-alert';
const SUPERSEDED_ON_LATE_BREACH = 'superseded-on-late-breach';

/** Admits validated leads; each admitted lead enters the compliance figures. */
export function admit(run: CampaignRun, leads: NewLead[]): AdmitOutcome[] {
  const { state } = run;
  const outcomes = admitLeads(state.book, leads, run.ctx());
  for (const outcome of outcomes) {
    if (outcome.result === 'admitted') noteLeadOpened(state.compliance, state.book.leads[outcome.leadId]);
  }
  planRoutes(run, outcomes);
  return outcomes;
}

/** Applies validated lead events. */
export function applyEvents(run: CampaignRun, events: LeadEvent[]): EventOutcome[] {
  return applyLeadEvents(run.state.book, events, run.ctx(), {
    ...run.complianceObservers,
    // Event time: a late touch may record a breach at its deadline, or withdraw one that fired.
    onBreach: (lead, clock) => {
      countBreach(run, lead, clock);
      // The lead is handled, so no chain runs; the breach itself is still told, once. A fix that reaches
      // campaigns already running, so it is patched: their histories replay as recorded.
      if (!patched(LATE_TOUCH_BREACH_ALERT)) return;
      const deadline = lead.clocks[clock]?.deadline ?? lead.createdAt;
      run.pendingAlerts.push(
        clockAlert(run.campaignId, {
          type: 'breach',
          leadId: lead.leadId,
          clock,
          ownerId: lead.ownerId,
          tier: lead.tier,
          deadline,
        }),
      );
    },
    onBreachRetracted: (lead, clock, breachedOwnerId) => uncountBreach(run, lead, clock, breachedOwnerId),
    // Steps the contract had due before such a late touch are recorded as superseded (runs before that: nothing).
    recordsSupersededOnLateBreach: () => patched(SUPERSEDED_ON_LATE_BREACH),
  });
}
