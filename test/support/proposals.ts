// Waiting for the spend loop to propose: shared by the history recorder and the approval tests.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ProposalView } from '../../sla/views';
import { proposalsQuery } from '../../workflows/messages';

const HOUR = 3_600_000;

/** Waits in skipped time, an hour at a time up to `maxDays`, for a proposal not in `seen` to be pending; adds it. */
export async function nextPendingProposal(
  env: TestWorkflowEnvironment,
  campaign: WorkflowHandle,
  seen: Set<string>,
  maxDays = 10,
): Promise<ProposalView> {
  for (let hours = 0; hours < maxDays * 24; hours++) {
    const pending = (await campaign.query(proposalsQuery)).find(
      (p) => p.status === 'pending' && !seen.has(p.proposalId),
    );
    if (pending) {
      seen.add(pending.proposalId);
      return pending;
    }
    await env.sleep(HOUR);
  }
  throw new Error(`${campaign.workflowId}: no new proposal within ${maxDays} days`);
}
