// The campaign workflow's calls to Salesforce and Google Ads, on the campaign's integrations task queue
// (workflows/messages.ts): the worker that serves them holds the vendors' clients and credentials, the
// campaign worker neither.
import type { ActivityDeps } from './campaignActivities';
import { createCrmPollActivity } from './crmPollActivity';
import { createEscalationActivities } from './escalationSteps';
import { createFollowUpTaskActivities } from './followUpTasks';
import { heartbeating } from './heartbeat';
import { createRoutingActivities } from './intakeRouting';
import { createSpendActivities } from './spendActivities';

export function createIntegrationActivities(deps: ActivityDeps) {
  const { ports, ledger } = deps;
  const activities = {
    ...createEscalationActivities(deps),
    ...createRoutingActivities(deps),
    ...createFollowUpTaskActivities(deps),
    ...createCrmPollActivity({ ports, ledger }),
    ...createSpendActivities({ ports, ledger }),
  };
  // These wait on Salesforce or Google Ads: heartbeats let a dead worker be noticed in seconds.
  return heartbeating(activities, ['pollCrm', 'runVelocityCheck', 'applyBudgetChange']);
}

export type IntegrationActivities = ReturnType<typeof createIntegrationActivities>;
