// Contract tests: the real jsforce-based Salesforce adapter against the local Salesforce REST fake.
import { generateKeyPairSync } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSalesforce, salesforceDateTime } from './fakes/salesforce/fakeSalesforceServer';
import { salesforceId } from '../activities/crm/salesforceIds';
import { measureFirstTouchPollCalls } from './fakes/salesforce/firstTouchPollCost';
import { SalesforceCrm, type SalesforceCrmOptions } from '../activities/crm/salesforceCrm';
import { salesforceSettingsFromEnv } from '../activities/crm/salesforceSettings';

const CAMPAIGN = salesforceId('701', 1);
const OTHER_CAMPAIGN = salesforceId('701', 2);
const REP = salesforceId('005', 1);
const OTHER_REP = salesforceId('005', 2);
const INJECTION = "' OR Name != '";

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let fake: FakeSalesforce;

beforeEach(async () => {
  fake = await FakeSalesforce.start({ pageSize: 200, jwtPublicKey: publicKey });
});
afterEach(async () => {
  await fake.close();
});

function refreshTokenEnv(): Record<string, string> {
  return fake.refreshTokenEnv();
}

function crm(options: Omit<SalesforceCrmOptions, 'settings'> = {}): SalesforceCrm {
  return SalesforceCrm.fromEnv(refreshTokenEnv(), options);
}

function at(minute: number): string {
  return salesforceDateTime(new Date(Date.parse('2026-01-05T09:00:00Z') + minute * 60_000));
}

/** `at(minute)` as the adapter hands it out (ISO, UTC). */
function iso(minute: number): string {
  return new Date(Date.parse(at(minute))).toISOString();
}

