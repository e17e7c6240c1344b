// Budget proposals: list them from the workflow and decide them through the decideProposal Update.
import type { Client } from '@temporalio/client';
import { campaignWorkflowId, decideProposalUpdate, proposalsQuery } from '../../workflows/messages';
import type { ProposalView } from '../../sla/views';
import type { DecisionAttempt } from '../../reports/decisionAudit';
import { onCampaign } from './campaigns';
import { describeFailure, ExitCode } from './errors';

export function listProposals(client: Client, campaignId: string): Promise<ProposalView[]> {
  return onCampaign(campaignId, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(proposalsQuery));
}

export interface Decision {
  proposalId: string;
  decision: 'approve' | 'reject';
  approver: string;
  reason: string;
}

/**
 * Unknown proposals, unlisted approvers and short reasons are refused by the workflow's Update validator. Every
 * attempt, taken or refused, goes to `audit` (the ledger's decision_attempts) before the outcome is returned.
 */
export async function decideProposal(
  client: Client,
  campaignId: string,
  decision: Decision,
  audit?: (attempt: DecisionAttempt) => Promise<void>,
): Promise<ProposalView> {
  const attempt = (outcome: DecisionAttempt['outcome'], detail: string) =>
    audit?.({
      campaignId,
      proposalId: decision.proposalId,
      decision: decision.decision,
      approver: decision.approver,
      channel: 'cli',
      outcome,
      detail,
    });
  try {
    const proposal = await onCampaign(campaignId, () =>
      client.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .executeUpdate(decideProposalUpdate, { args: [decision] }),
    );
    await attempt('accepted', `proposal ${proposal.status}`);
    return proposal;
  } catch (err) {
    const failure = describeFailure(err);
    await attempt(failure.exitCode === ExitCode.badInput ? 'refused' : 'failed', failure.message);
    throw err;
  }
}
