// The pollCrm activity over the sandbox CRM: leads, every attempt and mapped status changes come from
// the CRM with the CRM's own IDs as event IDs, and repeated polls hand out nothing twice.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it, vi } from 'vitest';
import { createCrmPollActivity, type PollCrmResult } from '../activities/crmPollActivity';
import { SandboxCrm } from '../activities/crm/sandboxCrm';
import { salesforceId } from '../activities/crm/salesforceIds';
import type { Ledger } from '../activities/ports';
import type { LeadEvent } from '../sla/leadEvents';

const CAMPAIGN = salesforceId('701', 1);
const START = Date.parse('2026-01-05T00:00:00Z');
const HOUR = 3_600_000;

function setup() {
  const clock = { now: START };
  const crm = new SandboxCrm(
    {
      seed: 3,
      campaigns: [
        { crmCampaignId: CAMPAIGN, start: new Date(START).toISOString(), leadsPerHour: 20, tierMix: { standard: 1 } },
      ],
      reps: [{ ownerId: salesforceId('005', 1), medianResponseMinutes: 15 }],
      neverTouchedShare: 0,
      conversionRate: 0.3,
      medianConversionHours: 2,
    },
    { now: () => new Date(clock.now) },
  );
  // The ledger's open leads: every lead admitted so far (none closed in this test).
  const admitted: string[] = [];
  const ledger = { openLeadIds: async () => [...admitted] } as unknown as Ledger;
  const { pollCrm } = createCrmPollActivity({ ports: { crm: async () => crm, ads: async () => never() }, ledger });
  const poll = async (
    watermark: string | null,
    statusMapping?: Parameters<typeof pollCrm>[0]['statusMapping'],
    repIds?: string[],
  ) => {
    const result: PollCrmResult = await new MockActivityEnvironment().run(pollCrm, {
      campaignId: 'demo',
      crmCampaignId: CAMPAIGN,
      watermark,
      acceptNewLeads: true,
      at: new Date(clock.now).toISOString(),
      statusMapping,
      ...(repIds ? { repIds } : {}),
    });
    admitted.push(...result.leads.map((lead) => lead.leadId));
    return result;
  };
  return { clock, poll, crm, admitted };
}

function never(): never {
  throw new Error('not used');
}