/** A lead and its CampaignMember row, both created at `minute` (SystemModstamp = CreatedDate). */
function insertLead(n: number, minute: number, fields: Record<string, unknown> = {}): string {
  const leadId = fake.insert('Lead', {
    Id: salesforceId('00Q', n),
    OwnerId: REP,
    Campaign_Id__c: CAMPAIGN,
    CreatedDate: at(minute),
    ...fields,
  });
  fake.insert('CampaignMember', {
    CampaignId: fields.Campaign_Id__c ?? CAMPAIGN,
    LeadId: leadId,
    Status: 'Sent',
    HasResponded: false,
    CreatedDate: at(minute),
  });
  return leadId;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('auth', () => {
  it('uses the refresh-token grant, then calls the API with the issued token', async () => {
    insertLead(1, 0);
    const { leads } = await crm().fetchNewLeads(CAMPAIGN, null);
    expect(leads).toHaveLength(1);
    expect(fake.requests.map((r) => r.kind)).toEqual(['token', 'api']);
  });

  it('uses a JWT bearer assertion signed with the configured key', async () => {
    insertLead(1, 0);
    const env = {
      SALESFORCE_CLIENT_ID: 'fake-client-id',
      SALESFORCE_USERNAME: 'integration@example.com',
      SALESFORCE_PRIVATE_KEY: privatePem.replace(/\n/g, '\\n'),
      SALESFORCE_LOGIN_URL: fake.url,
    };
    const { leads } = await SalesforceCrm.fromEnv(env).fetchNewLeads(CAMPAIGN, null);
    expect(leads.map((l) => l.leadId)).toEqual([salesforceId('00Q', 1)]);
  });

  it('is refused by the fake when the JWT is signed with another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const env = {
      SALESFORCE_CLIENT_ID: 'fake-client-id',
      SALESFORCE_USERNAME: 'integration@example.com',
      SALESFORCE_PRIVATE_KEY: other,
      SALESFORCE_LOGIN_URL: fake.url,
    };
    const failure = await failureOf(SalesforceCrm.fromEnv(env).fetchNewLeads(CAMPAIGN, null));
    expect(failure.type).toBe('CrmAuthError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('invalid assertion signature');
  });

  it('refreshes once when the session expires and carries on', async () => {
    insertLead(1, 0);
    const adapter = crm();
    await adapter.fetchNewLeads(CAMPAIGN, null);
    fake.expireSessions();
    await expect(
      adapter.countConversions({
        crmCampaignId: CAMPAIGN,
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        convertedStatuses: [],
        countOpportunities: false,
      }),
    ).resolves.toBe(0);
    expect(fake.requests.filter((r) => r.kind === 'token')).toHaveLength(2);
  });

  it('turns a rejected refresh (invalid_grant) into a non-retryable CrmAuthError', async () => {
    const adapter = crm();
    await adapter.fetchNewLeads(CAMPAIGN, null);
    fake.expireSessions();
    fake.rejectTokenGrants();
    const failure = await failureOf(adapter.fetchNewLeads(CAMPAIGN, null));
    expect(failure.type).toBe('CrmAuthError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('invalid_grant');
  });

  it('turns INVALID_SESSION_ID after a successful refresh into CrmAuthError without looping', async () => {
    fake.acceptSessions(false);
    const failure = await failureOf(crm().setLeadStatus(insertLead(1, 0), 'Working - Contacted'));
    expect(failure.type).toBe('CrmAuthError');
    expect(failure.message).toContain('INVALID_SESSION_ID');
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it('names the missing or invalid setting', () => {
    const { SALESFORCE_CLIENT_SECRET: _omitted, ...withoutSecret } = refreshTokenEnv();
    expect(() => salesforceSettingsFromEnv(withoutSecret)).toThrow(/SALESFORCE_CLIENT_SECRET is required/);
    expect(() =>
      salesforceSettingsFromEnv({ ...refreshTokenEnv(), SALESFORCE_INSTANCE_URL: 'http://example.com' }),
    ).toThrow(/SALESFORCE_INSTANCE_URL must be an https URL/);
    expect(() => salesforceSettingsFromEnv({})).toThrow(/SALESFORCE_REFRESH_TOKEN.*SALESFORCE_USERNAME/);
    const jwt = { SALESFORCE_USERNAME: 'u@example.com', SALESFORCE_CLIENT_ID: 'id' };
    expect(() => salesforceSettingsFromEnv(jwt)).toThrow(/SALESFORCE_PRIVATE_KEY_FILE is required/);
    expect(() => salesforceSettingsFromEnv({ ...jwt, SALESFORCE_PRIVATE_KEY: 'not a key' })).toThrow(
      /SALESFORCE_PRIVATE_KEY is not a usable RSA private key/,
    );
    expect(() => salesforceSettingsFromEnv({ ...jwt, SALESFORCE_PRIVATE_KEY_FILE: '/nonexistent/key.pem' })).toThrow(
      /SALESFORCE_PRIVATE_KEY_FILE cannot be read/,
    );
    expect(() => salesforceSettingsFromEnv({ ...refreshTokenEnv(), SALESFORCE_API_VERSION: 'latest' })).toThrow(
      /SALESFORCE_API_VERSION/,
    );
  });
});

describe('fetchNewLeads', () => {
  it('pages with queryMore and resumes from the watermark without losing or repeating leads, ties included', async () => {
    // 450 leads, three per CreatedDate second, inserted out of order, plus another campaign's leads.
    const order = Array.from({ length: 450 }, (_, i) => (i * 7) % 450);
    for (const i of order) insertLead(i + 1, Math.floor(i / 3));
    for (let i = 0; i < 20; i += 1) insertLead(1_000 + i, i, { Campaign_Id__c: OTHER_CAMPAIGN });
    const adapter = crm({ maxFetch: 299 }); // ends inside a CreatedDate tie

    const first = await adapter.fetchNewLeads(CAMPAIGN, null);
    expect(first.leads).toHaveLength(299);
    expect(fake.apiRequests().map((r) => r.path.split('/').at(-1)!.split('-')[0])).toEqual([
      'query',
      expect.stringMatching(/^01g/),
    ]);

    // Leads arriving between polls, one tying with the watermark's second.
    insertLead(2_000, 99);
    insertLead(2_001, 200);
    const second = await adapter.fetchNewLeads(CAMPAIGN, first.watermark);
    const third = await adapter.fetchNewLeads(CAMPAIGN, second.watermark);
    expect(third).toEqual({ leads: [], watermark: second.watermark });

    const seen = [...first.leads, ...second.leads].map((l) => l.leadId);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(452);
    expect(seen).toContain(salesforceId('00Q', 2_000));
    const created = [...first.leads, ...second.leads].map((l) => l.createdAt);
    expect([...created].sort()).toEqual(created);
    expect(first.leads[0]).toEqual({
      leadId: salesforceId('00Q', 1),
      ownerId: REP,
      tier: 'standard',
      createdAt: '2026-01-05T09:00:00.000Z',
      campaignId: CAMPAIGN,
    });
  });

  it('reads the tier from the mapped field and never selects names or emails', async () => {
    insertLead(1, 0, { Lead_Tier__c: 'high-intent', Name: 'Ada Lovelace', Email: 'ada@example.com' });
    const { leads } = await crm().fetchNewLeads(CAMPAIGN, null);
    expect(leads[0].tier).toBe('high-intent');
    expect(JSON.stringify(leads)).not.toContain('Ada');
    expect(fake.apiRequests()[0].soql).not.toMatch(/\b(Name|Email)\b/);
  });

  it('fails with a clear non-retryable error naming the record and field for malformed records', async () => {
    insertLead(1, 0);
    const member = fake.records('CampaignMember')[0];
    member.CreatedDate = 'yesterday-ish';
    const failure = await failureOf(crm().fetchNewLeads(CAMPAIGN, null));
    expect(failure.type).toBe('CrmMalformedRecord');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(String(member.Id));
    expect(failure.message).toContain('CreatedDate');

    fake.records('CampaignMember').length = 0;
    fake.records('CampaignMember').push({ CampaignId: CAMPAIGN, LeadId: salesforceId('00Q', 1), CreatedDate: at(0) });
    const missingId = await failureOf(crm().fetchNewLeads(CAMPAIGN, null));
    expect(missingId.message).toMatch(/CampaignMember record #0 is malformed: Id/);
  });

  it('finds a lead added to the campaign later, a backdated import and a late commit, once each', async () => {
    const old = fake.insert('Lead', { Id: salesforceId('00Q', 90), OwnerId: REP, CreatedDate: at(-10_000) });
    insertLead(1, 0);
    insertLead(2, 10);
    const adapter = crm();
    const first = await adapter.fetchNewLeads(CAMPAIGN, null);
    expect(first.leads.map((l) => l.leadId)).toEqual([salesforceId('00Q', 1), salesforceId('00Q', 2)]);

    // An old lead joins the campaign now: its CampaignMember is new even though the Lead is not.
    fake.insert('CampaignMember', { CampaignId: CAMPAIGN, LeadId: old, CreatedDate: at(20) });
    // A backdated import: CreatedDate set through audit fields to last year, SystemModstamp is now.
    const imported = fake.insert('Lead', { Id: salesforceId('00Q', 91), OwnerId: REP, CreatedDate: at(-500_000) });
    fake.insert('CampaignMember', {
      CampaignId: CAMPAIGN,
      LeadId: imported,
      CreatedDate: at(-500_000),
      SystemModstamp: at(21),
    });
    // A late commit: stamped 2 minutes before the last lead we saw, visible only now (inside the 5-minute overlap).
    insertLead(3, 8);
    const second = await adapter.fetchNewLeads(CAMPAIGN, first.watermark);
    expect(second.leads.map((l) => l.leadId).sort()).toEqual([old, imported, salesforceId('00Q', 3)].sort());
    expect(second.leads.find((l) => l.leadId === old)!.createdAt).toBe('2026-01-05T09:20:00.000Z');
    const third = await adapter.fetchNewLeads(CAMPAIGN, second.watermark);
    expect(third.leads).toEqual([]);
    expect(fake.apiRequests().at(-1)!.soql).toMatch(/SystemModstamp >= 2026-01-05T09:16:00Z/);
  });

  it('reads members of the configured Lead field instead when asked', async () => {
    insertLead(1, 0);
    insertLead(2, 1, { Campaign_Id__c: OTHER_CAMPAIGN });
    fake.records('CampaignMember').length = 0;
    const adapter = SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_CAMPAIGN_LEAD_FIELD: 'Campaign_Id__c' });
    const { leads } = await adapter.fetchNewLeads(CAMPAIGN, null);
    expect(leads.map((l) => l.leadId)).toEqual([salesforceId('00Q', 1)]);
    expect(fake.apiRequests()[0].soql).toMatch(/FROM Lead WHERE Campaign_Id__c = /);
  });

  it('resumes from a watermark of the previous release', async () => {
    insertLead(1, 0);
    insertLead(2, 30);
    const { leads } = await crm().fetchNewLeads(CAMPAIGN, `${at(20)}|${salesforceId('00Q', 1)}`);
    expect(leads.map((l) => l.leadId)).toEqual([salesforceId('00Q', 2)]);
  });

  it('rejects a garbled watermark', async () => {
    const failure = await failureOf(crm().fetchNewLeads(CAMPAIGN, 'not-a-watermark'));
    expect(failure.type).toBe('CrmInvalidInput');
    expect(failure.message).toContain('watermark');
  });
});

describe('fetchAttempts', () => {
  it('returns every closed Task and every Event with its Id, time, channel and call disposition', async () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => insertLead(n, 0));
    const call = fake.insert('Task', {
      WhoId: a,
      TaskSubtype: 'Call',
      CallDisposition: 'Left voicemail',
      IsClosed: true,
      CreatedDate: at(10),
    });
    const email = fake.insert('Task', {
      WhoId: a,
      TaskSubtype: 'Email',
      IsClosed: true,
      CreatedDate: at(40),
      CompletedDateTime: at(30),
    });
    const meeting = fake.insert('Event', { WhoId: b, StartDateTime: at(5), CreatedDate: at(1) });
    const sms = fake.insert('Task', { WhoId: c, TaskSubtype: 'Task', Type: 'SMS', IsClosed: true, CreatedDate: at(7) });
    fake.insert('Task', { WhoId: d, TaskSubtype: 'Call', IsClosed: false, CreatedDate: at(1) }); // open: a plan
    const { items } = await crm().fetchAttempts([a, b, c, d], null);
    expect(items).toEqual([
      { leadId: b, activityId: meeting, at: '2026-01-05T09:05:00.000Z', channel: 'meeting', callDisposition: null },
      { leadId: c, activityId: sms, at: '2026-01-05T09:07:00.000Z', channel: 'sms', callDisposition: null },
      {
        leadId: a,
        activityId: call,
        at: '2026-01-05T09:10:00.000Z',
        channel: 'call',
        callDisposition: 'Left voicemail',
      },
      { leadId: a, activityId: email, at: '2026-01-05T09:30:00.000Z', channel: 'email', callDisposition: null },
    ]);
  });

  it('follows activities to the converted contact and never repeats one across polls', async () => {
    const lead = insertLead(1, 0);
    const before = fake.insert('Task', { WhoId: lead, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(5) });
    const meeting = fake.insert('Event', { WhoId: lead, StartDateTime: at(6), CreatedDate: at(6) });
    const adapter = crm();
    const first = await adapter.fetchAttempts([lead], null);
    expect(first.items.map((i) => i.activityId)).toEqual([before, meeting]);
    const convertAt = { at: new Date(Date.parse(at(60))), withOpportunity: true };
    // Only a LeadStatus marked IsConverted converts a lead.
    expect(() => fake.convertLead(lead, { ...convertAt, status: 'Working - Contacted' })).toThrow(
      /INVALID_STATUS|convertedStatus/,
    );
    expect([fake.record('Lead', lead)!.IsConverted, fake.records('LeadHistory'), fake.records('Contact')]).toEqual([
      undefined,
      [],
      [],
    ]);
    const { contactId } = fake.convertLead(lead, convertAt);
    expect(() => fake.convertLead(lead, convertAt)).toThrow(/converted/);
    const after = fake.insert('Task', { WhoId: contactId, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(70) });
    // The lead's 15-character ID names the same record.
    const second = await adapter.fetchAttempts([lead.slice(0, 15)], first.watermark);
    expect(second.items).toEqual([expect.objectContaining({ leadId: lead.slice(0, 15), activityId: after })]);
    expect(fake.records('Task').find((t) => t.Id === before)!.WhoId).toBe(contactId);
    expect(fake.records('Event').find((e) => e.Id === meeting)!.WhoId).toBe(contactId);
    const third = await adapter.fetchAttempts([lead], second.watermark);
    expect(third.items).toEqual([]);
  });

  it('counts a meeting booked ahead when it starts, a meeting logged late, and a moved meeting at its new time, once each', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const read = async (watermark: string | null, untilMinute: number) => {
      const page = await adapter.fetchAttempts(
        [lead],
        watermark,
        new Date(Date.parse(at(untilMinute)) + 999).toISOString(),
      );
      return { ids: page.items.map((i) => [i.activityId, i.at]), watermark: page.watermark };
    };
    const call = fake.insert('Task', { WhoId: lead, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(5) });
    const booked = fake.insert('Event', { WhoId: lead, StartDateTime: at(600), CreatedDate: at(10) });
    const moved = fake.insert('Event', { WhoId: lead, StartDateTime: at(300), CreatedDate: at(11) });
    const first = await read(null, 20);
    expect(first.ids).toEqual([[call, '2026-01-05T09:05:00.000Z']]);
    expect(fake.apiRequests().at(-1)!.soql).toContain('StartDateTime <= 2026-01-05T09:20:00Z');
    // Later activity moves the watermark past both bookings.
    const email = fake.insert('Task', { WhoId: lead, TaskSubtype: 'Email', IsClosed: true, CreatedDate: at(100) });
    Object.assign(fake.record('Event', moved)!, { StartDateTime: at(900), SystemModstamp: at(120) });
    const second = await read(first.watermark, 299);
    expect(second.ids).toEqual([[email, '2026-01-05T10:40:00.000Z']]);
    const logged = fake.insert('Event', { WhoId: lead, StartDateTime: at(-100), CreatedDate: at(400) });
    const third = await read(second.watermark, 600);
    expect(third.ids).toEqual([
      [logged, '2026-01-05T07:20:00.000Z'],
      [booked, '2026-01-05T19:00:00.000Z'],
    ]);
    const fourth = await read(third.watermark, 899);
    expect(fourth.ids).toEqual([]);
    const fifth = await read(fourth.watermark, 900);
    expect(fifth.ids).toEqual([[moved, '2026-01-06T00:00:00.000Z']]);
    expect((await read(fifth.watermark, 2_000)).ids).toEqual([]);
  });

  it('attributes activities to a lead named by its 18-character ID in any casing, once per record', async () => {
    const lead = insertLead(1, 0);
    const task = fake.insert('Task', { WhoId: lead, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(5) });
    const { items } = await crm().fetchAttempts([lead.toLowerCase(), lead, lead.slice(0, 15)], null);
    expect(items).toEqual([expect.objectContaining({ leadId: lead.toLowerCase(), activityId: task })]);
    expect(fake.apiRequests().at(-1)!.soql).toContain(`('${lead.toLowerCase()}')`);
  });

  it.each([
    [10, 3],
    [100, 3],
    [2_000, 30],
  ])('costs ceil(n/200) x 3 calls (conversions, Tasks, Events) for %i open leads', async (n, expectedCalls) => {
    const cost = await measureFirstTouchPollCalls(n);
    expect(cost.apiCalls).toBe(3 * Math.ceil(n / 200));
    expect(cost.apiCalls).toBe(expectedCalls);
    expect(cost.touchesFound).toBe(n - countUntouched(n));
  });
});

