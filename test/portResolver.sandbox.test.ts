// The sandbox world a campaign gets from the port resolver: facts that must not depend on how the
// ledger stored the config (JSONB keeps no key order) or on which campaign or restart asks.
import { describe, expect, it } from 'vitest';
import { parseCampaignConfig, type CampaignConfig } from '../sla/config';
import { assertSalesforceId } from '../activities/crm/soql';
import { createPortResolver } from '../runtime/portResolver';
import { seedTermsConfig } from './support/campaignConfig';

const START = Date.parse('2026-03-02T14:00:00Z');
const HOUR = 3_600_000;

/** The config with its tiers in the order Postgres JSONB returns them: shorter keys first. */
function asStoredInJsonb(config: CampaignConfig): CampaignConfig {
  const { standard, ['high-intent']: highIntent } = config.responseSla.tiers;
  return { ...config, responseSla: { ...config.responseSla, tiers: { standard, 'high-intent': highIntent } } };
}

async function leadsAfter(config: CampaignConfig, hours: number, from = START) {
  const ports = createPortResolver('sandbox', { leadsPerHour: 60 }, async () => config);
  await ports.crm(config.campaign.id, new Date(from));
  const crm = await ports.crm(config.campaign.id, new Date(from + hours * HOUR));
  const { leads } = await crm.fetchNewLeads(config.campaign.crm.campaignId, null);
  return leads;
}

describe('sandbox world from the port resolver', () => {
  it('gives the fastest tier the high-intent share, whatever order the stored config lists tiers in', async () => {
    const config = parseCampaignConfig(seedTermsConfig({ id: 'tier-order' }));
    for (const stored of [config, asStoredInJsonb(config)]) {
      const leads = await leadsAfter(stored, 10);
      const share = leads.filter((lead) => lead.tier === 'high-intent').length / leads.length;
      expect(leads.length).toBeGreaterThan(400);
      expect(share).toBeGreaterThan(0.22);
      expect(share).toBeLessThan(0.38);
    }
  });

  it('never issues the same record ID to two campaigns or to a restarted world of the same campaign', async () => {
    const one = parseCampaignConfig(seedTermsConfig({ id: 'ids-one' }));
    const two = parseCampaignConfig(seedTermsConfig({ id: 'ids-two' }));
    const worlds = [
      await leadsAfter(one, 2),
      await leadsAfter(two, 2),
      // The worker restarted an hour in: a new world for the same campaign.
      await leadsAfter(one, 2, START + HOUR),
    ];
    const ids = worlds.flat().map((lead) => lead.leadId);
    for (const leads of worlds) expect(leads.length).toBeGreaterThan(60);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(assertSalesforceId(id, 'leadId')).toBe(id);
    // The same campaign and start give the same world again (deterministic demos and tests).
    expect((await leadsAfter(one, 2)).map((lead) => lead.leadId)).toEqual(worlds[0].map((lead) => lead.leadId));
  });
});
