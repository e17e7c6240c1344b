// Relays an ops decision to the campaign's decideProposal Update and audits the attempt. Shared by every channel
// (CLI, dashboard, Slack): each authenticates the person its own way, then comes here with that identity.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { DecideProposalInput } from '../sla/leadEvents';
import type { ProposalView } from '../sla/views';
import { campaignWorkflowId, decideProposalUpdate } from '../workflows/messages';
import type { DecisionAttempt } from './decisionAudit';
import { oneLine } from './oneLine';

export type DecisionChannel = DecisionAttempt['channel'];

/**
 * Unknown proposals, unlisted approvers and short reasons are refused by the workflow's Update validator. Every
 * attempt, taken or refused, goes to `audit` before the outcome is returned or the error rethrown: refused when the
 * workflow (or its absence) said no, failed when no answer came.
 */
export async function relayDecision(
  client: Client,
  campaignId: string,
  decision: DecideProposalInput,
  channel: DecisionChannel,
  audit?: (attempt: DecisionAttempt) => Promise<void>,
): Promise<ProposalView> {
  const attempt = (outcome: DecisionAttempt['outcome'], detail: string) =>
    audit?.({
      campaignId,
      proposalId: decision.proposalId,
      decision: decision.decision,
      approver: decision.approver,
      channel,
      outcome,
      detail,
    });
  try {
    const proposal = await client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .executeUpdate(decideProposalUpdate, { args: [decision] });
    await attempt('accepted', `proposal ${proposal.status}`);
    return proposal;
  } catch (err) {
    const refusal = refusalReason(err, campaignId);
    await attempt(refusal === undefined ? 'failed' : 'refused', refusal ?? errorText(err));
    throw err;
  }
}

/** The validator's or the server's "no", in words; undefined when the attempt failed without an answer. */
function refusalReason(err: unknown, campaignId: string): string | undefined {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    return oneLine(`rejected by the campaign workflow: ${reason}`);
  }
  if (err instanceof WorkflowNotFoundError) return `unknown campaign "${campaignId}"`;
  return undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
