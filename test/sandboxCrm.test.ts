import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { SandboxCrm, type SandboxCrmConfig, type SandboxCrmHooks } from '../activities/crm/sandboxCrm';
import { salesforceId } from '../activities/crm/salesforceIds';
import type { CrmPage } from '../activities/ports';

const CAMPAIGN = salesforceId('701', 1);
const FAST_REP = salesforceId('005', 1);
const SLOW_REP = salesforceId('005', 2);
const BACKUP_REP = salesforceId('005', 3);
const START = Date.parse('2026-01-05T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function config(overrides: Partial<SandboxCrmConfig> = {}): SandboxCrmConfig {
  return {
    seed: 42,
    campaigns: [
      {
        crmCampaignId: CAMPAIGN,
        start: new Date(START).toISOString(),
        leadsPerHour: 10,
        tierMix: { 'high-intent': 0.3, standard: 0.7 },
      },
    ],
    reps: [
      { ownerId: FAST_REP, medianResponseMinutes: 20 },
      { ownerId: SLOW_REP, medianResponseMinutes: 240 },
      { ownerId: BACKUP_REP, medianResponseMinutes: 10, responseSpread: 0 },
    ],
    neverTouchedShare: 0.1,
    conversionRate: 0.25,
    medianConversionHours: 12,
    ...overrides,
  };
}

/** A sandbox CRM whose clock the test moves. */
function world(overrides: Partial<SandboxCrmConfig> = {}, hooks: Partial<SandboxCrmHooks> = {}) {
  const clock = { now: START };
  const crm = new SandboxCrm(config(overrides), { now: () => new Date(clock.now), ...hooks });
  return { crm, clock };
}

/** The earliest attempt per lead, as the workflow's first-touch clock sees it. */
async function firstTouches(crm: SandboxCrm, leadIds: string[]) {
  const { items } = await crm.fetchAttempts(leadIds, null);
  const first = new Map<string, (typeof items)[number]>();
  for (const attempt of items) if (!first.has(attempt.leadId)) first.set(attempt.leadId, attempt);
  return [...first.values()].map(({ leadId, at, channel }) => ({ leadId, at, channel }));
}

async function allLeads(crm: SandboxCrm) {
  const { leads } = await crm.fetchNewLeads(CAMPAIGN, null);
  return leads;
}

