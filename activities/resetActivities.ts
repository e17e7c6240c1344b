// Activities of the quarterly reset: find running campaigns through visibility and roll each one.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { campaignIdOfWorkflow, QUARTER_NOT_ENDED, QUARTER_NOT_LIVE, rollQuarterUpdate } from '../workflows/messages';
import type { QuarterRollOutcome } from '../sla/views';

const RUNNING_CAMPAIGNS_QUERY = `WorkflowType = 'campaignSla' AND ExecutionStatus = 'Running'`;

/** Writes an older quarter's report from the ledger if it has none (composed in runtime/ from the read model). */
export type RebuildQuarterReport = (campaignId: string, quarter: string) => Promise<{ inserted: boolean }>;

export function createResetActivities({
  client,
  rebuildQuarterReport,
}: {
  client: Client;
  rebuildQuarterReport?: RebuildQuarterReport;
}) {
  return {
    async listRunningCampaigns(): Promise<string[]> {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query: RUNNING_CAMPAIGNS_QUERY }))
        ids.push(execution.workflowId);
      return ids.sort();
    },

    /** Rolls one campaign's quarter. A rejection is retried with back-off; a campaign that is gone is not. */
    async rollCampaignQuarter(input: { workflowId: string; quarter: string }): Promise<QuarterRollOutcome> {
      try {
        const outcome = await client.workflow
          .getHandle(input.workflowId)
          .executeUpdate(rollQuarterUpdate, { args: [{ quarter: input.quarter }] });
        log.info('quarter rolled', { workflowId: input.workflowId, ...outcome });
        return outcome;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw ApplicationFailure.nonRetryable(`campaign ${input.workflowId} is no longer running`, 'CampaignGone');
        }
        if (err instanceof WorkflowUpdateFailedError) {
          const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
          if (type === QUARTER_NOT_ENDED) return { quarter: input.quarter, result: 'not-ended' };
          if (type === QUARTER_NOT_LIVE && rebuildQuarterReport) {
            const { inserted } = await rebuildQuarterReport(campaignIdOfWorkflow(input.workflowId), input.quarter);
            return { quarter: input.quarter, result: inserted ? 'rebuilt-from-ledger' : 'report-exists' };
          }
          const reason = err.cause instanceof Error ? err.cause.message : err.message;
          throw ApplicationFailure.retryable(
            `campaign ${input.workflowId} rejected the quarter roll: ${reason}`,
            'RollRejected',
          );
        }
        throw err;
      }
    },
  };
}

export type ResetActivities = ReturnType<typeof createResetActivities>;