describe('fetchStatusChanges and validateLeadStatuses', () => {
  const mapping = {
    'Working - Contacted': { decision: 'accept' as const },
    'Closed - Not Converted': { decision: 'reject' as const, reason: 'Not ICP' },
  };

  it('reads LeadHistory status changes and maps them; unmapped statuses are not dispositions', async () => {
    const [a, b] = [1, 2].map((n) => insertLead(n, 0));
    const adapter = crm();
    await adapter.setLeadStatus(a, 'Working - Contacted');
    await adapter.setLeadStatus(b, 'Closed - Not Converted');
    await adapter.setLeadStatus(b, 'Open - Not Contacted');
    const { items, watermark } = await adapter.fetchStatusChanges([a, b], null, mapping);
    const history = fake.records('LeadHistory');
    expect(items).toEqual([
      expect.objectContaining({ leadId: a, changeId: history[0].Id, outcome: { decision: 'accept' } }),
      expect.objectContaining({
        leadId: b,
        changeId: history[1].Id,
        outcome: { decision: 'reject', reason: 'Not ICP' },
      }),
    ]);
    expect((await adapter.fetchStatusChanges([a, b], watermark, mapping)).items).toEqual([]);
  });

  it('falls back to Lead.Status and LastModifiedDate, one disposition per (lead, status)', async () => {
    const lead = insertLead(1, 0, { Status: 'Working - Contacted', LastModifiedDate: at(9), SystemModstamp: at(9) });
    const adapter = SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_STATUS_SOURCE: 'leadField' });
    const first = await adapter.fetchStatusChanges([lead], null, mapping);
    expect(first.items).toEqual([
      {
        leadId: lead,
        changeId: expect.stringMatching(/^00Q\w+\.status\.[0-9a-f]{12}$/),
        status: 'Working - Contacted',
        outcome: { decision: 'accept' },
        at: '2026-01-05T09:09:00.000Z',
      },
    ]);
    const again = await adapter.fetchStatusChanges([lead], null, mapping);
    expect(again.items[0].changeId).toBe(first.items[0].changeId);
  });

  it('names statuses missing from the LeadStatus picklist, labels and near misses', async () => {
    await fake.close();
    fake = await FakeSalesforce.start({ leadStatuses: ['Working - Contacted', 'Closed - Not Converted'] });
    fake.records('LeadStatus')[0].MasterLabel = 'Working';
    const problems = await crm().validateLeadStatuses([
      'Working - Contacted',
      'Working',
      'closed - not converted',
      'Qualified',
    ]);
    expect(problems).toEqual([
      'Lead status "Working" is a label; use its API name "Working - Contacted"',
      'Lead status "closed - not converted" does not match "Closed - Not Converted" exactly (case and spaces matter)',
      expect.stringContaining('"Qualified" is not in this org\'s LeadStatus picklist'),
    ]);
  });
});

