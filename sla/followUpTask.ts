// The follow-up Task the follow-up clock calls for: when the clock's warning point comes and the lead has fewer
// attempts than the contract requires, the owner gets a Task in the CRM due on the clock's deadline (local date).
import { DateTime } from 'luxon';
import type { CampaignConfig } from './config';
import type { LeadState } from './leadBook';

export interface FollowUpTask {
  leadId: string;
  ownerId: string;
  subject: string;
  /** YYYY-MM-DD in the campaign's time zone. */
  dueDate: string;
  /** One Task per lead and campaign: a retry or a second warning updates it instead of adding another. */
  idempotencyKey: string;
}

/** The Task for a lead whose follow-up clock warned at `deadline`'s warning point; null when enough attempts exist. */
export function followUpTaskFor(
  campaignId: string,
  lead: LeadState,
  config: CampaignConfig,
  deadline: number,
): FollowUpTask | null {
  const required = config.responseSla.followUp.attempts;
  if (lead.attempts >= required || lead.status !== 'open') return null;
  const dueDate = DateTime.fromMillis(deadline, { zone: config.campaign.timezone }).toISODate() as string;
  return {
    leadId: lead.leadId,
    ownerId: lead.ownerId,
    // IDs and counts only: no personal data reaches history or the CRM from here.
    subject: `Follow up: ${lead.attempts} of ${required} attempts made, ${required - lead.attempts} more by ${dueDate} (campaign ${campaignId})`,
    dueDate,
    idempotencyKey: `${campaignId}:${lead.leadId}:followUp`,
  };
}
