// Budget proposals: list them from the workflow and decide them through the decideProposal Update.
import type { Client } from '@temporalio/client';
import { campaignWorkflowId, decideProposalUpdate, proposalsQuery } from '../../workflows/messages';
import type { ProposalView } from '../../sla/views';
import { onCampaign } from './campaigns';

export function listProposals(client: Client, campaignId: string): Promise<ProposalView[]> {
  return onCampaign(campaignId, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(proposalsQuery));
}

export interface Decision {
  proposalId: string;
  decision: 'approve' | 'reject';
  approver: string;
  reason: string;
}

/** Unknown proposals, unlisted approvers and short reasons are refused by the workflow's Update validator. */
export function decideProposal(client: Client, campaignId: string, decision: Decision): Promise<ProposalView> {
  return onCampaign(campaignId, () =>
    client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(decideProposalUpdate, { args: [decision] }),
  );
}