describe('milestone facts: every status change, meetings booked, opportunities', () => {
  const mapping = {
    'Working - Contacted': { decision: 'accept' as const },
    'Closed - Not Converted': { decision: 'reject' as const, reason: 'Not ICP' },
  };
  const WAITING = 'Waiting on customer';
  let clock = 0;
  /** The fake's clock (stamps of writes through the API) at `minute`. */
  const setMinute = (minute: number) => (clock = Date.parse(at(minute)));

  beforeEach(async () => {
    await fake.close();
    setMinute(0);
    fake = await FakeSalesforce.start({
      pageSize: 200,
      now: () => new Date(clock),
      leadStatuses: [
        'Open - Not Contacted',
        'Working - Contacted',
        WAITING,
        'Closed - Converted',
        'Closed - Not Converted',
      ],
    });
  });

  it('returns every LeadHistory status change when asked, unmapped ones without an outcome, each once', async () => {
    const [a, b] = [1, 2].map((n) => insertLead(n, 0));
    const adapter = crm();
    setMinute(10);
    await adapter.setLeadStatus(a, 'Working - Contacted');
    await adapter.setLeadStatus(b, 'Closed - Not Converted');
    setMinute(20);
    await adapter.setLeadStatus(a, WAITING);
    setMinute(30);
    await adapter.setLeadStatus(a, 'Working - Contacted');
    const history = fake.records('LeadHistory').map((row) => String(row.Id));
    const all = await adapter.fetchStatusChanges([a, b], null, mapping, { all: true });
    expect(all.items).toEqual([
      { leadId: a, changeId: history[0], status: 'Working - Contacted', outcome: { decision: 'accept' }, at: iso(10) },
      {
        leadId: b,
        changeId: history[1],
        status: 'Closed - Not Converted',
        outcome: { decision: 'reject', reason: 'Not ICP' },
        at: iso(10),
      },
      { leadId: a, changeId: history[2], status: WAITING, at: iso(20) },
      { leadId: a, changeId: history[3], status: 'Working - Contacted', outcome: { decision: 'accept' }, at: iso(30) },
    ]);
    expect(new Set(all.items.map((c) => c.changeId)).size).toBe(4);
    // Without `all`, the same read returns the dispositions only, and costs the same one call.
    const calls = adapter.apiUsage().callsMade;
    const mapped = await adapter.fetchStatusChanges([a, b], null, mapping);
    expect(mapped.items.map((c) => c.changeId)).toEqual([history[0], history[1], history[3]]);
    expect(adapter.apiUsage().callsMade - calls).toBe(1);
    expect(mapped.watermark).toBe(all.watermark);

    // Next poll: nothing again; a change committed late (stamped before the last one, inside the overlap) and a
    // new one come once each.
    expect((await adapter.fetchStatusChanges([a, b], all.watermark, mapping, { all: true })).items).toEqual([]);
    const late = fake.insert('LeadHistory', {
      LeadId: b,
      Field: 'Status',
      OldValue: 'Closed - Not Converted',
      NewValue: WAITING,
      CreatedDate: at(27),
    });
    setMinute(40);
    await adapter.setLeadStatus(a, WAITING);
    const next = await adapter.fetchStatusChanges([a.slice(0, 15), b], all.watermark, mapping, { all: true });
    expect(next.items.map((c) => [c.leadId, c.changeId, c.status])).toEqual([
      [b, late, WAITING],
      [a.slice(0, 15), fake.records('LeadHistory').at(-1)!.Id, WAITING],
    ]);
    expect((await adapter.fetchStatusChanges([a, b], next.watermark, mapping, { all: true })).items).toEqual([]);
  });

  it('without field history, reads each status the Lead shows, mapped or not, coming back to one included', async () => {
    const lead = insertLead(1, 0, { Status: 'Working - Contacted', LastModifiedDate: at(5), SystemModstamp: at(5) });
    const adapter = SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_STATUS_SOURCE: 'leadField' });
    const first = await adapter.fetchStatusChanges([lead], null, mapping, { all: true });
    setMinute(20);
    await adapter.setLeadStatus(lead, WAITING);
    const second = await adapter.fetchStatusChanges([lead], first.watermark, mapping, { all: true });
    setMinute(40);
    await adapter.setLeadStatus(lead, 'Working - Contacted');
    const third = await adapter.fetchStatusChanges([lead], second.watermark, mapping, { all: true });
    expect([...first.items, ...second.items, ...third.items].map((c) => [c.status, c.at, c.outcome])).toEqual([
      ['Working - Contacted', iso(5), { decision: 'accept' }],
      [WAITING, iso(20), undefined],
      ['Working - Contacted', iso(40), { decision: 'accept' }],
    ]);
    // The change ID names (lead, status): the disposition of the return is a repeat, the poll tells the status
    // events apart by their time (test/crmPollActivity.test.ts).
    expect(third.items[0].changeId).toBe(first.items[0].changeId);
    expect(second.items[0].changeId).not.toBe(first.items[0].changeId);
  });

  it('reads a meeting by when it was booked: one booked ahead comes at once, and is not booked again when moved', async () => {
    const [lead, other] = [1, 2].map((n) => insertLead(n, 0));
    const adapter = crm();
    const ahead = fake.insert('Event', { WhoId: lead, StartDateTime: at(3_000), CreatedDate: at(10) });
    // The invitee's copy of the same meeting (IsChild) is not another booking; another lead's is not this lead's.
    fake.insert('Event', { WhoId: lead, StartDateTime: at(3_000), CreatedDate: at(10), IsChild: true });
    fake.insert('Event', { WhoId: other, StartDateTime: at(50), CreatedDate: at(11) });
    const first = await adapter.fetchMeetingsBooked([lead], null);
    expect(first.items).toEqual([{ leadId: lead, activityId: ahead, at: iso(10) }]);
    expect(fake.apiRequests().at(-1)!.soql).toMatch(
      /FROM Event WHERE WhoId IN .* AND IsChild = false AND CreatedDate <= \S+Z ORDER BY CreatedDate/,
    );
    // As an attempt it waits for its start.
    expect((await adapter.fetchAttempts([lead], null, new Date(Date.parse(at(20))).toISOString())).items).toEqual([]);

    // Rescheduled (SystemModstamp moves), a meeting created late inside the overlap, a new one: once each.
    Object.assign(fake.record('Event', ahead)!, { StartDateTime: at(4_000), SystemModstamp: at(30) });
    const late = fake.insert('Event', { WhoId: lead, StartDateTime: at(9), CreatedDate: at(7) });
    const later = fake.insert('Event', { WhoId: lead, StartDateTime: at(5_000), CreatedDate: at(30) });
    const second = await adapter.fetchMeetingsBooked([lead.slice(0, 15)], first.watermark);
    expect(second.items).toEqual([
      { leadId: lead.slice(0, 15), activityId: late, at: iso(7) },
      { leadId: lead.slice(0, 15), activityId: later, at: iso(30) },
    ]);
    expect(fake.apiRequests().at(-1)!.soql).toContain('CreatedDate >= 2026-01-05T09:05:00Z');
    expect((await adapter.fetchMeetingsBooked([lead], second.watermark)).items).toEqual([]);
    // Moved again long after the watermark went past it: still not a new booking.
    Object.assign(fake.record('Event', ahead)!, { StartDateTime: at(6_000), SystemModstamp: at(200) });
    Object.assign(fake.record('Event', late)!, { SystemModstamp: at(200) });
    expect((await adapter.fetchMeetingsBooked([lead], second.watermark)).items).toEqual([]);
  });

  it('follows meetings to the converted contact without booking the moved ones again', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const before = fake.insert('Event', { WhoId: lead, StartDateTime: at(500), CreatedDate: at(5) });
    const first = await adapter.fetchMeetingsBooked([lead], null);
    expect(first.items.map((m) => m.activityId)).toEqual([before]);
    const mid = fake.insert('Event', { WhoId: lead, StartDateTime: at(600), CreatedDate: at(30) });
    const second = await adapter.fetchMeetingsBooked([lead], first.watermark);
    expect(second.items.map((m) => m.activityId)).toEqual([mid]);
    // Conversion moves both to the new Contact (their SystemModstamp moves, their CreatedDate does not).
    const { contactId } = fake.convertLead(lead, { at: new Date(Date.parse(at(60))), withOpportunity: true });
    expect(fake.record('Event', before)).toMatchObject({ WhoId: contactId, SystemModstamp: at(60) });
    const after = fake.insert('Event', { WhoId: contactId, StartDateTime: at(900), CreatedDate: at(70) });
    const third = await adapter.fetchMeetingsBooked([lead], second.watermark);
    expect(third.items).toEqual([{ leadId: lead, activityId: after, at: iso(70) }]);
    // A first read of a converted lead finds all three, on the contact.
    expect((await adapter.fetchMeetingsBooked([lead], null)).items.map((m) => m.activityId)).toEqual([
      before,
      mid,
      after,
    ]);
  });

  it('pages meetings past the LIMIT without losing or repeating one, ties at the cut included', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm({ maxFetch: 2 });
    const ids = [1, 2, 2, 2, 3].map((minute) =>
      fake.insert('Event', { WhoId: lead, StartDateTime: at(999), CreatedDate: at(minute) }),
    );
    const seen: string[] = [];
    let watermark: string | null = null;
    for (let poll = 0; poll < 4; poll += 1) {
      const page = await adapter.fetchMeetingsBooked([lead], watermark);
      seen.push(...page.items.map((m) => m.activityId));
      watermark = page.watermark;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it("reads the Opportunity a lead was converted into at the Opportunity's CreatedDate, once per lead", async () => {
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) => insertLead(n, 0));
    const adapter = crm();
    const converted = fake.convertLead(a, { at: new Date(Date.parse(at(60))), withOpportunity: true });
    fake.convertLead(b, { at: new Date(Date.parse(at(61))), withOpportunity: false });
    const first = await adapter.fetchOpportunities([a, b, c, d.slice(0, 15), e], null);
    expect(first.items).toEqual([{ leadId: a, opportunityId: converted.opportunityId, at: iso(60) }]);
    expect(fake.apiRequests().at(-1)!.soql).toContain('ConvertedOpportunity.CreatedDate');

    // d is converted into an Opportunity created a week earlier (LeadConvert.opportunityId): found all the same,
    // at that Opportunity's CreatedDate; e into one the integration user cannot see: the conversion's time stands in.
    const existing = fake.insert('Opportunity', { CreatedDate: at(-10_000) });
    fake.convertLead(d, { at: new Date(Date.parse(at(120))), withOpportunity: true, existingOpportunityId: existing });
    const hidden = fake.convertLead(e, { at: new Date(Date.parse(at(121))), withOpportunity: true });
    const opportunities = fake.records('Opportunity');
    opportunities.splice(
      opportunities.findIndex((row) => row.Id === hidden.opportunityId),
      1,
    );
    const second = await adapter.fetchOpportunities([a, b, c, d.slice(0, 15), e], first.watermark);
    expect(second.items).toEqual([
      { leadId: d.slice(0, 15), opportunityId: existing, at: iso(-10_000) },
      { leadId: e, opportunityId: hidden.opportunityId, at: iso(121) },
    ]);
    expect((await adapter.fetchOpportunities([a, b, c, d, e], second.watermark)).items).toEqual([]);
  });

  it('costs nothing more for every status change, 2 calls per 200 leads for meetings and 1 for opportunities', async () => {
    const leads = Array.from({ length: 250 }, (_, i) => insertLead(i + 1, 0));
    const adapter = crm();
    const cost = async (read: () => Promise<unknown>) => {
      const before = adapter.apiUsage().callsMade;
      await read();
      return adapter.apiUsage().callsMade - before;
    };
    await adapter.fetchApiUsage(); // logs in
    expect(await cost(() => adapter.fetchStatusChanges(leads, null, mapping))).toBe(2);
    expect(await cost(() => adapter.fetchStatusChanges(leads, null, mapping, { all: true }))).toBe(2);
    expect(await cost(() => adapter.fetchMeetingsBooked(leads, null))).toBe(4);
    expect(await cost(() => adapter.fetchOpportunities(leads, null))).toBe(2);
  });
});