describe('pollCrm', () => {
  it('returns leads, attempts and dispositions with CRM IDs; a repeated event is the same event', async () => {
    const { clock, poll, crm } = setup();
    const events: LeadEvent[] = [];
    let watermark: string | null = null;
    const leads: string[] = [];
    for (let hour = 1; hour <= 12; hour += 1) {
      clock.now = START + hour * HOUR;
      const result = await poll(watermark, {
        'Working - Contacted': 'accept',
        'Closed - Not Converted': { reject: 'Not ICP' },
      });
      expect(Object.keys(result).sort()).toEqual(['apiUsage', 'events', 'leads', 'watermark']);
      // The org's usage as of the poll's last call (the sandbox org allows 15,000 a day).
      expect(result.apiUsage).toEqual({ used: crm.apiUsage().used, max: 15_000 });
      for (const event of result.events) expect(Date.parse(event.at)).toBeLessThanOrEqual(clock.now);
      expect(new Set(result.events.map((e) => e.eventId)).size).toBe(result.events.length);
      events.push(...result.events);
      leads.push(...result.leads.map((l) => l.leadId));
      watermark = result.watermark;
    }
    expect(new Set(leads).size).toBe(leads.length);
    // A lead's first polls may both carry an attempt (whole history when new, then the overlap); the
    // workflow ignores the repeat by event ID, and the repeat is identical.
    const byId = new Map<string, LeadEvent>();
    for (const event of events) {
      if (byId.has(event.eventId)) expect(event).toEqual(byId.get(event.eventId));
      byId.set(event.eventId, event);
    }
    const contacts = events.filter((e) => e.type === 'contact');
    const dispositions = events.filter((e) => e.type === 'disposition');
    expect(contacts.every((e) => /^00[TU]/.test(e.eventId))).toBe(true);
    expect(dispositions.every((e) => /^017/.test(e.eventId))).toBe(true);
    expect(
      dispositions.some((e) => e.type === 'disposition' && e.decision === 'reject' && e.reason === 'Not ICP'),
    ).toBe(true);
    // Follow-ups, not only first touches.
    expect(contacts.length).toBeGreaterThan(new Set(contacts.map((e) => e.leadId)).size);
  });

  it('tells statuses the org does not have apart, checking the picklist once an hour, and maps the rest', async () => {
    const { clock, poll, crm } = setup();
    const mapping = {
      'Working - Contacted': 'accept' as const,
      'Closed - Not Converted': { reject: 'Not ICP' },
      'Working-Contacted': 'accept' as const,
      constructor: { reject: 'Not ICP' },
    };
    const picklistChecks = vi.spyOn(crm, 'validateLeadStatuses');
    clock.now = START + 3 * HOUR;
    const first = await poll(null, mapping);
    expect(first.statusMappingProblems).toEqual([
      expect.stringMatching(/^Lead status "Working-Contacted" is not in the sandbox's LeadStatus picklist/),
      expect.stringMatching(/^Lead status "constructor" is not in the sandbox's LeadStatus picklist/),
    ]);
    expect(first.events.some((e) => e.type === 'disposition' && e.decision === 'reject')).toBe(true);
    // The next poll within the hour asks the CRM nothing more about statuses, and says the same.
    clock.now = START + 4 * HOUR;
    const second = await poll(first.watermark, mapping);
    expect(second.statusMappingProblems).toEqual(first.statusMappingProblems);
    expect(picklistChecks).toHaveBeenCalledTimes(1);
    // A mapping the org has everything of reports nothing.
    const clean = setup();
    clean.clock.now = START + 3 * HOUR;
    expect(Object.keys(await clean.poll(null, { 'Working - Contacted': 'accept' })).sort()).toEqual([
      'apiUsage',
      'events',
      'leads',
      'watermark',
    ]);
  });

  it("asks the CRM which of the contract's reps are deactivated users, once an hour unless the reps change", async () => {
    const { clock, poll, crm } = setup();
    const userChecks = vi
      .spyOn(crm, 'inactiveUsers')
      .mockImplementation(async (ids) => ids.filter((id) => id === 'rep-b'));
    clock.now = START + HOUR;
    const first = await poll(null, undefined, ['rep-a', 'rep-b']);
    expect(first.inactiveReps).toEqual(['rep-b']);
    expect((await poll(first.watermark, undefined, ['rep-a', 'rep-b'])).inactiveReps).toEqual(['rep-b']);
    expect(userChecks).toHaveBeenCalledTimes(1);
    // An amendment that changes the reps is checked at once.
    expect((await poll(first.watermark, undefined, ['rep-a', 'rep-b', 'rep-c'])).inactiveReps).toEqual(['rep-b']);
    expect(userChecks).toHaveBeenCalledTimes(2);
    // No reps given (a run recorded before the check): nothing asked, nothing answered.
    expect((await poll(first.watermark)).inactiveReps).toBeUndefined();
    expect(userChecks).toHaveBeenCalledTimes(2);
  });

  it('maps only accepting statuses by default and resumes from a new-lead watermark of the previous release', async () => {
    const { clock, poll } = setup();
    clock.now = START + 6 * HOUR;
    const legacy = `${new Date(START + 3 * HOUR).toISOString()}|${salesforceId('00Q', 1)}`;
    const result = await poll(legacy);
    expect(result.leads.every((l) => Date.parse(l.createdAt) >= START + 3 * HOUR)).toBe(true);
    const dispositions = result.events.filter((e) => e.type === 'disposition');
    expect(dispositions.length).toBeGreaterThan(0);
    expect(dispositions.every((e) => e.type === 'disposition' && e.decision === 'accept')).toBe(true);
    expect(JSON.parse(result.watermark!)).toEqual({
      leads: expect.stringMatching(/^v2\|/),
      attempts: null,
      statuses: null,
    });
  });

  it('leaves out open leads whose IDs Salesforce could never have, so one bad lead never fails the poll', async () => {
    const { clock, poll, admitted } = setup();
    clock.now = START + 2 * HOUR;
    const first = await poll(null);
    expect(first.leads.length).toBeGreaterThanOrEqual(20);
    // Admitted by hand before intake checked IDs against the CRM: the SOQL IN clause would reject them.
    admitted.push('constructor', 'L-1', 'x'.repeat(80));
    clock.now = START + 6 * HOUR;
    const second = await poll(first.watermark);
    const polledLeads = new Set(second.events.map((e) => e.leadId));
    expect(polledLeads.has('constructor') || polledLeads.has('L-1')).toBe(false);
    // The real leads admitted first still have their later attempts read.
    expect(second.events.some((e) => first.leads.some((l) => l.leadId === e.leadId))).toBe(true);
  });
});
