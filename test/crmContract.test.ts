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
  return {
    SALESFORCE_INSTANCE_URL: fake.url,
    SALESFORCE_CLIENT_ID: 'fake-client-id',
    SALESFORCE_CLIENT_SECRET: 'fake-client-secret',
    SALESFORCE_REFRESH_TOKEN: 'fake-refresh-token',
  };
}

function crm(options: Omit<SalesforceCrmOptions, 'settings'> = {}): SalesforceCrm {
  return SalesforceCrm.fromEnv(refreshTokenEnv(), options);
}

function at(minute: number): string {
  return salesforceDateTime(new Date(Date.parse('2026-01-05T09:00:00Z') + minute * 60_000));
}

function insertLead(n: number, minute: number, fields: Record<string, unknown> = {}): string {
  return fake.insert('Lead', {
    Id: salesforceId('00Q', n),
    OwnerId: REP,
    Campaign_Id__c: CAMPAIGN,
    CreatedDate: at(minute),
    ...fields,
  });
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
    const failure = await failureOf(crm().setLeadStatus(insertLead(1, 0), 'Working'));
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
    insertLead(1, 0, { CreatedDate: 'yesterday-ish' });
    const failure = await failureOf(crm().fetchNewLeads(CAMPAIGN, null));
    expect(failure.type).toBe('CrmMalformedRecord');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(salesforceId('00Q', 1));
    expect(failure.message).toContain('CreatedDate');

    fake.records('Lead').length = 0;
    fake.records('Lead').push({ OwnerId: REP, Campaign_Id__c: CAMPAIGN, CreatedDate: at(0) });
    const missingId = await failureOf(crm().fetchNewLeads(CAMPAIGN, null));
    expect(missingId.message).toMatch(/Lead record #0 is malformed: Id/);
  });

  it('rejects a garbled watermark', async () => {
    const failure = await failureOf(crm().fetchNewLeads(CAMPAIGN, 'not-a-watermark'));
    expect(failure.type).toBe('CrmInvalidInput');
    expect(failure.message).toContain('watermark');
  });
});

describe('fetchFirstTouches', () => {
  it('returns the earliest closed Task or Event per lead with its channel', async () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => insertLead(n, 0));
    fake.insert('Task', { WhoId: a, TaskSubtype: 'Email', IsClosed: true, CreatedDate: at(30) });
    fake.insert('Task', { WhoId: a, TaskSubtype: 'Call', IsClosed: true, CreatedDate: at(10) });
    fake.insert('Event', { WhoId: a, CreatedDate: at(20) });
    fake.insert('Event', { WhoId: b, CreatedDate: at(5) });
    fake.insert('Task', { WhoId: b, TaskSubtype: 'Task', Type: 'Meeting', IsClosed: true, CreatedDate: at(9) });
    fake.insert('Task', { WhoId: c, TaskSubtype: 'Task', Type: 'SMS', IsClosed: true, CreatedDate: at(7) });
    fake.insert('Task', { WhoId: d, TaskSubtype: 'Call', IsClosed: false, CreatedDate: at(1) }); // open: not a touch
    const touches = await crm().fetchFirstTouches([a, b, c, d]);
    expect(touches).toEqual([
      { leadId: a, at: '2026-01-05T09:10:00.000Z', channel: 'call' },
      { leadId: b, at: '2026-01-05T09:05:00.000Z', channel: 'meeting' },
      { leadId: c, at: '2026-01-05T09:07:00.000Z', channel: 'sms' },
    ]);
  });

  it.each([
    [10, 2],
    [100, 2],
    [2_000, 20],
  ])('costs ceil(n/200) calls per sObject for %i open leads', async (n, expectedCalls) => {
    const cost = await measureFirstTouchPollCalls(n);
    expect(cost.apiCalls).toBe(2 * Math.ceil(n / 200));
    expect(cost.apiCalls).toBe(expectedCalls);
    expect(cost.touchesFound).toBe(n - countUntouched(n));
  });
});

// Leads i where neither i % 2 === 0 (call) nor i % 3 === 0 (meeting) holds.
function countUntouched(n: number): number {
  let untouched = 0;
  for (let i = 0; i < n; i += 1) if (i % 2 !== 0 && i % 3 !== 0) untouched += 1;
  return untouched;
}

