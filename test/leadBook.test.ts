// The lead book on its own: escalation when nobody in the reassign pool can take the lead, and the
// amendment rule that open clocks keep the terms they started under.
import { describe, expect, it } from 'vitest';
import { parseCampaignConfig, type CampaignConfig } from '../sla/config';
import { admitLeads, emptyLeadBook, type BookContext, type DueEffect } from '../sla/leadBook';
import { seedTermsConfig } from './support/campaignConfig';
import { collectDueConfirmed } from './support/dueSteps';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const t0 = Date.parse('2026-03-02T15:00:00Z');

function ctx(configs: Record<number, CampaignConfig>, now: number, currentVersion = 1): BookContext {
  return { campaignId: 'c', now, configs, currentVersion };
}

describe('lead book escalation', () => {
  it('skips reassignment when every rep is out of office or the owner, records why, and goes straight to the manager', () => {
    const raw = seedTermsConfig({ id: 'ooo' }) as { responseSla: { pools: Record<string, unknown> } };
    raw.responseSla.pools.inbound = {
      managerId: 'mgr-1',
      reps: [{ id: 'rep-a' }, { id: 'rep-b', outOfOffice: true }, { id: 'rep-c', outOfOffice: true }],
    };
    const config = parseCampaignConfig(raw);
    const book = emptyLeadBook();
    admitLeads(
      book,
      [{ leadId: 'L-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: new Date(t0).toISOString() }],
      ctx({ 1: config }, t0),
    );
    const effects: DueEffect[] = [];
    // Breach at 1 h; the reassign step is due 15 min later.
    for (const at of [t0 + HOUR, t0 + HOUR + 15 * MINUTE])
      effects.push(...collectDueConfirmed(book, ctx({ 1: config }, at)));
    const escalations = effects.filter((e) => e.type === 'escalation');
    expect(escalations.map((e) => e.step)).toEqual(['notify-owner', 'reassign', 'notify-manager']);
    const reassign = escalations[1];
    expect(reassign).toMatchObject({ newOwnerId: null, pool: 'inbound' });
    expect(reassign.reason).toContain('rep-b (out of office)');
    expect(reassign.reason).toContain('rep-a (current owner)');
    // The manager step ran at once, not at its configured 30 min.
    expect(escalations[2]).toMatchObject({ managerId: 'mgr-1', ownerId: 'rep-a' });
    expect(book.leads['L-1'].ownerId).toBe('rep-a');
    expect(book.leads['L-1'].history.map((h) => h.what)).toContain('manager mgr-1 notified');
  });

  it('keeps open clocks on the terms they started under after an amendment', () => {
    const v1 = parseCampaignConfig(seedTermsConfig({ id: 'amend' }));
    const raw2 = seedTermsConfig({ id: 'amend' }) as {
      version: number;
      responseSla: { tiers: Record<string, unknown> };
    };
    raw2.version = 2;
    raw2.responseSla.tiers['high-intent'] = { firstTouch: '30m', clock: 'wall', warnAt: 0.5 };
    const v2 = parseCampaignConfig(raw2);
    const book = emptyLeadBook();
    const at = new Date(t0).toISOString();
    admitLeads(book, [{ leadId: 'OLD', tier: 'high-intent', ownerId: 'rep-a', createdAt: at }], ctx({ 1: v1 }, t0));
    admitLeads(
      book,
      [{ leadId: 'NEW', tier: 'high-intent', ownerId: 'rep-a', createdAt: at }],
      ctx({ 1: v1, 2: v2 }, t0, 2),
    );
    expect(book.leads.OLD.clocks.firstTouch?.deadline).toBe(t0 + HOUR);
    expect(book.leads.NEW.clocks.firstTouch?.deadline).toBe(t0 + 30 * MINUTE);
    expect(book.leads.NEW.configVersion).toBe(2);
  });
});
