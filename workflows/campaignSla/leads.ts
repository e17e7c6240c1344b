// Lead intake shared by the Updates and the CRM poll: the lead book changes and compliance counts along.
import { noteLeadOpened } from '../../sla/campaignCompliance';
import type { LeadEvent, NewLead } from '../../sla/leadEvents';
import { admitLeads, applyLeadEvents, type AdmitOutcome, type EventOutcome } from '../../sla/leadBook';
import { patched } from '@temporalio/workflow';
import { clockAlert } from '../../sla/alertWording';
import { countBreach, fireDueClocks, uncountBreach } from './clockEffects';
import type { CampaignRun } from './run';

const LATE_TOUCH_BREACH_ALERT = 'late-touch-breach-alert';
const DUE_CLOCKS_BEFORE_EVENTS = 'due-clocks-before-events';

/** Admits validated leads; each admitted lead enters the compliance figures. */
export function admit(run: CampaignRun, leads: NewLead[]): AdmitOutcome[] {
  const { state } = run;
  const outcomes = admitLeads(state.book, leads, run.ctx());
  for (const outcome of outcomes) {
    if (outcome.result === 'admitted') noteLeadOpened(state.compliance, state.book.leads[outcome.leadId]);
  }
  return outcomes;
}

/** Applies validated lead events. */
export function applyEvents(run: CampaignRun, events: LeadEvent[]): EventOutcome[] {
  // After a worker or server outage the activation that brings these events may also carry overdue timers, and
  // Updates run first. What fell due before the earliest event happened before it: fire that first, so warnings,
  // breaches and escalation steps keep event order (a touch on time but reported late still finds no breach).
  if (events.length && patched(DUE_CLOCKS_BEFORE_EVENTS)) {
    fireDueClocks(run, Math.min(...events.map((e) => Date.parse(e.at))));
  }
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
  });
}
