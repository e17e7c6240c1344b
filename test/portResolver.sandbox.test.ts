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

  it("has reps decide and follow up at the contract's pace: a 2-minute acceptance window is mostly met", async () => {
    const raw = seedTermsConfig({ id: 'rep-pace' });
    const terms = raw.responseSla as Record<string, unknown>;
    terms.acceptance = { within: '2m', clock: 'wall' };
    terms.followUp = { attempts: 3, within: '5m' };
    const config = parseCampaignConfig(raw);
    const ports = createPortResolver('sandbox', { leadsPerHour: 120, neverTouchedShare: 0 }, async () => config);
    await ports.crm(config.campaign.id, new Date(START));
    const crm = await ports.crm(config.campaign.id, new Date(START + HOUR));
    const { leads } = await crm.fetchNewLeads(config.campaign.crm.campaignId, null);
    const ids = leads.map((lead) => lead.leadId);
    const mapping = {
      'Working - Contacted': { decision: 'accept' as const },
      'Closed - Not Converted': { decision: 'reject' as const, reason: 'Not ICP' },
    };
    const decisions = (await crm.fetchStatusChanges(ids, null, mapping)).items;
    const attempts = (await crm.fetchAttempts(ids, null)).items;
    const firstTouch = new Map<string, number>();
    for (const attempt of attempts) {
      const at = Date.parse(attempt.at);
      firstTouch.set(attempt.leadId, Math.min(firstTouch.get(attempt.leadId) ?? at, at));
    }
    const withinTwoMinutes = decisions.filter(
      (d) => Date.parse(d.at) - (firstTouch.get(d.leadId) ?? Infinity) <= 2 * 60_000,
    );
    const touchedEarly = [...firstTouch.values()].filter((at) => at <= START + HOUR - 2 * 60_000).length;
    expect(touchedEarly).toBeGreaterThan(20);
    expect(decisions.length).toBeGreaterThan(touchedEarly * 0.8);
    expect(withinTwoMinutes.length / decisions.length).toBeGreaterThan(0.8);
    // Some leads get the contract's three attempts inside five minutes, so follow-up depth is met too.
    const perLead = new Map<string, number[]>();
    for (const attempt of attempts)
      perLead.set(attempt.leadId, [...(perLead.get(attempt.leadId) ?? []), Date.parse(attempt.at)]);
    const deep = [...perLead.values()].filter(
      (times) => times.length >= 3 && Math.max(...times) - Math.min(...times) <= 5 * 60_000,
    );
    expect(deep.length).toBeGreaterThan(touchedEarly * 0.2);
  });
});