// Leads i where neither i % 2 === 0 (call) nor i % 3 === 0 (meeting) holds.
function countUntouched(n: number): number {
  let untouched = 0;
  for (let i = 0; i < n; i += 1) if (i % 2 !== 0 && i % 3 !== 0) untouched += 1;
  return untouched;
}

describe('conversions', () => {
  const window = { crmCampaignId: CAMPAIGN, from: '2026-01-05T00:00:00Z', to: '2026-01-07T00:00:00Z' };
  const convert = (lead: string, when: string, withOpportunity = true) =>
    fake.convertLead(lead, { at: new Date(when), withOpportunity });

  it('counts campaign leads by ConvertedDate inside the window, not by CreatedDate', async () => {
    convert(insertLead(1, -100_000), '2026-01-05T10:00:00Z'); // created long before, converted in the window
    convert(insertLead(2, 0), '2026-01-06T23:00:00Z', false);
    convert(insertLead(3, 0), '2026-01-07T00:00:00Z'); // on `to`: outside the half-open window
    insertLead(4, 0, { Status: 'Working - Contacted' }); // created in the window, not converted
    convert(insertLead(5, 0, { Campaign_Id__c: OTHER_CAMPAIGN }), '2026-01-05T10:00:00Z');
    const adapter = crm();
    const conversions = await adapter.fetchConversions({ ...window, convertedStatuses: [], countOpportunities: false });
    expect(conversions).toEqual([
      { leadId: salesforceId('00Q', 1), convertedDate: '2026-01-05', opportunityId: expect.stringMatching(/^006/) },
      { leadId: salesforceId('00Q', 2), convertedDate: '2026-01-06', opportunityId: null },
    ]);
    expect(await adapter.countConversions({ ...window, convertedStatuses: [], countOpportunities: true })).toBe(1);
    // Counted by the org in one COUNT() call, not by fetching rows a fetch would cap.
    expect(await adapter.countConversions({ ...window, convertedStatuses: [], countOpportunities: false })).toBe(2);
    expect(fake.apiRequests().at(-1)!.soql).toMatch(/^SELECT COUNT\(\) FROM CampaignMember WHERE /);
    // ConvertedDate is a date field: compared with date literals.
    expect(fake.apiRequests().at(-1)!.soql).toMatch(
      /Lead\.ConvertedDate >= 2026-01-05 AND Lead\.ConvertedDate <= 2026-01-06/,
    );
  });

  it("reads the ad click a converted lead came from, from the org's own Lead field (offline conversions)", async () => {
    convert(insertLead(1, 0, { GCLID__c: ' Cj0KCQiA-gclid ' }), '2026-01-05T10:00:00Z');
    convert(insertLead(2, 0), '2026-01-05T11:00:00Z'); // no click captured
    const adapter = SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_GCLID_FIELD: 'GCLID__c' });
    const conversions = await adapter.fetchConversions({ ...window, convertedStatuses: [], countOpportunities: false });
    expect(conversions.map((c) => [c.leadId, c.clickId])).toEqual([
      [salesforceId('00Q', 1), { kind: 'gclid', value: 'Cj0KCQiA-gclid' }],
      [salesforceId('00Q', 2), undefined],
    ]);
    expect(fake.apiRequests().at(-1)!.soql).toContain('Lead.ConvertedOpportunityId, Lead.GCLID__c FROM CampaignMember');
    // A field the org does not have is INVALID_FIELD, as in a real org; a field name that is not one is refused early.
    const missing = SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_GCLID_FIELD: 'Gclid_Missing__c' });
    await expect(
      missing.fetchConversions({ ...window, convertedStatuses: [], countOpportunities: false }),
    ).rejects.toThrow(/INVALID_FIELD|No such column/);
    expect(() => SalesforceCrm.fromEnv({ ...refreshTokenEnv(), SALESFORCE_GCLID_FIELD: 'GCLID__c, Name' })).toThrow(
      'SALESFORCE_GCLID_FIELD must be a field API name',
    );
  });

  it('takes the window in the campaign time zone', async () => {
    convert(insertLead(1, 0), '2026-01-05T10:00:00Z');
    const count = await crm().countConversions({
      crmCampaignId: CAMPAIGN,
      from: '2026-01-05T00:00:00-10:00', // 2026-01-05 in Honolulu starts at 10:00Z
      to: '2026-01-06T00:00:00-10:00',
      timeZone: 'Pacific/Honolulu',
      convertedStatuses: [],
      countOpportunities: false,
    });
    expect(count).toBe(1);
  });

  it('rejects an empty or inverted window', async () => {
    const failure = await failureOf(
      crm().countConversions({ ...window, from: window.to, convertedStatuses: [], countOpportunities: false }),
    );
    expect(failure.type).toBe('CrmInvalidInput');
    expect(failure.message).toContain('must be before');
  });
});

