// Activity proxies of the campaign workflow, grouped by how long and how often each may be retried.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities/campaignActivities';

// Ledger and notifier: short calls, retried until they succeed.
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

// External systems: bounded retries, then the workflow raises an escalation instead of failing.
export const { runEscalationSteps, pollCrm, runVelocityCheck, applyBudgetChange } =
  proxyActivities<activities.CampaignActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
  });
