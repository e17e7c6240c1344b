// Pulling new leads and their events from the CRM on the campaign's poll interval.
import { log } from '@temporalio/workflow';
import { validateLeadEvents } from '../../sla/leadBook';
import { pollCrm } from './activities';
import { raiseEscalation } from './escalation';
import { admit, applyEvents } from './leads';
import type { CampaignRun } from './run';

export async function pollCrmOnce(run: CampaignRun): Promise<void> {
  const { state, campaignId } = run;
  const crm = run.config().campaign.crm;
  const now = Date.now();
  state.nextCrmPollAt = now + crm.pollEvery;
  try {
    const result = await pollCrm({
      campaignId,
      crmCampaignId: crm.campaignId,
      watermark: state.crmWatermark,
      acceptNewLeads: now < run.windowEnd(),
      at: new Date(now).toISOString(),
    });
    state.crmWatermark = result.watermark;
    const tiers = run.config().responseSla.tiers;
    const admissible = result.leads.filter((lead) => tiers[lead.tier]);
    for (const lead of result.leads.filter((l) => !tiers[l.tier])) {
      log.warn('CRM lead with unknown tier skipped', { campaignId, leadId: lead.leadId, tier: lead.tier });
    }
    if (admissible.length) admit(run, admissible);
    const events = result.events.filter((event) => validateLeadEvents(state.book, [event], run.ctx()).length === 0);
    if (events.length) applyEvents(run, events);
  } catch (err) {
    await raiseEscalation(run, 'CRM poll failed', err, `${campaignId}:crm-poll:${state.crmWatermark ?? 'start'}`);
  }
}
