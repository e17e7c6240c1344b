// Lead intake on its own: which batches are refused, the clocks a new lead starts with (wall and business
// time), the ledger rows it queues, and how known or closed lead IDs are answered.
import { describe, expect, it } from 'vitest';
import { admitLeads, applyLeadEvents, emptyLeadBook, knownLead, nextDueAt, validateAdmission } from '../sla/leadBook';
import { bookContext, DAY, HOUR, iso, MINUTE, MONDAY_10AM, newLead, reject, seedConfig } from './support/leadBook';

const config = seedConfig();
const atMonday = bookContext(config, MONDAY_10AM);

describe('validateAdmission', () => {
  it('accepts a batch of known tiers created up to the intake skew ahead of now', () => {
    const leads = [newLead('L-1', MONDAY_10AM - HOUR), newLead('L-2', MONDAY_10AM + 5 * MINUTE, 'standard')];
    expect(validateAdmission(leads, atMonday)).toEqual([]);
  });

  it('names each unknown tier and each lead created beyond the skew, by index', () => {
    const leads = [
      newLead('L-1', MONDAY_10AM, 'vip'),
      newLead('L-2', MONDAY_10AM + 5 * MINUTE + 1),
      newLead('L-3', MONDAY_10AM + DAY, 'gold'),
    ];
    expect(validateAdmission(leads, atMonday)).toEqual([
      'leads[0].tier: unknown tier "vip" (configured tiers: high-intent, standard)',
      'leads[1].createdAt: 2026-03-02T15:05:00.001Z is in the future beyond the allowed skew of 300s (now 2026-03-02T15:00:00.000Z)',
      'leads[2].tier: unknown tier "gold" (configured tiers: high-intent, standard)',
      'leads[2].createdAt: 2026-03-03T15:00:00.000Z is in the future beyond the allowed skew of 300s (now 2026-03-02T15:00:00.000Z)',
    ]);
  });

  it('checks against the current config version only', () => {
    const raw2 = seedConfig();
    const v2 = { ...raw2, responseSla: { ...raw2.responseSla, tiers: { vip: raw2.responseSla.tiers['high-intent'] } } };
    const lead = [newLead('L-1', MONDAY_10AM)];
    expect(validateAdmission(lead, bookContext({ 1: config, 2: v2 }, MONDAY_10AM, 1))).toEqual([]);
    expect(validateAdmission(lead, bookContext({ 1: config, 2: v2 }, MONDAY_10AM, 2))).toEqual([
      'leads[0].tier: unknown tier "high-intent" (configured tiers: vip)',
    ]);
  });

  it('asks for Salesforce Lead IDs only when the campaign polls Salesforce, which looks leads up by ID', () => {
    const polling = bookContext(seedConfig({ crmPollEvery: '1m' }), MONDAY_10AM);
    const leads = [
      newLead('00Q000000000001AAA', MONDAY_10AM),
      newLead('00Q000000000002', MONDAY_10AM),
      newLead('L-1', MONDAY_10AM),
      newLead('constructor', MONDAY_10AM),
      newLead('00Q0000000000011', MONDAY_10AM),
    ];
    const needSalesforce = (i: number) =>
      `leads[${i}].leadId: must be a 15- or 18-character Salesforce Lead ID, since this campaign polls Salesforce (campaign.crm.pollEvery)`;
    expect(validateAdmission(leads, polling)).toEqual([needSalesforce(2), needSalesforce(3), needSalesforce(4)]);
    // Without polling, leads arrive only by Update and any ID the shared rule admits is fine.
    expect(validateAdmission(leads, atMonday)).toEqual([]);
  });
});

