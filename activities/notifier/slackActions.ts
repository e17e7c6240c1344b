// The Approve/Reject buttons of a proposal alert, shared by the notifier that sends them and the dashboard's
// /slack/interactions endpoint that receives the press (https://api.slack.com/reference/block-kit/block-elements#button).

export const APPROVE_ACTION = 'campaign-sla-approve';
export const REJECT_ACTION = 'campaign-sla-reject';

/** The button's value (at most 2,000 characters): which proposal of which campaign it decides. */
export function proposalButtonValue(campaignId: string, proposalId: string): string {
  return JSON.stringify({ campaignId, proposalId });
}

/** An actions block with both buttons. */
export function proposalButtons(campaignId: string, proposalId: string): Record<string, unknown> {
  const value = proposalButtonValue(campaignId, proposalId);
  return {
    type: 'actions',
    block_id: 'campaign-sla-decision',
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION,
        style: 'primary',
        text: { type: 'plain_text', text: 'Approve' },
        value,
      },
      {
        type: 'button',
        action_id: REJECT_ACTION,
        style: 'danger',
        text: { type: 'plain_text', text: 'Reject' },
        value,
      },
    ],
  };
}
