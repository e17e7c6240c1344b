// The CRM status a lead returned to nurture gets, and whether a contract ever writes it.
import type { CampaignConfig } from './schema';

/** What contracts that name no nurture status have always written. */
const DEFAULT_NURTURE_STATUS = 'Nurturing';

export function nurtureStatusOf(config: CampaignConfig): string {
  return config.campaign.crm.nurtureStatus ?? DEFAULT_NURTURE_STATUS;
}

/** Whether the escalation chain ends a lead in nurture, so the org must hold the nurture status. */
export function returnsToNurture(config: CampaignConfig): boolean {
  return config.responseSla.escalation.some((step) => step.step === 'return-to-nurture');
}
