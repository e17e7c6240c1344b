// Pure lead-book fixtures: the seed terms parsed once, a BookContext at a given instant, and events as
// a campaign would send them. Times are in the seed calendar (America/New_York, Mon–Fri 09:00–17:00).
import { parseCampaignConfig, type CampaignConfig } from '../../sla/config';
import type { BookContext, EscalationEffect } from '../../sla/leadBook';
import type { LeadEvent, NewLead } from '../../sla/leadEvents';
import { seedTermsConfig } from './campaignConfig';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Monday 2026-03-02 10:00 in New York (EST, before the 8 March DST switch). */
export const MONDAY_10AM = Date.parse('2026-03-02T15:00:00Z');

export const iso = (ms: number) => new Date(ms).toISOString();

export function seedConfig(overrides: Parameters<typeof seedTermsConfig>[0] = {}): CampaignConfig {
  return parseCampaignConfig(seedTermsConfig(overrides));
}

export function bookContext(
  config: CampaignConfig | Record<number, CampaignConfig>,
  now: number,
  currentVersion = 1,
): BookContext {
  const configs = 'campaign' in config ? { 1: config as CampaignConfig } : (config as Record<number, CampaignConfig>);
  return { campaignId: 'c-1', now, configs, currentVersion };
}

export function newLead(leadId: string, at: number, tier = 'high-intent', ownerId = 'rep-a'): NewLead {
  return { leadId, tier, ownerId, createdAt: iso(at) };
}

export function contact(leadId: string, eventId: string, at: number, channel: 'call' | 'email' = 'call'): LeadEvent {
  return { type: 'contact', leadId, eventId, channel, at: iso(at) };
}

export function accept(leadId: string, eventId: string, at: number): LeadEvent {
  return { type: 'disposition', leadId, eventId, decision: 'accept', at: iso(at) };
}

export function reject(leadId: string, eventId: string, at: number, reason?: string): LeadEvent {
  return { type: 'disposition', leadId, eventId, decision: 'reject', ...(reason ? { reason } : {}), at: iso(at) };
}

export function stage(leadId: string, eventId: string, at: number, to: 'MQL' | 'SQL' | 'Opportunity'): LeadEvent {
  return { type: 'stage', leadId, eventId, stage: to, at: iso(at) };
}

/** A reassign step of a Salesforce lead, as the workflow hands it to the escalation activity. */
export const reassignStep: EscalationEffect & { at: string } = {
  type: 'escalation',
  leadId: '00Q000000000000001',
  clock: 'firstTouch',
  tier: 'standard',
  stepIndex: 1,
  step: 'reassign',
  ownerId: 'rep-a',
  newOwnerId: 'rep-b',
  pool: 'overflow',
  at: '2026-03-02T10:00:00.000Z',
};