describe('SandboxCrm', () => {
  it('is deterministic for a seed, whatever the polling pattern', async () => {
    const a = world();
    const b = world();
    // a polls every hour, b once at the end: the same world comes out.
    const polled = [];
    let watermark: string | null = null;
    for (let hour = 1; hour <= 48; hour += 1) {
      a.clock.now = START + hour * HOUR;
      const page = await a.crm.fetchNewLeads(CAMPAIGN, watermark);
      polled.push(...page.leads);
      watermark = page.watermark;
    }
    b.clock.now = START + 48 * HOUR;
    const once = await allLeads(b.crm);
    expect(polled).toEqual(once);
    expect(once.length).toBeGreaterThan(400);
    expect(once.length).toBeLessThan(560); // ~10/h over 48h

    const other = world({ seed: 7 });
    other.clock.now = START + 48 * HOUR;
    expect((await allLeads(other.crm)).map((l) => l.createdAt)).not.toEqual(once.map((l) => l.createdAt));
  });

  it('follows the tier mix and only reveals leads that have arrived by now', async () => {
    const { crm, clock } = world({
      campaigns: [
        {
          crmCampaignId: CAMPAIGN,
          start: new Date(START).toISOString(),
          leadsPerHour: 50,
          tierMix: { 'high-intent': 0.3, standard: 0.7 },
        },
      ],
    });
    clock.now = START + 40 * HOUR;
    const leads = await allLeads(crm);
    const highIntent = leads.filter((l) => l.tier === 'high-intent').length / leads.length;
    expect(highIntent).toBeGreaterThan(0.25);
    expect(highIntent).toBeLessThan(0.35);
    expect(leads.every((l) => Date.parse(l.createdAt) <= clock.now && l.campaignId === CAMPAIGN)).toBe(true);
    const sorted = [...leads].sort(
      (x, y) => x.createdAt.localeCompare(y.createdAt) || x.leadId.localeCompare(y.leadId),
    );
    expect(leads).toEqual(sorted);
  });

  it('touches leads after rep-specific delays and leaves some untouched so breaches happen', async () => {
    const { crm, clock } = world();
    clock.now = START + 24 * HOUR;
    const leads = await allLeads(crm);
    clock.now = START + 30 * DAY;
    const touches = await firstTouches(
      crm,
      leads.map((l) => l.leadId),
    );
    const delays = new Map(touches.map((t) => [t.leadId, Date.parse(t.at)]));
    const medianMinutes = (owner: string) => {
      const values = leads
        .filter((l) => l.ownerId === owner && delays.has(l.leadId))
        .map((l) => (delays.get(l.leadId)! - Date.parse(l.createdAt)) / 60_000);
      values.sort((x, y) => x - y);
      return values[Math.floor(values.length / 2)];
    };
    expect(medianMinutes(FAST_REP)).toBeLessThan(40);
    expect(medianMinutes(SLOW_REP)).toBeGreaterThan(120);
    const untouched = 1 - touches.length / leads.length;
    expect(untouched).toBeGreaterThan(0.04);
    expect(untouched).toBeLessThan(0.18);
    expect(new Set(touches.map((t) => t.channel))).toEqual(new Set(['call', 'email', 'sms']));
  });

  it('does not reveal a touch before it happens', async () => {
    const { crm, clock } = world();
    clock.now = START + 6 * HOUR;
    const leads = await allLeads(crm);
    const early = await firstTouches(
      crm,
      leads.map((l) => l.leadId),
    );
    expect(early.every((t) => Date.parse(t.at) <= clock.now)).toBe(true);
    clock.now = START + 30 * DAY;
    const late = await firstTouches(
      crm,
      leads.map((l) => l.leadId),
    );
    expect(late.length).toBeGreaterThan(early.length);
  });

  it('lets reassignment bring a touch from the new owner, idempotently', async () => {
    const { crm, clock } = world({ neverTouchedShare: 1 }); // nobody touches on their own
    clock.now = START + 5 * HOUR;
    const [lead] = await allLeads(crm);
    expect(await firstTouches(crm, [lead.leadId])).toEqual([]);
    await crm.setOwner(lead.leadId, BACKUP_REP);
    await crm.setOwner(lead.leadId, BACKUP_REP);
    const { leads } = await crm.fetchNewLeads(CAMPAIGN, null);
    expect(leads[0].ownerId).toBe(BACKUP_REP);
    // neverTouchedShare 1 applies to the new owner too: still nothing.
    clock.now += DAY;
    expect(await firstTouches(crm, [lead.leadId])).toEqual([]);

    const other = world({ neverTouchedShare: 0 });
    other.clock.now = START + 5 * HOUR;
    const [second] = await allLeads(other.crm);
    const before = await firstTouches(other.crm, [second.leadId]);
    other.clock.now = START + 30 * DAY;
    await other.crm.setOwner(second.leadId, BACKUP_REP);
    other.clock.now += HOUR;
    const after = await firstTouches(other.crm, [second.leadId]);
    expect(after).toHaveLength(1);
    // The earliest touch wins: a reassignment long after the first touch does not move it.
    if (before.length === 1) expect(after).toEqual(before);
  });

  it('counts conversions and bends them with the scripted multiplier (a 22% dip on day 4)', async () => {
    const leadsPerHour = 200;
    const campaigns = [
      { crmCampaignId: CAMPAIGN, start: new Date(START).toISOString(), leadsPerHour, tierMix: { standard: 1 } },
    ];
    const dipOnDay4 = (createdAt: Date) =>
      createdAt.getTime() >= START + 3 * DAY && createdAt.getTime() < START + 4 * DAY ? 0.78 : 1;
    // Conversions within about an hour, so a day's leads convert (ConvertedDate) on that day.
    const plain = world({ campaigns, neverTouchedShare: 0, medianConversionHours: 0.5 });
    const dipped = world(
      { campaigns, neverTouchedShare: 0, medianConversionHours: 0.5 },
      { conversionMultiplier: dipOnDay4 },
    );
    const day = (d: number) => ({
      crmCampaignId: CAMPAIGN,
      from: new Date(START + (d - 1) * DAY).toISOString(),
      to: new Date(START + d * DAY).toISOString(),
      convertedStatuses: ['Qualified'],
      countOpportunities: false,
    });
    plain.clock.now = dipped.clock.now = START + 20 * DAY;
    const plainDay4 = await plain.crm.countConversions(day(4));
    const dippedDay4 = await dipped.crm.countConversions(day(4));
    expect(plainDay4 / (24 * leadsPerHour)).toBeGreaterThan(0.22);
    expect(plainDay4 / (24 * leadsPerHour)).toBeLessThan(0.28);
    expect(dippedDay4 / plainDay4).toBeGreaterThan(0.72);
    expect(dippedDay4 / plainDay4).toBeLessThan(0.84);
    expect(await dipped.crm.countConversions(day(2))).toBe(await plain.crm.countConversions(day(2)));
    const opportunities = await plain.crm.countConversions({ ...day(4), countOpportunities: true });
    expect(opportunities).toBeGreaterThan(0);
  });

  it('reports conversions by ConvertedDate once they have happened, with their Opportunity', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0, conversionRate: 1 });
    const window = {
      crmCampaignId: CAMPAIGN,
      from: new Date(START).toISOString(),
      to: new Date(START + 10 * DAY).toISOString(),
      convertedStatuses: [],
      countOpportunities: false,
    };
    clock.now = START + DAY;
    const early = (await allLeads(crm)).map((l) => l.leadId);
    const soon = await crm.fetchConversions(window);
    clock.now = START + 30 * DAY;
    const later = await crm.fetchConversions(window);
    expect(soon.length).toBeLessThan(later.length);
    // Every lead of the first day (all convert, median 12 h) has converted inside the window by now.
    expect(later.map((c) => c.leadId)).toEqual(expect.arrayContaining(early));
    for (const conversion of later) {
      expect(conversion.convertedDate >= '2026-01-05' && conversion.convertedDate <= '2026-01-14').toBe(true);
      expect(conversion.opportunityId).toMatch(/^006/);
    }
    // A window of one day counts only that day's ConvertedDate, not leads created that day.
    const dayOne = await crm.fetchConversions({ ...window, to: new Date(START + DAY).toISOString() });
    expect(dayOne.every((c) => c.convertedDate === '2026-01-05')).toBe(true);
    expect(dayOne.length).toBeLessThan(early.length);
  });

  it('yields every attempt with its Task/Event ID and time, once per watermark', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0, maxFollowUps: 3, channelMix: { call: 1, meeting: 1 } });
    clock.now = START + 6 * HOUR;
    const ids = (await allLeads(crm)).map((l) => l.leadId);
    const first = await crm.fetchAttempts(ids, null);
    expect(first.items.every((a) => Date.parse(a.at) <= clock.now)).toBe(true);
    for (const attempt of first.items) {
      expect(attempt.activityId).toMatch(attempt.channel === 'meeting' ? /^00U/ : /^00T/);
    }
    clock.now = START + 3 * DAY;
    const second = await crm.fetchAttempts(ids, first.watermark);
    const seen = [...first.items, ...second.items].map((a) => a.activityId);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await crm.fetchAttempts(ids, null);
    expect(all.items.map((a) => a.activityId).sort()).toEqual([...seen].sort());
    // Follow-ups: some leads have more than one attempt.
    const perLead = new Map<string, number>();
    for (const a of all.items) perLead.set(a.leadId, (perLead.get(a.leadId) ?? 0) + 1);
    expect(Math.max(...perLead.values())).toBeGreaterThan(1);
    expect(await crm.fetchAttempts(ids, all.watermark)).toEqual({ items: [], watermark: all.watermark });
  });

  it('turns status changes into dispositions through the mapping, including port writes', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0, conversionRate: 0, acceptShare: 0.5 });
    clock.now = START + 2 * DAY;
    const ids = (await allLeads(crm)).map((l) => l.leadId);
    const mapping = {
      'Working - Contacted': { decision: 'accept' as const },
      'Closed - Not Converted': { decision: 'reject' as const, reason: 'Not ICP' },
    };
    const { items, watermark } = await crm.fetchStatusChanges(ids, null, mapping);
    const accepted = items.filter((c) => c.outcome?.decision === 'accept').length;
    expect(accepted / items.length).toBeGreaterThan(0.3);
    expect(accepted / items.length).toBeLessThan(0.7);
    expect(items.every((c) => /^017/.test(c.changeId))).toBe(true);
    expect(items.find((c) => c.outcome?.decision === 'reject')?.outcome).toEqual({
      decision: 'reject',
      reason: 'Not ICP',
    });
    // Only mapped statuses come back.
    expect((await crm.fetchStatusChanges(ids, null, {})).items).toEqual([]);

    clock.now += HOUR;
    await crm.setLeadStatus(ids[0], 'Nurturing');
    await crm.setLeadStatus(ids[0], 'Nurturing');
    const next = await crm.fetchStatusChanges(ids, watermark, {
      ...mapping,
      Nurturing: { decision: 'reject', reason: 'No response' },
    });
    expect(next.items.filter((c) => c.leadId === ids[0])).toEqual([
      expect.objectContaining({ status: 'Nurturing', at: new Date(clock.now).toISOString() }),
    ]);
    const firstIds = new Set(items.map((c) => c.changeId));
    expect(next.items.some((c) => firstIds.has(c.changeId))).toBe(false);
    expect(await crm.validateLeadStatuses(['Working - Contacted', 'Nurturing', 'Qualifed'])).toEqual([
      expect.stringContaining('"Qualifed" is not in'),
    ]);
  });

  it('applies owner changes and follow-up tasks idempotently', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0 });
    clock.now = START + 3 * HOUR;
    const [lead] = await allLeads(crm);
    expect(await crm.setOwner(lead.leadId, BACKUP_REP)).toEqual({ stuck: true, actualOwnerId: BACKUP_REP });
    const task = {
      leadId: lead.leadId,
      ownerId: BACKUP_REP,
      subject: 'Call back',
      dueDate: '2026-01-06',
      idempotencyKey: 'k1',
    };
    const created = await crm.createFollowUpTask(task);
    const again = await crm.createFollowUpTask({ ...task, subject: 'retry with another subject' });
    expect(created.created).toBe(true);
    expect(again).toEqual({ taskId: created.taskId, created: false });
    expect([...crm.followUpTasks()]).toEqual([
      ['k1', { leadId: lead.leadId, ownerId: BACKUP_REP, subject: 'Call back', dueDate: '2026-01-06' }],
    ]);
    expect(crm.apiUsage()).toEqual({ used: 4, max: 15_000, callsMade: 4 });
  });

  it('rejects bad input and bad configuration with the path named', async () => {
    const { crm } = world();
    const bad = await crm.setOwner("' OR Name != '", FAST_REP).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApplicationFailure);
    expect((bad as ApplicationFailure).type).toBe('CrmInvalidInput');
    await expect(crm.fetchNewLeads(salesforceId('701', 9), null)).rejects.toThrow(/not simulated/);
    await expect(crm.fetchNewLeads(CAMPAIGN, 'garbage')).rejects.toThrow(/watermark/);
    expect(() => world({ conversionRate: 1.5 })).toThrow(/conversionRate/);
    expect(() => world({ reps: [{ ownerId: 'jane@example.com', medianResponseMinutes: 5 }] })).toThrow(
      /reps\.0\.ownerId/,
    );
    expect(() =>
      world({ campaigns: [{ crmCampaignId: CAMPAIGN, start: 'soon', leadsPerHour: 1, tierMix: { a: 1 } }] }),
    ).toThrow(/campaigns\.0\.start/);
  });
});

