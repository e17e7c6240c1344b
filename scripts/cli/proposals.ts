// Budget proposals: list them from the workflow and decide them through the decideProposal Update.
import type { Client } from '@temporalio/client';
import { campaignWorkflowId, proposalsQuery } from '../../workflows/messages';
import type { ProposalView } from '../../sla/views';
import type { DecideProposalInput } from '../../sla/leadEvents';
import type { DecisionAttempt } from '../../reports/decisionAudit';
import { relayDecision } from '../../reports/decisionRelay';
import { onCampaign } from './campaigns';

export function listProposals(client: Client, campaignId: string): Promise<ProposalView[]> {
  return onCampaign(campaignId, () => client.workflow.getHandle(campaignWorkflowId(campaignId)).query(proposalsQuery));
}

/** The CLI's channel: the approver is whoever `--as` names, for operators who connect with Temporal credentials. */
export function decideProposal(
  client: Client,
  campaignId: string,
  decision: DecideProposalInput,
  audit?: (attempt: DecisionAttempt) => Promise<void>,
): Promise<ProposalView> {
  return onCampaign(campaignId, () => relayDecision(client, campaignId, decision, 'cli', audit));
}
