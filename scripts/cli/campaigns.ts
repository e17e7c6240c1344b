// Campaign lifecycle commands: start, status, amend, and the --health filter of `list` (reports/workflowReads).
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { campaignSla } from '../../workflows/campaignSla';
import {
  amendSlaUpdate,
  campaignWorkflowId,
  searchAttributes,
  slaStateQuery,
  TASK_QUEUE,
} from '../../workflows/messages';
import type { AmendOutcome, CampaignStateView } from '../../sla/views';
import type { ListFilter } from '../../reports/workflowReads';
import type { CampaignFile } from './campaignFiles';
import { badInput, CliError, ExitCode, notFound } from './errors';

export interface StartedCampaign {
  campaignId: string;
  workflowId: string;
  runId: string;
}

/** Takes an already validated file (readCampaignFile), so bad files fail before any connection is made. */
export async function startCampaign(client: Client, { file, config, raw }: CampaignFile): Promise<StartedCampaign> {
  const campaignId = config.campaign.id;
  const workflowId = campaignWorkflowId(campaignId);
  try {
    const handle = await client.workflow.start<typeof campaignSla>('campaignSla', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ config: raw }],
      // One workflow per campaign: a second start must fail, not attach or duplicate.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [{ key: searchAttributes.campaignId, value: campaignId }],
      staticSummary: `SLA for ${config.campaign.name ?? campaignId}`,
      staticDetails: `Started by campaign-sla start from ${file} (config version ${config.version})`,
    });
    return { campaignId, workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(`campaign ${campaignId} is already running (workflow ${workflowId})`, ExitCode.failed);
    }
    throw err;
  }
}

/** Runs an operation on a campaign's workflow; an unknown campaign becomes exit code 3. */
export async function onCampaign<T>(campaignId: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw notFound(`unknown campaign "${campaignId}" (no workflow ${campaignWorkflowId(campaignId)})`);
    }
    throw err;
  }
}

export function campaignStatus(client: Client, campaignId: string): Promise<CampaignStateView> {
  return onCampaign(campaignId, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(slaStateQuery));
}

export async function amendCampaign(
  client: Client,
  campaignId: string,
  { file, config, raw }: CampaignFile,
): Promise<AmendOutcome> {
  if (config.campaign.id !== campaignId) {
    throw badInput(`campaign.id: ${file} is for campaign "${config.campaign.id}", not "${campaignId}"`);
  }
  return onCampaign(campaignId, () =>
    client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(amendSlaUpdate, { args: [raw] }),
  );
}

const HEALTH_VALUES = ['healthy', 'at-risk', 'breaching'] as const;

export function parseHealth(value: string): ListFilter['health'] {
  const health = HEALTH_VALUES.find((h) => h === value);
  if (!health) throw badInput(`--health: expected one of ${HEALTH_VALUES.join(', ')}, got "${value}"`);
  return health;
}