describe('writes', () => {
  it('sets owner and status with PATCH and Sforce-Auto-Assign: FALSE, and reads the owner back', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    expect(await adapter.setOwner(lead, OTHER_REP)).toEqual({ stuck: true, actualOwnerId: OTHER_REP });
    await adapter.setLeadStatus(lead, 'Closed - Not Converted');
    expect(fake.records('Lead')[0]).toMatchObject({ OwnerId: OTHER_REP, Status: 'Closed - Not Converted' });
    expect(fake.apiRequests().map((r) => [r.method, r.body ?? r.soql, r.autoAssign])).toEqual([
      ['PATCH', { OwnerId: OTHER_REP }, 'FALSE'],
      ['GET', `SELECT OwnerId FROM Lead WHERE Id = '${lead}'`, undefined],
      ['PATCH', { Status: 'Closed - Not Converted' }, 'FALSE'],
    ]);
  });

  it("reads a 15-character owner back as the 18-character ID Salesforce stores, and answers in the caller's form", async () => {
    const lead = insertLead(1, 0);
    const otherRepShort = OTHER_REP.slice(0, 15); // as copied from a Salesforce URL into the contract
    expect(await crm().setOwner(lead, otherRepShort)).toEqual({ stuck: true, actualOwnerId: otherRepShort });
    // The fake stores what Salesforce would: the case-safe form.
    expect(fake.records('Lead')[0].OwnerId).toBe(OTHER_REP);
    // Written in the 18-character form, it is answered in that form.
    expect(await crm().setOwner(lead, REP)).toEqual({ stuck: true, actualOwnerId: REP });
  });

  it('reports an owner that did not stick (an active assignment rule without the header)', async () => {
    await fake.close();
    const queue = salesforceId('00G', 1);
    fake = await FakeSalesforce.start({ assignmentRuleOwnerId: queue });
    const lead = insertLead(1, 0);
    // The fake applies the rule when the header is missing, as REST does by default.
    await fetchAsClient(`/sobjects/Lead/${lead}`, { method: 'PATCH', body: JSON.stringify({ OwnerId: OTHER_REP }) });
    expect(fake.records('Lead')[0].OwnerId).toBe(queue);
    // The adapter sends FALSE, so its write sticks ...
    expect(await crm().setOwner(lead, OTHER_REP)).toEqual({ stuck: true, actualOwnerId: OTHER_REP });
    // ... and when something else moves the lead anyway, it says so.
    const original = fake.records('Lead')[0];
    Object.defineProperty(original, 'OwnerId', { get: () => queue, set: () => undefined, configurable: true });
    expect(await crm().setOwner(lead, REP)).toEqual({ stuck: false, actualOwnerId: queue });
  });

  it('names the deactivated users among the reps (User.IsActive), matching 15- and 18-character IDs, in batches', async () => {
    const active = fake.insert('User', { Username: 'amara@example.com', IsActive: true });
    const gone = fake.insert('User', { Username: 'bruno@example.com', IsActive: false });
    const goneToo = fake.insert('User', { Username: 'carmen@example.com', IsActive: false });
    const unknownUser = salesforceId('005', 999);
    const reps = [active, gone.slice(0, 15), goneToo, unknownUser, 'rep-not-a-user', '__proto__'];
    expect(await crm().inactiveUsers(reps)).toEqual([gone.slice(0, 15), goneToo]);
    const queries = () =>
      fake.requests.filter((r) => r.method === 'GET' && String(r.soql).includes('FROM User')).length;
    const before = queries();
    expect(await crm({ idBatchSize: 2 }).inactiveUsers(reps)).toEqual([gone.slice(0, 15), goneToo]);
    expect(queries() - before).toBe(2);
    // Nothing to ask about: no call at all.
    expect(await crm().inactiveUsers(['rep-a', 'constructor'])).toEqual([]);
    expect(queries() - before).toBe(2);
  });

  it('refuses a status outside the LeadStatus picklist and any write to a converted lead', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const bad = await failureOf(adapter.setLeadStatus(lead, 'Qualifed'));
    expect(bad.type).toBe('CrmRequestRejected');
    expect(bad.message).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    fake.convertLead(lead, { at: new Date(at(10)), withOpportunity: false });
    const converted = await failureOf(adapter.setOwner(lead, OTHER_REP));
    expect(converted.message).toContain('CANNOT_UPDATE_CONVERTED_LEAD');
  });

  it('creates the follow-up task once on its External ID: a retry finds it and leaves it as the rep has it', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const input = {
      leadId: lead,
      ownerId: REP,
      subject: 'Call back within 1h',
      dueDate: '2026-01-05T15:30:00Z',
      idempotencyKey: 'lead-1:followUp:0',
    };
    const first = await adapter.createFollowUpTask(input);
    // Before our retry lands, the rep finishes the task, hands it to a colleague and rewords it.
    Object.assign(fake.records('Task')[0], {
      Status: 'Completed',
      OwnerId: OTHER_REP,
      Subject: 'Called, left voicemail',
    });
    const retry = await adapter.createFollowUpTask(input);
    expect(first).toEqual({ taskId: expect.stringMatching(/^00T/), created: true });
    expect(retry).toEqual({ taskId: first.taskId, created: false });
    const tasks = fake.records('Task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      WhoId: lead,
      OwnerId: OTHER_REP,
      Subject: 'Called, left voicemail',
      ActivityDate: '2026-01-05',
      Status: 'Completed',
      campaign_sla_key__c: input.idempotencyKey,
    });
    // Create; the retry's create is refused (DUPLICATE_VALUE), and one query finds the task. Nothing is written.
    expect(fake.apiRequests().map((r) => [r.method, r.soql ?? r.path.split('/').slice(-2).join('/')])).toEqual([
      ['POST', 'sobjects/Task'],
      ['POST', 'sobjects/Task'],
      ['GET', "SELECT Id FROM Task WHERE campaign_sla_key__c = 'lead-1:followUp:0' LIMIT 1"],
    ]);

    // Another transaction creates the same key first: our create is refused and finds theirs.
    const theirs = fake.insert('Task', { WhoId: lead, OwnerId: REP, campaign_sla_key__c: 'lead-1:followUp:1' });
    const raced = await adapter.createFollowUpTask({ ...input, idempotencyKey: 'lead-1:followUp:1' });
    expect(raced).toEqual({ taskId: theirs, created: false });
    expect(fake.records('Task').filter((t) => t.campaign_sla_key__c === 'lead-1:followUp:1')).toHaveLength(1);
  });

  it('does not count its own open follow-up task as an attempt, until the rep completes it', async () => {
    await fake.close();
    let now = Date.parse('2026-01-05T09:00:00Z');
    fake = await FakeSalesforce.start({ now: () => new Date(now) });
    const lead = insertLead(1, 0);
    const adapter = crm();
    const input = { leadId: lead, ownerId: REP, subject: 'Follow up', dueDate: '2026-01-06', idempotencyKey: 'l1:f:0' };
    const { taskId } = await adapter.createFollowUpTask(input);
    expect(fake.record('Task', taskId)).toMatchObject({ Status: 'Not Started', IsClosed: false, TaskSubtype: 'Task' });
    const open = await adapter.fetchAttempts([lead], null);
    expect(open.items).toEqual([]);

    const patch = (body: unknown) =>
      fetchAsClient(`/sobjects/Task/${taskId.slice(0, 15)}`, { method: 'PATCH', body: JSON.stringify(body) });
    // IsClosed follows the status; nobody writes it, and a status outside TaskStatus is refused.
    expect(await (await patch({ IsClosed: true })).json()).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }),
    ]);
    expect(await (await patch({ Status: 'Done' })).json()).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }),
    ]);
    now = Date.parse('2026-01-05T11:15:00Z');
    expect((await patch({ Status: 'Completed' })).status).toBe(204);
    const done = await adapter.fetchAttempts([lead], open.watermark);
    expect(done.items).toEqual([
      {
        leadId: lead,
        activityId: taskId,
        at: '2026-01-05T11:15:00.000Z',
        channel: 'other',
        callDisposition: null,
      },
    ]);
    // The retry of our upsert after the rep closed it neither reopens nor re-stamps it.
    now = Date.parse('2026-01-05T12:00:00Z');
    expect(await adapter.createFollowUpTask(input)).toEqual({ taskId, created: false });
    expect(fake.record('Task', taskId)).toMatchObject({
      IsClosed: true,
      CompletedDateTime: '2026-01-05T11:15:00.000+0000',
    });
    expect((await adapter.fetchAttempts([lead], done.watermark)).items).toEqual([]);
  });

  it('refuses a second record with the same External ID, however it is written', async () => {
    const lead = insertLead(1, 0);
    await crm().createFollowUpTask({
      leadId: lead,
      ownerId: REP,
      subject: 'x',
      dueDate: '2026-01-06',
      idempotencyKey: 'k1',
    });
    const post = await fetchAsClient('/sobjects/Task', {
      method: 'POST',
      body: JSON.stringify({ WhoId: lead, Subject: 'copy', campaign_sla_key__c: 'k1' }),
    });
    expect(post.status).toBe(400);
    expect(await post.json()).toEqual([expect.objectContaining({ errorCode: 'DUPLICATE_VALUE' })]);
    const other = fake.insert('Task', { WhoId: lead, campaign_sla_key__c: 'k2' });
    const patch = await fetchAsClient(`/sobjects/Task/${other}`, {
      method: 'PATCH',
      body: JSON.stringify({ campaign_sla_key__c: 'k1' }),
    });
    expect(await patch.json()).toEqual([expect.objectContaining({ errorCode: 'DUPLICATE_VALUE' })]);
    expect(fake.records('Task').map((t) => t.campaign_sla_key__c)).toEqual(['k1', 'k2']);
  });

  it('surfaces Salesforce refusing a write as a non-retryable CrmRequestRejected', async () => {
    const failure = await failureOf(crm().setLeadStatus(salesforceId('00Q', 404), 'Working - Contacted'));
    expect(failure.type).toBe('CrmRequestRejected');
    expect(failure.message).toContain('NOT_FOUND');
  });
});