describe('countConversions', () => {
  const window = { crmCampaignId: CAMPAIGN, from: '2026-01-05T09:00:00Z', to: '2026-01-05T10:00:00Z' };

  it('counts campaign leads created in the window that converted or reached a converted status', async () => {
    insertLead(1, 0, { Status: 'Qualified' });
    insertLead(2, 10, { IsConverted: true, Status: 'Closed - Converted' });
    insertLead(3, 20, { Status: 'Working' });
    insertLead(4, 59, { Status: 'Qualified' });
    insertLead(5, 60, { Status: 'Qualified' }); // at `to`: outside the half-open window
    insertLead(6, 30, { Status: 'Qualified', Campaign_Id__c: OTHER_CAMPAIGN });
    const adapter = crm();
    expect(
      await adapter.countConversions({ ...window, convertedStatuses: ['Qualified'], countOpportunities: false }),
    ).toBe(3);
    expect(await adapter.countConversions({ ...window, convertedStatuses: [], countOpportunities: false })).toBe(1);
    expect(fake.apiRequests().at(-1)!.soql).toMatch(/^SELECT COUNT\(\) FROM Lead/);
  });

  it('counts Opportunities from the campaign instead when asked', async () => {
    fake.insert('Opportunity', { CampaignId: CAMPAIGN, CreatedDate: at(5) });
    fake.insert('Opportunity', { CampaignId: CAMPAIGN, CreatedDate: at(120) });
    fake.insert('Opportunity', { CampaignId: OTHER_CAMPAIGN, CreatedDate: at(5) });
    insertLead(1, 0, { Status: 'Qualified' });
    expect(
      await crm().countConversions({ ...window, convertedStatuses: ['Qualified'], countOpportunities: true }),
    ).toBe(1);
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
  it('sets the owner and the status with PATCH', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    await adapter.setOwner(lead, OTHER_REP);
    await adapter.setLeadStatus(lead, 'Nurture');
    expect(fake.records('Lead')[0]).toMatchObject({ OwnerId: OTHER_REP, Status: 'Nurture' });
    expect(fake.apiRequests().map((r) => [r.method, r.body])).toEqual([
      ['PATCH', { OwnerId: OTHER_REP }],
      ['PATCH', { Status: 'Nurture' }],
    ]);
  });

  it('creates a follow-up task once per idempotency key, even when retried', async () => {
    const lead = insertLead(1, 0);
    const adapter = crm();
    const input = {
      leadId: lead,
      ownerId: REP,
      subject: 'Call back within 1h',
      dueDate: '2026-01-05T15:30:00Z',
      idempotencyKey: 'lead-1:followUp:0',
    };
    await adapter.createFollowUpTask(input);
    await adapter.createFollowUpTask(input);
    const tasks = fake.records('Task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      WhoId: lead,
      OwnerId: REP,
      ActivityDate: '2026-01-05',
      Status: 'Not Started',
      IsClosed: false,
      campaign_sla_key__c: input.idempotencyKey,
    });
    expect(fake.apiRequests().map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('surfaces Salesforce refusing a write as a non-retryable CrmRequestRejected', async () => {
    const failure = await failureOf(crm().setLeadStatus(salesforceId('00Q', 404), 'Working'));
    expect(failure.type).toBe('CrmRequestRejected');
    expect(failure.message).toContain('NOT_FOUND');
  });
});

describe('limits', () => {
  it('reports api usage from Sforce-Limit-Info and counts every call, queryMore pages included', async () => {
    for (let i = 1; i <= 250; i += 1) insertLead(i, i);
    const adapter = crm();
    expect(adapter.apiUsage()).toEqual({ used: 0, max: 0, callsMade: 0 });
    await adapter.fetchNewLeads(CAMPAIGN, null);
    expect(adapter.apiUsage()).toEqual({ used: 2, max: 15_000, callsMade: 2 });
    await adapter.setOwner(salesforceId('00Q', 1), OTHER_REP);
    expect(adapter.apiUsage()).toEqual({ used: 3, max: 15_000, callsMade: 3 });
  });

  it('turns REQUEST_LIMIT_EXCEEDED into a retryable CrmRateLimited with a back-off delay', async () => {
    fake.failNextCalls('REQUEST_LIMIT_EXCEEDED');
    const adapter = crm({ rateLimitRetryDelay: '90s' });
    const failure = await failureOf(adapter.fetchFirstTouches([salesforceId('00Q', 1)]));
    expect(failure.type).toBe('CrmRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe('90s');
    expect(adapter.apiUsage().callsMade).toBe(1);
  });

  it('agrees with the /limits resource of the fake', async () => {
    insertLead(1, 0);
    const adapter = crm();
    await adapter.fetchNewLeads(CAMPAIGN, null);
    const token = (await (
      await fetch(`${fake.url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams(refreshTokenEnvGrant()),
      })
    ).json()) as { access_token: string };
    const limits = (await (
      await fetch(`${fake.url}/services/data/v62.0/limits`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      })
    ).json()) as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests).toEqual({
      Max: adapter.apiUsage().max,
      Remaining: adapter.apiUsage().max - adapter.apiUsage().used - 1,
    });
  });
});

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
      () => adapter.fetchFirstTouches([salesforceId('00Q', 1), INJECTION]),
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

  it('escapes strings so the fake receives the injection attempt as one literal', async () => {
    insertLead(1, 0, { Status: INJECTION });
    insertLead(2, 1, { Status: 'Working' });
    const adapter = crm();
    const count = await adapter.countConversions({
      crmCampaignId: CAMPAIGN,
      from: '2026-01-05T00:00:00Z',
      to: '2026-01-06T00:00:00Z',
      convertedStatuses: [INJECTION],
      countOpportunities: false,
    });
    expect(count).toBe(1);
    expect(fake.apiRequests()[0].soql).toContain(String.raw`'\' OR Name != \''`);

    const lead = salesforceId('00Q', 1);
    const key = `k\\'); DELETE\n"x"`;
    await adapter.createFollowUpTask({
      leadId: lead,
      ownerId: REP,
      subject: INJECTION,
      dueDate: '2026-01-06',
      idempotencyKey: key,
    });
    await adapter.createFollowUpTask({
      leadId: lead,
      ownerId: REP,
      subject: INJECTION,
      dueDate: '2026-01-06',
      idempotencyKey: key,
    });
    expect(fake.records('Task')).toHaveLength(1);
    expect(fake.records('Task')[0]).toMatchObject({ campaign_sla_key__c: key, Subject: INJECTION });
  });
});