describe('SandboxCrm milestone facts', () => {
  const mapping = {
    'Working - Contacted': { decision: 'accept' as const },
    'Closed - Not Converted': { decision: 'reject' as const, reason: 'Not ICP' },
  };

  it('puts some accepted leads on "Waiting on customer" and back to work, before any conversion', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0, conversionRate: 0.3 });
    clock.now = START + 4 * DAY;
    const ids = (await allLeads(crm)).map((l) => l.leadId);
    const { items } = await crm.fetchStatusChanges(ids, null, mapping, { all: true });
    expect(new Set(items.map((c) => c.changeId)).size).toBe(items.length);
    expect(items.every((c) => /^017/.test(c.changeId) && Date.parse(c.at) <= clock.now)).toBe(true);
    const waits = items.filter((c) => c.status === 'Waiting on customer');
    expect(waits.length / ids.length).toBeGreaterThan(0.05);
    expect(waits.length / ids.length).toBeLessThan(0.3);
    for (const wait of waits) {
      expect(wait.outcome).toBeUndefined();
      const own = items.filter((c) => c.leadId === wait.leadId);
      const accepted = own.find((c) => c.status === 'Working - Contacted');
      expect(Date.parse(accepted!.at)).toBeLessThan(Date.parse(wait.at));
      const back = own.find((c) => c.status === 'Working - Contacted' && Date.parse(c.at) > Date.parse(wait.at));
      const converted = own.find((c) => c.status === 'Qualified');
      if (converted) expect(Date.parse(back!.at)).toBeLessThan(Date.parse(converted.at));
    }
    expect(waits.some((w) => items.some((c) => c.leadId === w.leadId && c.status === 'Qualified'))).toBe(true);
    // Never for a rejected lead; unmapped statuses only with `all`.
    const rejected = new Set(items.filter((c) => c.outcome?.decision === 'reject').map((c) => c.leadId));
    expect(waits.some((w) => rejected.has(w.leadId))).toBe(false);
    const mappedOnly = await crm.fetchStatusChanges(ids, null, mapping);
    expect(mappedOnly.items).toEqual(items.filter((c) => c.outcome));
    expect(await crm.validateLeadStatuses(['Waiting on customer'])).toEqual([]);
  });

  it('books meetings ahead: the booking comes at once, the attempt once the meeting starts', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0 });
    clock.now = START + 2 * DAY;
    const ids = (await allLeads(crm)).map((l) => l.leadId);
    const booked = await crm.fetchMeetingsBooked(ids, null);
    const attempts = new Map((await crm.fetchAttempts(ids, null)).items.map((a) => [a.activityId, a]));
    expect(booked.items.length / ids.length).toBeGreaterThan(0.1);
    expect(booked.items.every((m) => /^00U/.test(m.activityId) && Date.parse(m.at) <= clock.now)).toBe(true);
    const started = booked.items.filter((m) => attempts.has(m.activityId));
    const ahead = booked.items.filter((m) => !attempts.has(m.activityId));
    expect(started.length).toBeGreaterThan(0);
    expect(ahead.length).toBeGreaterThan(0);
    for (const meeting of started) {
      expect(attempts.get(meeting.activityId)).toMatchObject({ leadId: meeting.leadId, channel: 'meeting' });
      expect(Date.parse(attempts.get(meeting.activityId)!.at)).toBeGreaterThan(Date.parse(meeting.at));
    }
    // Once started, the meetings booked ahead are attempts too.
    clock.now += 10 * DAY;
    const later = await crm.fetchAttempts(ids, null);
    const laterIds = new Set(later.items.map((a) => a.activityId));
    expect(ahead.every((m) => laterIds.has(m.activityId))).toBe(true);
    const aheadIds = new Set(ahead.map((m) => m.activityId));
    const next = await crm.fetchMeetingsBooked(ids, booked.watermark);
    expect(next.items.length).toBeGreaterThan(0);
    expect(next.items.some((m) => aheadIds.has(m.activityId))).toBe(false);
  });

  it('opens one Opportunity per converted lead, created as it converts, the one fetchConversions names', async () => {
    const { crm, clock } = world({ neverTouchedShare: 0, conversionRate: 0.5 });
    clock.now = START + 3 * DAY;
    const ids = (await allLeads(crm)).map((l) => l.leadId);
    const { items } = await crm.fetchOpportunities(ids, null);
    const conversions = await crm.fetchConversions({
      crmCampaignId: CAMPAIGN,
      from: new Date(START).toISOString(),
      to: new Date(START + 10 * DAY).toISOString(),
      convertedStatuses: [],
      countOpportunities: true,
    });
    expect(items.length).toBeGreaterThan(10);
    expect(new Set(items.map((o) => o.leadId)).size).toBe(items.length);
    expect(items.map((o) => [o.leadId, o.opportunityId, o.at.slice(0, 10)]).sort()).toEqual(
      conversions.map((c) => [c.leadId, c.opportunityId, c.convertedDate]).sort(),
    );
    const statuses = (await crm.fetchStatusChanges(ids, null, mapping, { all: true })).items;
    for (const opportunity of items)
      expect(statuses).toContainEqual(
        expect.objectContaining({ leadId: opportunity.leadId, status: 'Qualified', at: opportunity.at }),
      );
  });

  it('yields the same facts whatever the polling pattern, and nothing twice from a watermark', async () => {
    const hourly = world();
    const once = world();
    once.clock.now = START + 3 * DAY;
    const ids = (await allLeads(once.crm)).map((l) => l.leadId);
    const read = (crm: SandboxCrm, watermarks: (string | null)[]): Promise<CrmPage<unknown>[]> =>
      Promise.all([
        crm.fetchStatusChanges(ids, watermarks[0], mapping, { all: true }),
        crm.fetchMeetingsBooked(ids, watermarks[1]),
        crm.fetchOpportunities(ids, watermarks[2]),
      ]);
    const all = await read(once.crm, [null, null, null]);
    const collected: unknown[][] = [[], [], []];
    let watermarks: (string | null)[] = [null, null, null];
    for (let hour = 1; hour <= 72; hour += 1) {
      hourly.clock.now = START + hour * HOUR;
      await allLeads(hourly.crm);
      const pages = await read(hourly.crm, watermarks);
      pages.forEach((page, i) => collected[i].push(...page.items));
      watermarks = pages.map((page) => page.watermark);
    }
    all.forEach((page, i) => expect(collected[i]).toEqual(expect.arrayContaining(page.items)));
    all.forEach((page, i) => expect(collected[i]).toHaveLength(page.items.length));
  });

  it('stops the simulated wait and meeting of a lead once its status is written through the port', async () => {
    const peek = world({ neverTouchedShare: 0 });
    peek.clock.now = START + 5 * DAY;
    const ids = (await allLeads(peek.crm)).map((l) => l.leadId);
    const waits = (await peek.crm.fetchStatusChanges(ids, null, mapping, { all: true })).items.filter(
      (c) => c.status === 'Waiting on customer',
    );
    const lead = waits[0].leadId;
    const { crm, clock } = world({ neverTouchedShare: 0 });
    clock.now = Date.parse(waits[0].at) - 1_000;
    await allLeads(crm);
    const before = (await crm.fetchStatusChanges([lead], null, mapping, { all: true })).items;
    await crm.setLeadStatus(lead, 'Nurturing');
    clock.now = START + 5 * DAY;
    const after = (await crm.fetchStatusChanges([lead], null, mapping, { all: true })).items;
    expect(after.map((c) => c.status)).toEqual([...before.map((c) => c.status), 'Nurturing']);
    const meetings = (await crm.fetchMeetingsBooked([lead], null)).items;
    expect(meetings.every((m) => Date.parse(m.at) < Date.parse(waits[0].at))).toBe(true);
  });
});