describe('org setup', () => {
  it('finds an org with the mapped fields and a Unique External ID key ready, from one describe each of Lead and Task', async () => {
    expect(await crm().orgSetupProblems()).toEqual([]);
    expect(fake.apiRequests().map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`)).toEqual(
      expect.arrayContaining(['GET Lead/describe', 'GET Task/describe']),
    );
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it('names a key not marked Unique, with which a retried create makes a second task', async () => {
    await fake.close();
    fake = await FakeSalesforce.start({ externalIdFields: { Task: { campaign_sla_key__c: { unique: false } } } });
    expect(await crm().orgSetupProblems()).toEqual([
      'Task.campaign_sla_key__c is not marked Unique: a retried follow-up task would be created a second time instead of being refused as a duplicate',
    ]);
    // Why it matters: such an org takes the same key twice, so the adapter's retry cannot find its first create.
    const lead = insertLead(1, 0);
    const input = { leadId: lead, ownerId: REP, subject: 'Follow up', dueDate: '2026-01-06', idempotencyKey: 'k' };
    await crm().createFollowUpTask(input);
    await crm().createFollowUpTask(input);
    expect(fake.records('Task').filter((t) => t.campaign_sla_key__c === 'k')).toHaveLength(2);
  });

  it('names every mapped field the org lacks, and a key that is no External ID at all', async () => {
    await fake.close();
    fake = await FakeSalesforce.start({ externalIdFields: {} });
    const adapter = SalesforceCrm.fromEnv(
      { ...refreshTokenEnv(), SALESFORCE_CAMPAIGN_LEAD_FIELD: 'Campaign__c', SALESFORCE_GCLID_FIELD: 'GCLID__c' },
      { fields: { tier: 'Tier__c', owner: 'Owner__c' } },
    );
    expect(await adapter.orgSetupProblems()).toEqual([
      'Lead.Owner__c does not exist or the integration user cannot read it (the lead owner)',
      'Lead.Tier__c does not exist or the integration user cannot read it (the SLA tier)',
      'Lead.Campaign__c does not exist or the integration user cannot read it (the campaign link)',
      'Task.campaign_sla_key__c is not marked External ID and Unique: a retried follow-up task would be created a second time instead of being refused as a duplicate',
    ]);
    const wrongType = crm({ fields: { owner: 'Email', taskIdempotencyKey: 'Missing_Key__c' } });
    expect(await wrongType.orgSetupProblems()).toEqual([
      'Lead.Email is a string field, not reference (the lead owner)',
      'Task.Missing_Key__c does not exist or the integration user cannot read it: the follow-up tasks are created with it as their idempotency key (a Text field marked External ID and Unique)',
    ]);
  });
});

describe('leads deleted or merged away', () => {
  it('refuses writes to a deleted lead for good, and names deleted and merged leads through QueryAll', async () => {
    const live = insertLead(1, 0);
    const master = insertLead(2, 0);
    const merged = insertLead(3, 0);
    const deleted = insertLead(4, 0);
    const purged = salesforceId('00Q', 5); // never held, or gone from the recycle bin: no row even for QueryAll
    fake.insert('Task', { WhoId: merged, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(1) });
    fake.removeLead(merged, new Date(Date.parse(at(2))), master);
    fake.removeLead(deleted, new Date(Date.parse(at(2))));
    const adapter = crm();

    const refused = await failureOf(adapter.setOwner(deleted, OTHER_REP));
    expect(refused).toMatchObject({ type: 'CrmRequestRejected', nonRetryable: true });
    expect(refused.message).toContain('ENTITY_IS_DELETED');
    expect((await failureOf(adapter.setLeadStatus(merged, 'Working - Contacted'))).message).toContain(
      'ENTITY_IS_DELETED',
    );

    const removed = await adapter.removedLeads([live, merged, deleted, purged, merged]);
    expect(removed).toEqual([
      { leadId: merged, mergedInto: master, removedAt: iso(2) },
      { leadId: deleted, mergedInto: null, removedAt: iso(2) },
      { leadId: purged, mergedInto: null },
    ]);
    const lookup = fake.apiRequests().at(-1)!;
    expect(lookup.path).toMatch(/\/queryAll$/);
    // Query leaves them out; the merged lead's call now belongs to the master.
    const attempts = await adapter.fetchAttempts([merged, master], null);
    expect(attempts.items.map((a) => a.leadId)).toEqual([master]);
    expect(await adapter.removedLeads([])).toEqual([]);
  });

  it('reads the leads removed since the watermark through QueryAll, each at its deletion time, once', async () => {
    const live = insertLead(1, 0);
    const master = insertLead(2, 0);
    const merged = insertLead(3, 0);
    const deleted = insertLead(4, 0);
    const later = insertLead(5, 0);
    const notOurs = insertLead(6, 0);
    fake.removeLead(deleted, new Date(Date.parse(at(3))));
    fake.removeLead(merged, new Date(Date.parse(at(2))), master);
    fake.removeLead(notOurs, new Date(Date.parse(at(2))));
    const adapter = crm();
    const ours = [live, master, merged, deleted, later];

    const first = await adapter.fetchRemovedLeads(ours, null, iso(10));
    // By deletion time, merged first; a live lead and a lead outside the list are not there.
    expect(first.items).toEqual([
      { leadId: merged, mergedInto: master, removedAt: iso(2) },
      { leadId: deleted, mergedInto: null, removedAt: iso(3) },
    ]);
    const read = fake.apiRequests().at(-1)!;
    expect(read.path).toMatch(/\/queryAll$/);
    expect(read.soql).toMatch(/IsDeleted = true/);

    // Nothing again from the watermark on; a lead deleted after it comes once, at its own time.
    fake.removeLead(later, new Date(Date.parse(at(12))));
    const second = await adapter.fetchRemovedLeads(ours, first.watermark, iso(20));
    expect(second.items).toEqual([{ leadId: later, mergedInto: null, removedAt: iso(12) }]);
    const third = await adapter.fetchRemovedLeads(ours, second.watermark, iso(30));
    expect(third.items).toEqual([]);
    // The read's bound holds: a deletion after `until` waits for the read that reaches it.
    expect((await adapter.fetchRemovedLeads([live], null, iso(1))).items).toEqual([]);
  });
});

describe('limits', () => {
  it('reports api usage from Sforce-Limit-Info and counts every call, queryMore pages included', async () => {
    for (let i = 1; i <= 250; i += 1) insertLead(i, i);
    const adapter = crm();
    expect(adapter.apiUsage()).toEqual({ used: 0, max: 0, callsMade: 0 });
    await adapter.fetchNewLeads(CAMPAIGN, null);
    expect(adapter.apiUsage()).toEqual({ used: 2, max: 15_000, callsMade: 2 });
    await adapter.setLeadStatus(salesforceId('00Q', 1), 'Working - Contacted');
    expect(adapter.apiUsage()).toEqual({ used: 3, max: 15_000, callsMade: 3 });
    expect(await adapter.fetchApiUsage()).toEqual({ used: 4, max: 15_000, callsMade: 4 });
  });

  it('tells the concurrent limit (back off minutes) from the 24-hour limit (wait for the window)', async () => {
    const adapter = crm({ limitBackoff: { concurrent: '90s', daily: '2h' } });
    fake.failNextCalls('CONCURRENT_REQUESTS');
    const concurrent = await failureOf(adapter.fetchAttempts([salesforceId('00Q', 1)], null));
    expect(concurrent.type).toBe('CrmConcurrentApiLimitExceeded');
    expect(concurrent.nonRetryable).toBe(false);
    expect(concurrent.nextRetryDelay).toBe('90s');
    fake.failNextCalls('TOTAL_REQUESTS');
    const daily = await failureOf(adapter.fetchAttempts([salesforceId('00Q', 1)], null));
    expect(daily.type).toBe('CrmDailyApiLimitExceeded');
    expect(daily.nextRetryDelay).toBe('2h');
    expect(adapter.apiUsage().callsMade).toBe(2);
  });

  it('runs into the concurrent limit while a long-running call holds the only slot, and recovers after it', async () => {
    await fake.close();
    fake = await FakeSalesforce.start({ concurrentLimit: 1 });
    const lead = insertLead(1, 0);
    const adapter = crm();
    await adapter.fetchApiUsage(); // logs in first, so the held call below is an API call
    const release = fake.holdNextCall();
    const slow = adapter.fetchNewLeads(CAMPAIGN, null);
    await expect.poll(() => fake.callsInFlight()).toBe(1);
    const refused = await failureOf(adapter.fetchAttempts([lead], null));
    expect(refused.type).toBe('CrmConcurrentApiLimitExceeded');
    expect(refused.nextRetryDelay).toBe('2m');
    release();
    expect((await slow).leads.map((l) => l.leadId)).toEqual([lead]);
    expect(fake.callsInFlight()).toBe(0);
    expect((await adapter.fetchAttempts([lead], null)).items).toEqual([]);
    // The refused call never counted toward the 24-hour total.
    expect(adapter.apiUsage()).toEqual({ used: 5, max: 15_000, callsMade: 6 });
  });

  it('gives up on a call Salesforce does not answer within the request timeout, and the next call goes through', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm({ requestTimeoutMs: 300 });
    await adapter.fetchApiUsage(); // logs in first, so the held call below is an API call
    const release = fake.holdNextCall();
    const hung = await adapter.fetchNewLeads(CAMPAIGN, null).then(
      () => 'answered',
      (err: Error) => err,
    );
    expect(hung).toBeInstanceOf(Error);
    // A plain error, so Temporal retries the activity; the message says what happened and the real limit.
    expect(hung).not.toBeInstanceOf(ApplicationFailure);
    expect((hung as Error).message).toBe('fetchNewLeads: Salesforce did not answer within 300 ms');
    release();
    expect((await adapter.fetchNewLeads(CAMPAIGN, null)).leads.map((l) => l.leadId)).toEqual([lead]);
  });

  it('gives up on a token request the login server does not answer', async () => {
    const adapter = crm({ requestTimeoutMs: 300 });
    const release = fake.holdNextTokenRequest();
    await expect(adapter.fetchApiUsage()).rejects.toThrow(/timeout|abort/i);
    release();
    await expect(adapter.fetchApiUsage()).resolves.toMatchObject({ max: 15_000 });
  });

  it('runs into the real 24-hour limit of the fake and names the usage', async () => {
    await fake.close();
    fake = await FakeSalesforce.start({ apiLimit: 2 });
    const adapter = crm();
    await adapter.fetchNewLeads(CAMPAIGN, null);
    await adapter.fetchNewLeads(CAMPAIGN, null);
    const failure = await failureOf(adapter.fetchNewLeads(CAMPAIGN, null));
    expect(failure.type).toBe('CrmDailyApiLimitExceeded');
    expect(failure.message).toContain('api-usage 2/2');
  });

  it('agrees with the /limits resource of the fake', async () => {
    insertLead(1, 0);
    const adapter = crm();
    await adapter.fetchNewLeads(CAMPAIGN, null);
    const limits = (await (await fetchAsClient('/limits')).json()) as {
      DailyApiRequests: { Max: number; Remaining: number };
    };
    expect(limits.DailyApiRequests).toEqual({
      Max: adapter.apiUsage().max,
      Remaining: adapter.apiUsage().max - adapter.apiUsage().used - 1,
    });
  });
});

/** A raw REST call with a fresh token, as another client of the org would make it. */
async function fetchAsClient(path: string, init: RequestInit = {}): Promise<Response> {
  const token = (await (
    await fetch(`${fake.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams(refreshTokenEnvGrant()),
    })
  ).json()) as { access_token: string };
  return fetch(`${fake.url}/services/data/v62.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
  });
}

function refreshTokenEnvGrant(): Record<string, string> {
  return {
    grant_type: 'refresh_token',
    client_id: 'fake-client-id',
    client_secret: 'fake-client-secret',
    refresh_token: 'fake-refresh-token',
  };
}

describe('injection attempts', () => {
  it('rejects IDs that are not Salesforce IDs before anything is sent', async () => {
    const adapter = crm();
    for (const attempt of [
      () => adapter.fetchNewLeads(INJECTION, null),
      () => adapter.fetchAttempts([salesforceId('00Q', 1), INJECTION], null),
      () => adapter.setOwner(salesforceId('00Q', 1), INJECTION),
      () =>
        adapter.countConversions({
          crmCampaignId: `${CAMPAIGN}' OR Id != '`,
          from: '2026-01-01T00:00:00Z',
          to: '2026-02-01T00:00:00Z',
          convertedStatuses: [],
          countOpportunities: false,
        }),
    ]) {
      const failure = await failureOf(attempt());
      expect(failure.type).toBe('CrmInvalidInput');
      expect(failure.message).toMatch(/must be a 15 or 18 character Salesforce ID/);
    }
    expect(fake.apiRequests()).toHaveLength(0);
  });

  it('sends free text only as escaped values: status writes and External ID keys', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const bad = await failureOf(adapter.setLeadStatus(lead, INJECTION));
    expect(bad.message).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    const key = `k\\'); DELETE\n"x"/..`;
    const input = { leadId: lead, ownerId: REP, subject: INJECTION, dueDate: '2026-01-06', idempotencyKey: key };
    await adapter.createFollowUpTask(input);
    await adapter.createFollowUpTask(input);
    expect(fake.records('Task')).toHaveLength(1);
    expect(fake.records('Task')[0]).toMatchObject({ campaign_sla_key__c: key, Subject: INJECTION });
  });
});