describe('admitLeads', () => {
  it('starts a wall-clock tier on a 1 h first touch warned at 45 min, and a 10-day follow-up', () => {
    const book = emptyLeadBook();
    const outcomes = admitLeads(book, [newLead('L-1', MONDAY_10AM)], atMonday);
    expect(outcomes).toEqual([{ leadId: 'L-1', result: 'admitted', status: 'open', ownerId: 'rep-a' }]);
    expect(book.leads['L-1']).toEqual({
      leadId: 'L-1',
      tier: 'high-intent',
      ownerId: 'rep-a',
      createdAt: MONDAY_10AM,
      configVersion: 1,
      status: 'open',
      attempts: 0,
      reassignments: 0,
      clocks: {
        firstTouch: { startedAt: MONDAY_10AM, warnAt: MONDAY_10AM + 45 * MINUTE, deadline: MONDAY_10AM + HOUR },
        // Follow-up always counts wall time; its warning uses the tier's warnAt share (0.75 of 10 days).
        followUp: { startedAt: MONDAY_10AM, warnAt: MONDAY_10AM + 7.5 * DAY, deadline: MONDAY_10AM + 10 * DAY },
      },
      eventIds: [],
      history: [{ at: MONDAY_10AM, what: 'created (tier high-intent, owner rep-a)' }],
    });
    expect(book.ownerLoad).toEqual({ 'rep-a': 1 });
    expect(nextDueAt(book)).toBe(MONDAY_10AM + 45 * MINUTE);
  });

  it('counts a business-time tier in the calendar: 24 business hours from Monday 10:00 end Thursday 10:00', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM, 'standard')], atMonday);
    const clock = book.leads['L-1'].clocks.firstTouch;
    // Mon 10–17 (7 h) + Tue (8 h) + Wed 09–12 (3 h) = 18 h = 0.75 × 24 h.
    expect(iso(clock?.warnAt as number)).toBe('2026-03-04T17:00:00.000Z');
    expect(iso(clock?.deadline as number)).toBe('2026-03-05T15:00:00.000Z');
  });

  it('queues the lead row and both clock rows for the ledger', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], atMonday);
    expect(book.outbox).toEqual({
      leads: [
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          tier: 'high-intent',
          ownerId: 'rep-a',
          createdAt: '2026-03-02T15:00:00.000Z',
          configVersion: 1,
        },
      ],
      events: [],
      clocks: [
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          clock: 'firstTouch',
          startedAt: '2026-03-02T15:00:00.000Z',
          deadline: '2026-03-02T16:00:00.000Z',
        },
        {
          campaignId: 'c-1',
          leadId: 'L-1',
          clock: 'followUp',
          startedAt: '2026-03-02T15:00:00.000Z',
          deadline: '2026-03-12T15:00:00.000Z',
        },
      ],
    });
  });

  it('starts the clocks of a lead stamped slightly in the future at now, not at its createdAt', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM + 2 * MINUTE)], atMonday);
    expect(book.leads['L-1'].createdAt).toBe(MONDAY_10AM);
    expect(book.leads['L-1'].clocks.firstTouch?.deadline).toBe(MONDAY_10AM + HOUR);
  });

  it('answers a lead ID seen earlier in the same batch as a duplicate with its status and owner', () => {
    const book = emptyLeadBook();
    const outcomes = admitLeads(
      book,
      [newLead('L-1', MONDAY_10AM), newLead('L-1', MONDAY_10AM, 'standard', 'rep-b')],
      atMonday,
    );
    expect(outcomes).toEqual([
      { leadId: 'L-1', result: 'admitted', status: 'open', ownerId: 'rep-a' },
      { leadId: 'L-1', result: 'duplicate', status: 'open', ownerId: 'rep-a' },
    ]);
    expect(book.leads['L-1'].tier).toBe('high-intent');
    expect(book.ownerLoad).toEqual({ 'rep-a': 1 });
    expect(book.outbox.leads).toHaveLength(1);
    expect(book.outbox.clocks).toHaveLength(2);
  });

  it('answers a closed lead ID as a closed duplicate and does not reopen it', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM)], atMonday);
    applyLeadEvents(book, [reject('L-1', 'e-1', MONDAY_10AM + MINUTE, 'Not ICP')], atMonday);
    expect(knownLead(book, 'L-1')).toBe('closed');
    const later = bookContext(config, MONDAY_10AM + DAY);
    expect(admitLeads(book, [newLead('L-1', MONDAY_10AM + DAY)], later)).toEqual([
      { leadId: 'L-1', result: 'duplicate', status: 'closed' },
    ]);
    expect(book.leads['L-1']).toBeUndefined();
    expect(book.ownerLoad).toEqual({ 'rep-a': 0 });
  });

  it('counts open leads per owner for capacity caps', () => {
    const book = emptyLeadBook();
    admitLeads(
      book,
      [
        newLead('L-1', MONDAY_10AM),
        newLead('L-2', MONDAY_10AM, 'standard'),
        newLead('L-3', MONDAY_10AM, 'standard', 'rep-b'),
      ],
      atMonday,
    );
    expect(book.ownerLoad).toEqual({ 'rep-a': 2, 'rep-b': 1 });
  });

  it('throws on a tier it was not validated against', () => {
    expect(() => admitLeads(emptyLeadBook(), [newLead('L-1', MONDAY_10AM, 'vip')], atMonday)).toThrow(
      'unknown tier "vip"',
    );
  });
});

describe('knownLead', () => {
  it('tells open, closed and never-seen lead IDs apart', () => {
    const book = emptyLeadBook();
    admitLeads(book, [newLead('L-1', MONDAY_10AM), newLead('L-2', MONDAY_10AM)], atMonday);
    applyLeadEvents(book, [reject('L-2', 'e-1', MONDAY_10AM, 'No response')], atMonday);
    expect([knownLead(book, 'L-1'), knownLead(book, 'L-2'), knownLead(book, 'L-3')]).toEqual([
      'open',
      'closed',
      'unknown',
    ]);
  });
});
