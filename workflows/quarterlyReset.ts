// Started by the quarterly Temporal Schedule (or a backfill): closes the previous quarter in every
// running campaign. One campaign that fails never blocks the others; each is retried on its own.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as resetActivities from '../activities/resetActivities';
import { previousQuarter, quarterOf } from '../sla/quarter';

const { listRunningCampaigns } = proxyActivities<resetActivities.ResetActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

const { rollCampaignQuarter } = proxyActivities<resetActivities.ResetActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['CampaignGone'],
  },
});

export interface QuarterlyResetInput {
  /** The quarter to close, e.g. 2026-Q4. Omitted by the schedule: the quarter before the scheduled time. */
  quarter?: string;
  /** Time zone the schedule fires in; decides which quarter "just ended". */
  timezone?: string;
}

export interface QuarterlyResetResult {
  quarter: string;
  rolled: string[];
  alreadyRolled: string[];
  /** The quarter has not ended in these campaigns' own zones; each closes it itself when it does. */
  notEnded: string[];
  /** An older quarter (a backfill): its report was rebuilt from the ledger, or already existed. */
  rebuiltFromLedger: string[];
  failed: { workflowId: string; error: string }[];
}

/** Set by the Schedule on each run it starts (a backfill too): the fire time, not when the run started. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

function scheduledTime(): Date {
  const info = workflowInfo();
  return info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
}

export async function quarterlyReset(input: QuarterlyResetInput = {}): Promise<QuarterlyResetResult> {
  const quarter = input.quarter ?? previousQuarter(quarterOf(scheduledTime(), input.timezone ?? 'UTC'));
  const campaigns = await listRunningCampaigns();
  const result: QuarterlyResetResult = {
    quarter,
    rolled: [],
    alreadyRolled: [],
    notEnded: [],
    rebuiltFromLedger: [],
    failed: [],
  };
  const outcomes = await Promise.allSettled(
    campaigns.map((workflowId) => rollCampaignQuarter({ workflowId, quarter })),
  );
  outcomes.forEach((outcome, i) => {
    const workflowId = campaigns[i];
    if (outcome.status === 'fulfilled') {
      const bucket = {
        rolled: result.rolled,
        'already-rolled': result.alreadyRolled,
        'not-ended': result.notEnded,
        'rebuilt-from-ledger': result.rebuiltFromLedger,
        'report-exists': result.rebuiltFromLedger,
      }[outcome.value.result];
      bucket.push(workflowId);
    } else {
      const error =
        outcome.reason instanceof Error
          ? ((outcome.reason.cause as Error | undefined)?.message ?? outcome.reason.message)
          : String(outcome.reason);
      log.warn('campaign did not roll its quarter', { workflowId, quarter, error });
      result.failed.push({ workflowId, error });
    }
  });
  log.info('quarterly reset done', {
    quarter,
    rolled: result.rolled.length,
    alreadyRolled: result.alreadyRolled.length,
    failed: result.failed.length,
  });
  return result;
}