describe('the fake follows Salesforce', () => {
  it('describes an sObject with its fields, and answers 404 for a type the org does not have', async () => {
    const task = (await (await fetchAsClient('/sobjects/Task/describe')).json()) as {
      name: string;
      fields: { name: string; type: string; externalId: boolean; unique: boolean; createable: boolean }[];
    };
    expect(task.name).toBe('Task');
    expect(task.fields.find((f) => f.name === 'campaign_sla_key__c')).toMatchObject({
      type: 'string',
      externalId: true,
      unique: true,
      createable: true,
    });
    expect(task.fields.find((f) => f.name === 'IsClosed')).toMatchObject({ type: 'boolean', createable: false });
    const unknown = await fetchAsClient('/sobjects/Nothing__c/describe');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
  });

  it('rejects fractional seconds in SOQL dateTime literals and date literals against dateTime fields', async () => {
    const query = async (soql: string) =>
      (await fetchAsClient(`/query?q=${encodeURIComponent(soql)}`)).json() as Promise<unknown>;
    expect(await query('SELECT Id FROM Lead WHERE CreatedDate > 2026-01-05T09:00:00.000Z')).toEqual([
      expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }),
    ]);
    expect(await query('SELECT Id FROM Lead WHERE CreatedDate > 2026-01-05')).toEqual([
      expect.objectContaining({
        errorCode: 'INVALID_FIELD',
        message: expect.stringContaining('must be of type dateTime'),
      }),
    ]);
    expect(await query('SELECT Id FROM Lead WHERE ConvertedDate > 2026-01-05T00:00:00Z')).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    ]);
    expect(await query("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-05T00:00:00Z'")).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    ]);
  });

  it('resolves a parent relationship by its name, not by the ID field, and defaults Event.IsChild to false', async () => {
    const query = async (soql: string) =>
      (await fetchAsClient(`/query?q=${encodeURIComponent(soql)}`)).json() as Promise<unknown>;
    const lead = insertLead(1, 0);
    const { opportunityId } = fake.convertLead(lead, { at: new Date(Date.parse(at(60))), withOpportunity: true });
    expect(
      await query(
        `SELECT Id, ConvertedOpportunity.CreatedDate FROM Lead WHERE ConvertedOpportunity.CreatedDate >= ${at(60).slice(0, 19)}Z`,
      ),
    ).toMatchObject({
      records: [{ Id: lead, ConvertedOpportunity: { attributes: { type: 'Opportunity' }, CreatedDate: at(60) } }],
    });
    expect(await query('SELECT Id, ConvertedOpportunityId.CreatedDate FROM Lead')).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    ]);
    expect(await query('SELECT Id, ConvertedContact.CreatedDate FROM Lead')).toEqual([
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    ]);
    expect(opportunityId).toMatch(/^006/);
    const event = fake.insert('Event', { WhoId: lead, StartDateTime: at(5) });
    expect(await query('SELECT Id FROM Event WHERE IsChild = false')).toMatchObject({ records: [{ Id: event }] });
  });

  it('matches 15- and 18-character IDs, pages at 2,000 by default and expires idle cursors', async () => {
    await fake.close();
    let now = Date.parse('2026-01-05T09:00:00Z');
    fake = await FakeSalesforce.start({ now: () => new Date(now) });
    for (let i = 1; i <= 2_100; i += 1) fake.insert('Lead', { Id: salesforceId('00Q', i), OwnerId: REP });
    const id18 = salesforceId('00Q', 7);
    const byShort = (await (
      await fetchAsClient(`/query?q=${encodeURIComponent(`SELECT Id FROM Lead WHERE Id = '${id18.slice(0, 15)}'`)}`)
    ).json()) as { records: { Id: string }[] };
    expect(byShort.records.map((r) => r.Id)).toEqual([id18]);
    // An 18-character ID is case-insensitive; a 15-character one is not; a suffix Salesforce never writes matches nothing.
    const ids = async (literal: string) =>
      (
        (await (
          await fetchAsClient(`/query?q=${encodeURIComponent(`SELECT Id FROM Lead WHERE Id IN ('${literal}')`)}`)
        ).json()) as { records: { Id: string }[] }
      ).records.map((r) => r.Id);
    expect(await ids(id18.toLowerCase())).toEqual([id18]);
    expect(await ids(id18.slice(0, 15).toLowerCase())).toEqual([]);
    expect(await ids(`${id18.slice(0, 15)}999`)).toEqual([]);
    const page = (await (await fetchAsClient(`/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`)).json()) as {
      records: unknown[];
      nextRecordsUrl: string;
    };
    expect(page.records).toHaveLength(2_000);
    now += 16 * 60_000;
    const expired = await fetchAsClient(page.nextRecordsUrl.replace('/services/data/v62.0', ''));
    expect(await expired.json()).toEqual([expect.objectContaining({ errorCode: 'INVALID_QUERY_LOCATOR' })]);
  });
});
