// Activity proxies of the campaign workflow, grouped by how long and how often each may be retried. None of
// them is awaited by the main loop: it starts them and applies their results when they complete.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities/campaignActivities';

// Ledger and notifier: short calls, retried until they succeed (alerts are at least once, rows are keyed).
export const {
  recordConfigVersion,
  recordLeadActivity,
  sendAlerts,
  recordProposal,
  recordDecision,
  writeQuarterReport,
} = proxyActivities<activities.CampaignActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Outside systems. They heartbeat, so a worker killed mid-call is noticed within 10 s, not after 2 minutes.
// A poll or check that keeps failing is simply run again at its next interval; escalation steps report
// failure per step (routes per lead) and the workflow retries each with backoff, so attempts here stay few.
export const { runEscalationSteps, routeLeads, createFollowUpTasks, pollCrm, runVelocityCheck } =
  proxyActivities<activities.CampaignActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
  });

// A budget change is what ops approved: worth more attempts before it is marked failed.
export const { applyBudgetChange } = proxyActivities<activities.CampaignActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});
