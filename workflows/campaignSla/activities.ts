// Activity proxies of the campaign workflow, grouped by how long and how often each may be retried. None of
// them is awaited by the main loop: it starts them and applies their results when they complete.
import { ActivityCancellationType, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../../activities/campaignActivities';
import type { IntegrationActivities } from '../../activities/integrationActivities';
import { integrationsTaskQueue } from '../messages';

// Ledger and notifier: short calls, retried until they succeed (alerts are at least once, rows are keyed).
const RECORD: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
export const { recordConfigVersion, recordProposal, recordDecision, recordBudgetChange, writeQuarterReport } =
  proxyActivities<activities.RecordActivities>(RECORD);

/**
 * Alerts and the lead book's ledger rows, which a hand-over may cancel and carry (deliveries.ts). A cancelled one
 * settles only once the server knows its outcome: cancelled between attempts, or the attempt running then
 * finished (written or failed), so what comes back as cancelled was never delivered and is not lost.
 */
export const { recordLeadActivity, sendAlerts } = proxyActivities<activities.RecordActivities>({
  ...RECORD,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** The outside systems' calls go to the integrations queue beside this run's own (read when called: it is the run's). */
const onIntegrationsQueue = (options: ActivityOptions) =>
  proxyActivities<IntegrationActivities>({ ...options, taskQueue: integrationsTaskQueue(workflowInfo().taskQueue) });

// Outside systems. They heartbeat, so a worker killed mid-call is noticed within 10 s, not after 2 minutes.
// A poll or check that keeps failing is simply run again at its next interval; escalation steps report
// failure per step (routes per lead) and the workflow retries each with backoff, so attempts here stay few.
const OUTSIDE_CALL: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};
export const runEscalationSteps: Outside<'runEscalationSteps'> = (input) =>
  onIntegrationsQueue(OUTSIDE_CALL).runEscalationSteps(input);
export const routeLeads: Outside<'routeLeads'> = (input) => onIntegrationsQueue(OUTSIDE_CALL).routeLeads(input);
export const createFollowUpTasks: Outside<'createFollowUpTasks'> = (input) =>
  onIntegrationsQueue(OUTSIDE_CALL).createFollowUpTasks(input);
export const pollCrm: Outside<'pollCrm'> = (input) => onIntegrationsQueue(OUTSIDE_CALL).pollCrm(input);
export const runVelocityCheck: Outside<'runVelocityCheck'> = (input) =>
  onIntegrationsQueue(OUTSIDE_CALL).runVelocityCheck(input);

// A budget change is what ops approved: worth more attempts before it is marked failed.
export const applyBudgetChange: Outside<'applyBudgetChange'> = (input) =>
  onIntegrationsQueue({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
  }).applyBudgetChange(input);

type Outside<Name extends keyof IntegrationActivities> = IntegrationActivities[Name];
