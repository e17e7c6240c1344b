// The pollCrm activity over the sandbox CRM (and the real adapter against the fake Salesforce): leads, every
// attempt and mapped status changes come from the CRM with the CRM's own IDs as event IDs, and repeated polls
// hand out nothing twice; status changes, meetings booked and opportunities only when the campaign asks.
import { MockActivityEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCrmPollActivity, type CrmFacts, type PollCrmResult } from '../activities/crmPollActivity';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { SandboxCrm } from '../activities/crm/sandboxCrm';
import { caseSafeId, salesforceId, salesforceIdKey } from '../activities/crm/salesforceIds';
import type { Crm, Ledger } from '../activities/ports';
import { idProblem } from '../sla/ids';
import { admitLeads, collectDue, drainOutbox, emptyLeadBook, type EscalationEffect } from '../sla/leadBook';
import type { LeadEvent } from '../sla/leadEvents';
import { FakeSalesforce, salesforceDateTime } from './fakes/salesforce/fakeSalesforceServer';
import { collectDueConfirmed } from './support/dueSteps';
import { bookContext, HOUR as HOUR_MS, MINUTE as MINUTE_MS, MONDAY_10AM, seedConfig } from './support/leadBook';

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
  const { poll } = pollOver(crm, admitted, CAMPAIGN, () => new Date(clock.now).toISOString());
  return { clock, poll, crm, admitted };
}