describe('SandboxCrm ops capacity', () => {
  // One rep who reacts in exactly a minute and can make six first touches an hour, given a lead a minute.
  const swamped = (overrides: Partial<SandboxCrmConfig> = {}, hooks: Partial<SandboxCrmHooks> = {}) =>
    world(
      {
        campaigns: [
          { crmCampaignId: CAMPAIGN, start: new Date(START).toISOString(), leadsPerHour: 60, tierMix: { a: 1 } },
        ],
        reps: [{ ownerId: FAST_REP, medianResponseMinutes: 1, responseSpread: 0, touchesPerHour: 6 }],
        neverTouchedShare: 0,
        conversionRate: 0.5,
        medianConversionHours: 0.1,
        ...overrides,
      },
      hooks,
    );

  async function waits(crm: SandboxCrm) {
    const leads = await allLeads(crm);
    const touched = new Map(
      (
        await firstTouches(
          crm,
          leads.map((l) => l.leadId),
        )
      ).map((t) => [t.leadId, t.at]),
    );
    return leads.map((lead) => ({ lead, touchAt: Date.parse(touched.get(lead.leadId)!) }));
  }

  it('makes a rep given more leads than they can touch fall behind, one touch per 10 minutes', async () => {
    const { crm, clock } = swamped();
    clock.now = START + 3 * HOUR;
    const rows = (await waits(crm)).filter((row) => row.touchAt <= clock.now);
    expect(rows.length).toBeGreaterThan(10);
    for (const [i, row] of rows.entries()) {
      if (i === 0) continue;
      // Whole-second timestamps: each touch starts at least 10 minutes after the one before, never earlier.
      expect(row.touchAt - rows[i - 1].touchAt).toBeGreaterThanOrEqual(10 * 60_000 - 1_000);
    }
    const wait = (row: (typeof rows)[number]) => row.touchAt - Date.parse(row.lead.createdAt);
    expect(wait(rows[rows.length - 1])).toBeGreaterThan(wait(rows[0]) + HOUR);
    // Without a touch rate the same rep answers every lead a minute after it came.
    const unlimited = swamped({
      reps: [{ ownerId: FAST_REP, medianResponseMinutes: 1, responseSpread: 0 }],
    });
    unlimited.clock.now = START + 3 * HOUR;
    const answered = (await waits(unlimited.crm)).filter((row) => row.touchAt <= unlimited.clock.now);
    expect(answered.length).toBeGreaterThan(150);
    for (const row of answered)
      expect(Math.abs(row.touchAt - Date.parse(row.lead.createdAt) - 60_000)).toBeLessThanOrEqual(1_000);
  });

  it('slows the touches to the staffing share at work', async () => {
    const { crm, clock } = swamped({}, { staffing: () => 0.5 });
    clock.now = START + 3 * HOUR;
    const rows = (await waits(crm)).filter((row) => row.touchAt <= clock.now);
    for (let i = 1; i < rows.length; i += 1)
      expect(rows[i].touchAt - rows[i - 1].touchAt).toBeGreaterThanOrEqual(20 * 60_000 - 1_000);
  });

  it('converts leads touched late less often (speed to lead), never more', async () => {
    const prompt = swamped();
    const slow = swamped({ speedToLead: { graceMinutes: 5, halfLifeMinutes: 30 } });
    prompt.clock.now = slow.clock.now = START + 12 * HOUR;
    const query = {
      crmCampaignId: CAMPAIGN,
      from: new Date(START).toISOString(),
      to: new Date(START + DAY).toISOString(),
      convertedStatuses: ['Qualified'],
      countOpportunities: false,
    };
    const converted = async (crm: SandboxCrm) => new Set((await crm.fetchConversions(query)).map((c) => c.leadId));
    const [all, late] = [await converted(prompt.crm), await converted(slow.crm)];
    // The same draws: a late-touched lead keeps its roll against a lower chance, so only fewer convert.
    expect([...late].every((id) => all.has(id))).toBe(true);
    expect(late.size).toBeLessThan(all.size * 0.5);
  });

  it("queues a reassigned lead behind the new owner's leads, once however often the write is repeated", async () => {
    const { crm, clock } = swamped({
      reps: [
        { ownerId: FAST_REP, medianResponseMinutes: 1, responseSpread: 0, touchesPerHour: 6 },
        { ownerId: BACKUP_REP, medianResponseMinutes: 1, responseSpread: 0, touchesPerHour: 120 },
      ],
      neverTouchedShare: 0,
    });
    clock.now = START + 2 * HOUR;
    // Leads the first rep has not got to yet (a touch still to come is not in the CRM).
    const waiting = (await waits(crm)).filter((row) => Number.isNaN(row.touchAt) && row.lead.ownerId === FAST_REP);
    expect(waiting.length).toBeGreaterThan(2);
    const [first, second] = waiting;
    await crm.setOwner(first.lead.leadId, BACKUP_REP);
    await crm.setOwner(second.lead.leadId, BACKUP_REP);
    // Repeated writes (activity retries) change nothing.
    await crm.setOwner(second.lead.leadId, BACKUP_REP);
    clock.now = START + 30 * HOUR;
    const after = new Map((await waits(crm)).map((row) => [row.lead.leadId, row.touchAt]));
    const [a, b] = [after.get(first.lead.leadId)!, after.get(second.lead.leadId)!];
    // The backup rep keeps up: each reassigned lead waits its turn, half a minute apart, a minute after the write.
    expect(a).toBeGreaterThanOrEqual(START + 2 * HOUR + 60_000 - 1_000);
    expect(b - a).toBeGreaterThanOrEqual(30_000 - 1_000);
    expect(b - a).toBeLessThan(HOUR);
    // Sooner than the first rep, hours behind, would have got to them.
    const control = swamped({
      reps: [
        { ownerId: FAST_REP, medianResponseMinutes: 1, responseSpread: 0, touchesPerHour: 6 },
        { ownerId: BACKUP_REP, medianResponseMinutes: 1, responseSpread: 0, touchesPerHour: 120 },
      ],
    });
    control.clock.now = START + 30 * HOUR;
    const unmoved = new Map((await waits(control.crm)).map((row) => [row.lead.leadId, row.touchAt]));
    expect(b).toBeLessThan(unmoved.get(second.lead.leadId)!);
  });
});