/** The pollCrm activity over a CRM, admitting the leads it returns to the ledger's open leads. */
function pollOver(crm: Crm, admitted: string[], crmCampaignId: string, now: () => string) {
  const ledger = { openLeadIds: async () => [...admitted] } as unknown as Ledger;
  const { pollCrm } = createCrmPollActivity({ ports: { crm: async () => crm, ads: async () => never() }, ledger });
  const poll = async (
    watermark: string | null,
    statusMapping?: Parameters<typeof pollCrm>[0]['statusMapping'],
    repIds?: string[],
    facts?: CrmFacts,
    nurtureStatus?: string,
  ) => {
    const result: PollCrmResult = await new MockActivityEnvironment().run(pollCrm, {
      campaignId: 'demo',
      crmCampaignId,
      watermark,
      acceptNewLeads: true,
      at: now(),
      statusMapping,
      ...(repIds ? { repIds } : {}),
      ...(facts ? { facts } : {}),
      ...(nurtureStatus ? { nurtureStatus } : {}),
    });
    admitted.push(...result.leads.map((lead) => lead.leadId));
    return result;
  };
  return { poll };
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

  it('checks the status return-to-nurture writes against the picklist too, and names it as such', async () => {
    const missing = setup();
    missing.clock.now = START + 3 * HOUR;
    const { statusMappingProblems } = await missing.poll(null, undefined, undefined, undefined, 'Recycled - Nurture');
    expect(statusMappingProblems).toEqual([
      expect.stringMatching(
        /^Lead status "Recycled - Nurture" is not in the sandbox's LeadStatus picklist .*\(campaign\.crm\.nurtureStatus, which return-to-nurture writes\)$/,
      ),
    ]);
    const held = setup();
    held.clock.now = START + 3 * HOUR;
    expect((await held.poll(null, undefined, undefined, undefined, 'Nurturing')).statusMappingProblems).toBeUndefined();
    // The org refuses the write the same way (a restricted picklist), and takes one it holds.
    const [lead] = held.admitted;
    await expect(held.crm.setLeadStatus(lead, 'Recycled - Nurture')).rejects.toThrow(
      /INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST/,
    );
    await held.crm.setLeadStatus(lead, 'Nurturing');
    expect(held.crm.leadStatus(lead)).toBe('Nurturing');
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
    // The new leads were read from the start: their positions, and the leads they cover, are kept for the next poll.
    expect(JSON.parse(result.watermark!)).toEqual({
      leads: expect.stringMatching(/^v2\|/),
      attempts: expect.stringMatching(/^v3\|/),
      statuses: expect.stringMatching(/^v3\|/),
      polled: expect.stringMatching(/^0[0-9A-Za-z]{15}(,[0-9a-z][0-9A-Za-z]*)+$/),
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

const MAPPING = { 'Working - Contacted': 'accept', 'Closed - Not Converted': { reject: 'Not ICP' } } as const;
const ALL_FACTS: CrmFacts = { statuses: true, meetings: true, opportunities: true };

/** Polls the sandbox every hour up to `hours`, from `watermark`, and collects what comes out. */
async function pollHourly(
  world: ReturnType<typeof setup>,
  fromHour: number,
  hours: number,
  facts?: CrmFacts,
  watermark: string | null = null,
) {
  const results: PollCrmResult[] = [];
  for (let hour = fromHour; hour <= hours; hour += 1) {
    world.clock.now = START + hour * HOUR;
    const result = await world.poll(watermark, { ...MAPPING }, undefined, facts);
    results.push(result);
    watermark = result.watermark;
  }
  return { results, events: results.flatMap((r) => r.events), watermark };
}

describe('pollCrm: the facts milestone clocks need', () => {
  it('hands out every status change, meetings booked and opportunities, each with its own ID, once', async () => {
    const { results, events } = await pollHourly(setup(), 1, 48, ALL_FACTS);
    const byId = new Map<string, LeadEvent>();
    for (const event of events) {
      expect(idProblem(event.eventId), event.eventId).toBeNull();
      // A repeat (a new lead's whole history, then the overlap) is the very same event.
      if (byId.has(event.eventId)) expect(event).toEqual(byId.get(event.eventId));
      byId.set(event.eventId, event);
    }
    for (const result of results) {
      const times = result.events.map((e) => Date.parse(e.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      // Every disposition is followed by the status event of the same change: same lead, status and time.
      result.events.forEach((event, i) => {
        if (event.type !== 'disposition') return;
        const next = result.events[i + 1];
        expect(next).toMatchObject({ type: 'status', leadId: event.leadId, at: event.at });
        expect(next.eventId).toBe(`${event.eventId}.status.${Date.parse(event.at) / 1000}`);
      });
    }
    const unique = [...byId.values()];
    const statuses = unique.filter((e) => e.type === 'status');
    const dispositions = unique.filter((e) => e.type === 'disposition');
    // Unmapped statuses come as status events only: the wait on the customer, and the way back to work.
    const waiting = statuses.filter((e) => e.type === 'status' && e.status === 'Waiting on customer');
    expect(waiting.length).toBeGreaterThan(3);
    const resumed = waiting.filter((w) =>
      statuses.some(
        (e) =>
          e.type === 'status' &&
          e.leadId === w.leadId &&
          e.status === 'Working - Contacted' &&
          Date.parse(e.at) > Date.parse(w.at),
      ),
    );
    expect(resumed.length).toBeGreaterThan(0);
    expect(statuses.length).toBeGreaterThan(dispositions.length);
    // Meetings are booked ahead: the booking comes when it is made, the attempt (same Event) once it starts.
    const meetings = unique.filter((e) => e.type === 'meeting');
    expect(meetings.length).toBeGreaterThan(3);
    for (const meeting of meetings) {
      expect(meeting.eventId).toMatch(/^00U\w{15}\.booked$/);
      const attempt = byId.get(meeting.eventId.replace(/\.booked$/, ''));
      if (attempt) expect(Date.parse(attempt.at)).toBeGreaterThan(Date.parse(meeting.at));
    }
    expect(meetings.some((m) => byId.has(m.eventId.replace(/\.booked$/, '')))).toBe(true);
    // One opportunity per converted lead, by its Opportunity Id.
    const stages = unique.filter((e) => e.type === 'stage');
    expect(stages.length).toBeGreaterThan(3);
    expect(stages.every((e) => e.type === 'stage' && e.stage === 'Opportunity' && /^006/.test(e.eventId))).toBe(true);
    expect(new Set(stages.map((e) => e.leadId)).size).toBe(stages.length);
    expect(JSON.parse(results.at(-1)!.watermark!)).toEqual({
      leads: expect.stringMatching(/^v2\|/),
      // The change reads keep the poll's time they read up to.
      attempts: expect.stringMatching(/^v3\|/),
      statuses: expect.stringMatching(/^v3\|/),
      meetings: expect.stringMatching(/^v3\|/),
      opportunities: expect.stringMatching(/^v3\|/),
      // The leads those positions cover, front-coded.
      polled: expect.any(String),
    });
  });

  it('asks the CRM for nothing more and hands out the same when no fact is asked for', async () => {
    const worlds = [undefined, {}, { statuses: false, meetings: false, opportunities: false }].map((facts) => ({
      facts,
      world: setup(),
    }));
    const spies = worlds.map(({ world }) => ({
      statuses: vi.spyOn(world.crm, 'fetchStatusChanges'),
      meetings: vi.spyOn(world.crm, 'fetchMeetingsBooked'),
      opportunities: vi.spyOn(world.crm, 'fetchOpportunities'),
    }));
    const runs = [];
    for (const { facts, world } of worlds) runs.push(await pollHourly(world, 1, 24, facts));
    expect(runs[1].results).toEqual(runs[0].results);
    expect(runs[2].results).toEqual(runs[0].results);
    expect(runs[0].events.every((e) => e.type === 'contact' || e.type === 'disposition')).toBe(true);
    for (const result of runs[0].results)
      expect(Object.keys(JSON.parse(result.watermark!))).toEqual(['leads', 'attempts', 'statuses', 'polled']);
    for (const spy of spies) {
      expect(spy.meetings).not.toHaveBeenCalled();
      expect(spy.opportunities).not.toHaveBeenCalled();
      for (const call of spy.statuses.mock.calls) expect(call[3]).toEqual({ until: expect.any(String) });
    }
    const calls = worlds.map(({ world }) => world.crm.apiUsage().callsMade);
    expect(new Set(calls).size).toBe(1);

    // Asking for the facts changes none of the attempts and dispositions, and every status change costs no call.
    const statusesOnly = setup();
    const withStatuses = await pollHourly(statusesOnly, 1, 24, { statuses: true });
    expect(statusesOnly.crm.apiUsage().callsMade).toBe(calls[0]);
    const all = await pollHourly(setup(), 1, 24, ALL_FACTS);
    for (const run of [withStatuses, all])
      expect(run.events.filter((e) => e.type === 'contact' || e.type === 'disposition')).toEqual(runs[0].events);
  });

  it('resumes from a watermark written before meetings and opportunities were read, repeating nothing', async () => {
    const world = setup();
    const before = await pollHourly(world, 1, 20);
    expect(Object.keys(JSON.parse(before.watermark!))).toEqual(['leads', 'attempts', 'statuses', 'polled']);
    const after = await pollHourly(world, 21, 30, ALL_FACTS, before.watermark);
    // Dispositions go on from their position: none handed out again.
    const earlier = new Set(before.events.map((e) => e.eventId));
    expect(after.events.filter((e) => e.type === 'disposition' && earlier.has(e.eventId))).toEqual([]);
    // Meetings and opportunities of the leads known already are read from the start, once: some were booked or
    // created before the facts were asked for.
    const first = after.results[0].events;
    const startedAt = START + 21 * HOUR;
    expect(first.some((e) => e.type === 'meeting' && Date.parse(e.at) < startedAt - HOUR)).toBe(true);
    expect(first.some((e) => e.type === 'stage' && Date.parse(e.at) < startedAt - HOUR)).toBe(true);
    const later = after.results.slice(1).flatMap((r) => r.events);
    const firstIds = new Set(first.map((e) => e.eventId));
    expect(later.filter((e) => (e.type === 'meeting' || e.type === 'stage') && firstIds.has(e.eventId))).toEqual([]);
    expect(Object.keys(JSON.parse(after.watermark!))).toEqual([
      'leads',
      'attempts',
      'statuses',
      'meetings',
      'opportunities',
      'polled',
    ]);
  });
});

describe('pollCrm over the Salesforce adapter and the fake', () => {
  const CRM_CAMPAIGN = salesforceId('701', 1);
  const START_MINUTE = Date.parse('2026-01-05T09:00:00Z');
  const minute = (n: number) => new Date(START_MINUTE + n * 60_000);
  let fake: FakeSalesforce | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function salesforceWorld(env: Record<string, string> = {}) {
    const clock = { now: minute(0) };
    fake = await FakeSalesforce.start({
      now: () => clock.now,
      leadStatuses: ['Open - Not Contacted', 'Working - Contacted', 'Waiting on customer', 'Closed - Converted'],
    });
    const crm = SalesforceCrm.fromEnv({
      ...fake.refreshTokenEnv(),
      ...env,
    });
    const admitted: string[] = [];
    const { poll } = pollOver(crm, admitted, CRM_CAMPAIGN, () => clock.now.toISOString());
    const addLead = (n: number) => {
      const leadId = fake!.insert('Lead', {
        Id: salesforceId('00Q', n),
        OwnerId: salesforceId('005', 1),
        Status: 'Open - Not Contacted',
        IsConverted: false,
        CreatedDate: salesforceDateTime(clock.now),
      });
      fake!.insert('CampaignMember', {
        CampaignId: CRM_CAMPAIGN,
        LeadId: leadId,
        CreatedDate: salesforceDateTime(clock.now),
      });
      return leadId;
    };
    return { fake, crm, clock, poll, addLead };
  }

  it('orders a change as disposition then status, and tells a status the lead comes back to apart', async () => {
    // No field history: the Lead's own Status is read, and its change ID names (lead, status).
    const { fake, crm, clock, poll, addLead } = await salesforceWorld({ SALESFORCE_STATUS_SOURCE: 'leadField' });
    const lead = addLead(1);
    const step = async (watermark: string | null, at: number, change?: () => Promise<unknown> | unknown) => {
      clock.now = minute(at);
      await change?.();
      clock.now = minute(at + 1);
      return poll(watermark, undefined, undefined, ALL_FACTS);
    };
    const shape = (result: PollCrmResult) => result.events.map((e) => [e.type, e.type === 'status' ? e.status : '']);
    const first = await step(null, 0);
    expect(shape(first)).toEqual([['status', 'Open - Not Contacted']]);
    const working = await step(first.watermark, 10, () => crm.setLeadStatus(lead, 'Working - Contacted'));
    expect(shape(working)).toEqual([
      ['disposition', ''],
      ['status', 'Working - Contacted'],
    ]);
    const waiting = await step(working.watermark, 20, () => crm.setLeadStatus(lead, 'Waiting on customer'));
    expect(shape(waiting)).toEqual([['status', 'Waiting on customer']]);
    const back = await step(waiting.watermark, 40, () => crm.setLeadStatus(lead, 'Working - Contacted'));
    expect(shape(back)).toEqual([
      ['disposition', ''],
      ['status', 'Working - Contacted'],
    ]);
    // The disposition is a repeat the workflow ignores; the status event is new, so the paused clock resumes.
    expect(back.events[0].eventId).toBe(working.events[0].eventId);
    expect(back.events[1].eventId).not.toBe(working.events[1].eventId);
    expect(back.events[1].at).toBe(minute(40).toISOString());

    // Converted at one second with an Opportunity, a call logged and a meeting booked on the new Contact: at one
    // instant the attempt comes first, then the disposition with its status event, the meeting, the opportunity.
    const converted = await step(back.watermark, 60, () => {
      const { contactId, opportunityId } = fake.convertLead(lead, { at: minute(60), withOpportunity: true });
      const stamp = salesforceDateTime(minute(60));
      fake.insert('Task', { WhoId: contactId, TaskSubtype: 'Call', IsClosed: true, CreatedDate: stamp });
      fake.insert('Event', { WhoId: contactId, StartDateTime: salesforceDateTime(minute(3_000)), CreatedDate: stamp });
      return opportunityId;
    });
    expect(converted.events.map((e) => [e.type, e.at])).toEqual(
      ['contact', 'disposition', 'status', 'meeting', 'stage'].map((type) => [type, minute(60).toISOString()]),
    );
    // Keyed by Opportunity and lead: two leads converted into one existing Opportunity are two events.
    const stageEvent = converted.events.at(-1);
    expect(stageEvent).toMatchObject({
      stage: 'Opportunity',
      eventId: `${fake.records('Opportunity')[0].Id as string}.${stageEvent?.leadId ?? ''}`,
    });
    const again = await step(converted.watermark, 70);
    expect(again.events).toEqual([]);
  });

  it('hands out a lead deleted or merged away as one removed event at the time it left the org', async () => {
    const { fake, clock, poll, addLead } = await salesforceWorld();
    const deleted = addLead(1);
    const merged = addLead(2);
    const master = addLead(3);
    clock.now = minute(5);
    const first = await poll(null);
    expect(first.events.filter((e) => e.type === 'removed')).toEqual([]);
    // Deleted at 12 and merged at 13, both found by the poll at 30: the events carry when it happened.
    fake.removeLead(merged, minute(13), master);
    fake.removeLead(deleted, minute(12));
    clock.now = minute(30);
    const second = await poll(first.watermark);
    expect(second.events).toEqual([
      { type: 'removed', leadId: deleted, eventId: `${deleted}:removed`, at: minute(12).toISOString() },
      {
        type: 'removed',
        leadId: merged,
        eventId: `${merged}:removed`,
        mergedInto: master,
        at: minute(13).toISOString(),
      },
    ]);
    clock.now = minute(40);
    expect((await poll(second.watermark)).events).toEqual([]);
  });

  it('makes no extra API call when no fact is asked for; statuses cost none, meetings 2 and opportunities 1 a read', async () => {
    const { fake, clock, poll, addLead } = await salesforceWorld();
    const known = addLead(1);
    fake.insert('Task', {
      WhoId: known,
      TaskSubtype: 'Call',
      IsClosed: true,
      CreatedDate: salesforceDateTime(minute(1)),
    });
    clock.now = minute(5);
    const zeroth = await poll(null); // logs in; lead 1 is new
    clock.now = minute(6);
    const first = await poll(zeroth.watermark); // lead 1 is known: its reads have positions now
    addLead(2);
    clock.now = minute(10);
    const callsOf = async (facts?: CrmFacts) => {
      const before = fake.apiRequests().length;
      await poll(first.watermark, undefined, undefined, facts);
      return fake
        .apiRequests()
        .slice(before)
        .map((r) => r.soql ?? r.path);
    };
    // Each poll from the same watermark reads one new lead (2, then 3 in its place) and the known ones, one batch each.
    const off = await callsOf();
    fake.records('CampaignMember').pop();
    fake.records('Lead').pop();
    addLead(3);
    const on = await callsOf(ALL_FACTS);
    // Without facts: members; attempts of the new lead (converted contacts, Tasks, Events) and of the known one
    // (the same, and Events started since); status changes of each; leads removed, of each.
    expect(off).toHaveLength(1 + 3 + 4 + 1 + 1 + 2);
    expect(off.filter((soql) => /IsDeleted = true/.test(soql))).toHaveLength(2);
    expect(JSON.parse(first.watermark!)).toMatchObject({ attempts: expect.stringMatching(/^v3/) });
    expect(off.some((soql) => /ConvertedOpportunity|CreatedDate FROM Event/.test(soql))).toBe(false);
    expect(on).toHaveLength(off.length + 2 * 2 + 2 * 1);
    expect(on.filter((soql) => /SELECT Id, WhoId, CreatedDate FROM Event/.test(soql))).toHaveLength(2);
    expect(on.filter((soql) => /ConvertedOpportunity\.CreatedDate/.test(soql))).toHaveLength(2);
  });
});

describe('pollCrm: leads entering the polled set', () => {
  const CRM_CAMPAIGN = salesforceId('701', 1);
  const REP = salesforceId('005', 1);
  const T0 = Date.parse('2026-01-05T09:00:00Z');
  const minute = (n: number) => new Date(T0 + n * 60_000);
  let fake: FakeSalesforce | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** The activity over the adapter and the fake, with the ledger's open leads (oldest first) set by the test. */
  async function world(options: { maxFetch?: number; idBatchSize?: number } = {}) {
    const clock = { now: minute(0) };
    const sf = await FakeSalesforce.start({ now: () => clock.now });
    fake = sf;
    const crm = SalesforceCrm.fromEnv(sf.refreshTokenEnv(), options);
    const ledger = { open: [] as string[] };
    const { pollCrm } = createCrmPollActivity({
      ports: { crm: async () => crm, ads: async () => never() },
      // pgLedger.openLeadIds honours the limit with LIMIT $2.
      ledger: { openLeadIds: async (_: string, limit: number) => ledger.open.slice(0, limit) } as unknown as Ledger,
    });
    const poll = (watermark: string | null, repIds?: string[]): Promise<PollCrmResult> =>
      new MockActivityEnvironment().run(pollCrm, {
        campaignId: 'demo',
        crmCampaignId: CRM_CAMPAIGN,
        watermark,
        acceptNewLeads: true,
        at: clock.now.toISOString(),
        ...(repIds ? { repIds } : {}),
      }) as Promise<PollCrmResult>;
    const addLead = (n: number, ownerId = REP) => {
      const id = sf.insert('Lead', {
        Id: salesforceId('00Q', n),
        OwnerId: ownerId,
        Status: 'Open - Not Contacted',
        IsConverted: false,
        CreatedDate: salesforceDateTime(clock.now),
      });
      sf.insert('CampaignMember', { CampaignId: CRM_CAMPAIGN, LeadId: id, CreatedDate: salesforceDateTime(clock.now) });
      return id;
    };
    /** A call logged now. */
    const call = (whoId: string) =>
      sf.insert('Task', {
        WhoId: whoId,
        TaskSubtype: 'Call',
        Status: 'Completed',
        IsClosed: true,
        CompletedDateTime: salesforceDateTime(clock.now),
        CreatedDate: salesforceDateTime(clock.now),
      });
    return { fake: sf, clock, ledger, poll, addLead, call };
  }

  const touches = (results: PollCrmResult[], leadId?: string) =>
    results
      .flatMap((r) => r.events)
      .filter((e) => e.type === 'contact' && (leadId === undefined || e.leadId === leadId));

  it('hands out the touch of a lead that was beyond the 2,000 polled leads for a while', async () => {
    const { clock, ledger, poll, addLead, call } = await world();
    // 2,000 older open leads (their rows need not exist in Salesforce), then the campaign's newest lead L.
    const older = Array.from({ length: 2_000 }, (_, i) => salesforceId('00Q', 10_000 + i));
    clock.now = minute(1);
    const lead = addLead(1);
    clock.now = minute(2);
    const first = await poll(null); // L is new: admitted, its (empty) history read
    expect(first.leads.map((l) => l.leadId)).toEqual([lead]);
    ledger.open = [...older, lead]; // L is the 2,001st open lead: not polled

    clock.now = minute(5);
    call(lead); // L's rep calls at minute 5
    clock.now = minute(15);
    call(older[0]); // an older lead is touched at 15: the shared positions move past minute 5
    clock.now = minute(16);
    const second = await poll(first.watermark);
    expect(touches([second], lead)).toEqual([]);

    ledger.open = [...older.slice(1), lead]; // the oldest lead closes: L is now among the 2,000 polled
    clock.now = minute(30);
    const third = await poll(second.watermark);
    expect(touches([second, third], lead).map((e) => e.at)).toEqual([minute(5).toISOString()]);
    // Once read, L is covered like the others: nothing of it comes again.
    clock.now = minute(31);
    const fourth = await poll(third.watermark);
    expect(touches([fourth])).toEqual([]);
  }, 120_000);

  it('reads a lead admitted a poll ago from the start when the ledger shows it only later', async () => {
    const { clock, ledger, poll, addLead, call } = await world();
    const known = addLead(1);
    clock.now = minute(1);
    const first = await poll(null);
    ledger.open = [known];
    clock.now = minute(2);
    const late = addLead(2);
    clock.now = minute(3);
    const second = await poll(first.watermark); // admits L; the ledger's write of it is still under way
    expect(second.leads.map((l) => l.leadId)).toEqual([late]);
    clock.now = minute(4);
    call(late);
    clock.now = minute(15);
    call(known); // moves the positions of the leads polled past minute 4 and its 5-minute overlap
    clock.now = minute(16);
    const third = await poll(second.watermark); // L not in the ledger yet: not polled
    ledger.open = [known, late];
    clock.now = minute(20);
    const fourth = await poll(third.watermark);
    expect(touches([third, fourth], late).map((e) => e.at)).toEqual([minute(4).toISOString()]);
    expect(touches([third, fourth], known).map((e) => e.at)).toEqual([minute(15).toISOString()]);
  }, 60_000);

  it('reads positions of the previous release (no polled leads named): its open leads as covered, none repeated', async () => {
    const { clock, ledger, poll, addLead, call } = await world();
    const lead = addLead(1);
    clock.now = minute(1);
    const first = await poll(null);
    ledger.open = [lead];
    clock.now = minute(2);
    call(lead);
    clock.now = minute(3);
    const second = await poll(first.watermark);
    expect(touches([second], lead)).toHaveLength(1);
    // What a workflow carried across the deploy: the same positions without `polled`.
    const { polled, ...previousRelease } = JSON.parse(second.watermark!) as Record<string, unknown>;
    expect(polled).toEqual(expect.any(String));
    clock.now = minute(4);
    call(lead);
    clock.now = minute(5);
    const third = await poll(JSON.stringify(previousRelease));
    // The call of minute 2 is not handed out again (the lead is read from its position), the new one is.
    expect(touches([third], lead).map((e) => e.at)).toEqual([minute(4).toISOString()]);
    expect(JSON.parse(third.watermark!)).toMatchObject({ polled: polled as string });
  }, 60_000);

  it('property: leads entering and leaving the polled set in any order never lose a touch', async () => {
    const step = fc.record({
      // Who the ledger shows open this poll, by index among the leads added so far (the rest are outside).
      open: fc.array(fc.nat(7), { maxLength: 8 }),
      addLead: fc.boolean(),
      calls: fc.array(fc.record({ lead: fc.nat(7), minute: fc.integer({ min: 0, max: 9 }) }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 2, maxLength: 7 }),
        fc.constantFrom(1, 2, 2_000),
        async (steps, maxFetch) => {
          await fake?.close();
          const w = await world({ maxFetch, idBatchSize: 2 });
          const leads: string[] = [];
          const logged = new Map<string, string>(); // Task Id → lead
          const results: PollCrmResult[] = [];
          const polledAt: Set<string>[] = [];
          let watermark: string | null = null;
          let t = 0;
          const pollNow = async (open: string[]) => {
            w.ledger.open = open;
            const result = await w.poll(watermark);
            watermark = result.watermark;
            results.push(result);
            polledAt.push(new Set([...open, ...result.leads.map((l) => l.leadId)]));
          };
          for (const { open, addLead, calls } of steps) {
            if (addLead || leads.length === 0) leads.push(w.addLead(leads.length + 1));
            // Calls logged in this step's ten minutes, in time order, on leads open or not.
            for (const c of [...calls].sort((a, b) => a.minute - b.minute)) {
              w.clock.now = minute(t + c.minute);
              const lead = leads[c.lead % leads.length];
              logged.set(w.call(lead), lead);
            }
            t += 10;
            w.clock.now = minute(t);
            await pollNow([...new Set(open.map((i) => leads[i % leads.length]))]);
          }
          // Every lead open from now on: what was logged while it was outside comes out once it is inside. A read
          // cut at maxFetch 1 hands out one record a poll, so there are polls enough for every call logged.
          for (let i = 0; i < 12 + logged.size; i += 1) {
            t += 1;
            w.clock.now = minute(t);
            await pollNow([...leads]);
          }
          const handedOut = touches(results);
          expect(new Set(handedOut.map((e) => e.eventId))).toEqual(new Set(logged.keys()));
          for (const e of handedOut) expect(e.leadId).toBe(logged.get(e.eventId));
          if (maxFetch < 2_000) return;
          // Without LIMIT cuts, a touch comes again only when its lead enters the polled set again (read from the
          // start): at most once per entry.
          const entries = (lead: string) =>
            polledAt.filter((set, i) => set.has(lead) && (i === 0 || !polledAt[i - 1].has(lead))).length;
          const count = new Map<string, number>();
          for (const e of handedOut) count.set(e.eventId, (count.get(e.eventId) ?? 0) + 1);
          for (const [taskId, n] of count) expect(n).toBeLessThanOrEqual(entries(logged.get(taskId)!));
        },
      ),
      { numRuns: 25 },
    );
  }, 300_000);
});

describe("pollCrm: owners in the contract's form", () => {
  /** A CRM whose only news is `owners.length` new leads, lead i owned by owners[i]. */
  function crmWithOwners(owners: string[]): Crm {
    const empty = async () => ({ items: [], watermark: null });
    return {
      fetchNewLeads: async () => ({
        leads: owners.map((ownerId, i) => ({
          leadId: salesforceId('00Q', i + 1),
          ownerId,
          tier: 'high-intent',
          createdAt: '2026-01-05T10:00:00.000Z',
          campaignId: CAMPAIGN,
        })),
        watermark: null,
      }),
      fetchAttempts: empty,
      fetchStatusChanges: empty,
      fetchMeetingsBooked: empty,
      fetchOpportunities: empty,
      fetchRemovedLeads: empty,
      inactiveUsers: async () => [],
      apiUsage: () => ({ used: 0, max: 0, callsMade: 0 }),
    } as unknown as Crm;
  }
  const pollOwners = async (owners: string[], repIds: string[]) => {
    const { poll } = pollOver(crmWithOwners(owners), [], CAMPAIGN, () => '2026-01-05T10:01:00.000Z');
    return (await poll(null, undefined, repIds)).leads.map((lead) => lead.ownerId);
  };

  it('never reassigns a polled lead to the rep who already owns it (reps named by 15-character IDs)', async () => {
    const rep1 = salesforceId('005', 1); // 18 characters, as the REST API returns OwnerId
    const rep2 = salesforceId('005', 2);
    const [rep1Short, rep2Short] = [rep1, rep2].map(salesforceIdKey); // as copied from a Salesforce URL
    const owners = await pollOwners([rep1, salesforceId('005', 3)], [rep1Short, rep2Short]);
    // The rep's ID as the contract writes it; an owner outside the pools as Salesforce does.
    expect(owners).toEqual([rep1Short, salesforceId('005', 3)]);

    const config = seedConfig({
      crmPollEvery: '1m',
      responseSla: { pools: { inbound: { managerId: 'mgr-1', reps: [{ id: rep1Short }, { id: rep2Short }] } } },
    });
    const book = emptyLeadBook();
    const lead = salesforceId('00Q', 1);
    admitLeads(
      book,
      [{ leadId: lead, tier: 'high-intent', ownerId: owners[0], createdAt: new Date(MONDAY_10AM).toISOString() }],
      bookContext(config, MONDAY_10AM),
    );
    drainOutbox(book);
    const BREACH = MONDAY_10AM + HOUR_MS;
    collectDueConfirmed(book, bookContext(config, BREACH)); // breach + notify-owner
    const [reassign] = collectDue(book, bookContext(config, BREACH + 15 * MINUTE_MS)).filter(
      (e): e is EscalationEffect => e.type === 'escalation' && e.step === 'reassign',
    );
    expect(reassign.newOwnerId).toBe(rep2Short);
  });

  it('property: an owner is the rep naming the same user in any form and casing, and only that rep', async () => {
    const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
    const userKey = fc.array(alnum, { minLength: 12, maxLength: 12 }).map((chars) => `005${chars.join('')}`);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(userKey, { minLength: 1, maxLength: 4, selector: (key) => key }),
        fc.array(fc.record({ user: fc.nat(3), long: fc.boolean(), recase: fc.boolean() }), { maxLength: 4 }),
        fc.array(fc.record({ user: fc.nat(3), owner: fc.nat(2) }), { minLength: 1, maxLength: 5 }),
        async (users, repForms, leadOwners) => {
          // The contract names some users, each in a 15- or 18-character form.
          const reps = new Map<string, string>();
          for (const { user, long } of repForms) {
            const key = users[user % users.length];
            if (!reps.has(key)) reps.set(key, long ? caseSafeId(key) : key);
          }
          // Salesforce hands owners out in the 18-character form; an 18-character ID in any casing is the same user.
          // A 15-character ID differing only in case is another user (the key is case-sensitive).
          const written = leadOwners.map(({ user, owner }) => {
            const key = users[user % users.length];
            const long = caseSafeId(key);
            if (owner === 0) return long;
            if (owner === 1) return long.toLowerCase();
            const flipped =
              key.slice(0, 3) +
              [...key.slice(3)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
            return caseSafeId(flipped === key ? key : flipped);
          });
          const owners = await pollOwners(written, [...reps.values()]);
          written.forEach((id, i) => {
            const rep = [...reps.values()].find((r) => salesforceIdKey(r) === salesforceIdKey(id));
            expect(owners[i]).toBe(rep ?? id);
            if (rep) expect(salesforceIdKey(rep)).toBe(salesforceIdKey(id));
          });
          // A case-flipped key maps to its own user only: never to the rep it looks like.
          for (const [i, { owner }] of leadOwners.entries())
            if (owner === 2 && /[a-zA-Z]/.test(users[leadOwners[i].user % users.length].slice(3)))
              expect(owners[i]).not.toBe(reps.get(users[leadOwners[i].user % users.length]));
        },
      ),
      { numRuns: 200 },
    );
  });
});
