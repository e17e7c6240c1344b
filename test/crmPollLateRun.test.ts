// The pollCrm activity running after its input.at (queue backlog, a retry after REQUEST_LIMIT_EXCEEDED with its
// 2m/1h nextRetryDelay, a slow worker): every change read stops at input.at, so Salesforce records stamped between
// input.at and the query are left for the next poll instead of being moved past by the watermark and then dropped
// by the activity's `at <= input.at` filter (lost for good before), and they come with their own time.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, expect, it } from 'vitest';
import { createCrmPollActivity, type PollCrmResult } from '../activities/crmPollActivity';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { salesforceId } from '../activities/crm/salesforceIds';
import type { Ledger } from '../activities/ports';
import { FakeSalesforce, salesforceDateTime } from './fakes/salesforce/fakeSalesforceServer';

const CAMPAIGN = salesforceId('701', 1);
const REP = salesforceId('005', 1);
const T0 = Date.parse('2026-01-05T09:00:00Z');
const minute = (n: number) => new Date(T0 + n * 60_000);
let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function world() {
  const clock = { now: minute(0) };
  fake = await FakeSalesforce.start({ now: () => clock.now });
  const crm = SalesforceCrm.fromEnv(fake.refreshTokenEnv());
  const admitted: string[] = [];
  const ledger = { openLeadIds: async () => [...admitted] } as unknown as Ledger;
  const { pollCrm } = createCrmPollActivity({
    ports: { crm: async () => crm, ads: async () => Promise.reject(new Error('unused')) },
    ledger,
  });
  const poll = async (watermark: string | null, at: Date): Promise<PollCrmResult> => {
    const result: PollCrmResult = await new MockActivityEnvironment().run(pollCrm, {
      campaignId: 'demo',
      crmCampaignId: CAMPAIGN,
      watermark,
      acceptNewLeads: true,
      at: at.toISOString(),
    });
    admitted.push(...result.leads.map((l) => l.leadId));
    return result;
  };
  const lead = fake.insert('Lead', {
    Id: salesforceId('00Q', 1),
    OwnerId: REP,
    Status: 'Open - Not Contacted',
    IsConverted: false,
    CreatedDate: salesforceDateTime(minute(0)),
  });
  fake.insert('CampaignMember', { CampaignId: CAMPAIGN, LeadId: lead, CreatedDate: salesforceDateTime(minute(0)) });
  return { fake, clock, poll, lead };
}

it('hands out a call logged after input.at but before the late-running poll read it', async () => {
  const { fake, clock, poll, lead } = await world();
  clock.now = minute(1);
  const first = await poll(null, minute(1));
  expect(first.leads.map((l) => l.leadId)).toEqual([lead]);
  clock.now = minute(10);
  const second = await poll(first.watermark, minute(10));

  // The poll is scheduled at minute 19; it runs (or is retried) at minute 20, after a call was logged at 20.
  fake.insert('Task', {
    WhoId: lead,
    TaskSubtype: 'Call',
    Status: 'Completed',
    IsClosed: true,
    CompletedDateTime: salesforceDateTime(minute(20)),
    CreatedDate: salesforceDateTime(minute(20)),
  });
  clock.now = minute(20);
  const late = await poll(second.watermark, minute(19));
  clock.now = minute(30);
  const next = await poll(late.watermark, minute(30));

  const contacts = [...late.events, ...next.events].filter((e) => e.type === 'contact');
  expect(contacts.map((e) => e.at)).toEqual([minute(20).toISOString()]);
});

it('hands out a meeting booked ahead that started between input.at and a late poll', async () => {
  const { fake, clock, poll, lead } = await world();
  clock.now = minute(1);
  const first = await poll(null, minute(1));
  // Booked at minute 2 (stamped then) to start at minute 19:30.
  fake.insert('Event', {
    WhoId: lead,
    StartDateTime: salesforceDateTime(new Date(minute(19).getTime() + 30_000)),
    CreatedDate: salesforceDateTime(minute(2)),
  });
  clock.now = minute(10);
  const second = await poll(first.watermark, minute(10));
  // The poll scheduled at minute 19 runs at minute 26; an unrelated call was logged at 26 (moves the watermark).
  fake.insert('Task', {
    WhoId: lead,
    TaskSubtype: 'Call',
    Status: 'Completed',
    IsClosed: true,
    CompletedDateTime: salesforceDateTime(minute(26)),
    CreatedDate: salesforceDateTime(minute(26)),
  });
  clock.now = minute(26);
  const late = await poll(second.watermark, minute(19));
  clock.now = minute(30);
  const next = await poll(late.watermark, minute(30));
  const meetings = [...late.events, ...next.events].filter((e) => e.type === 'contact' && e.channel === 'meeting');
  expect(meetings.map((e) => e.at)).toEqual([new Date(minute(19).getTime() + 30_000).toISOString()]);
});

// Controls: the same worlds polled on time (input.at = the Salesforce clock) hand both out; these pass.
it('control: the call is handed out when the poll runs on time', async () => {
  const { fake, clock, poll, lead } = await world();
  clock.now = minute(1);
  const first = await poll(null, minute(1));
  clock.now = minute(10);
  const second = await poll(first.watermark, minute(10));
  fake.insert('Task', {
    WhoId: lead,
    TaskSubtype: 'Call',
    Status: 'Completed',
    IsClosed: true,
    CompletedDateTime: salesforceDateTime(minute(20)),
    CreatedDate: salesforceDateTime(minute(20)),
  });
  clock.now = minute(20);
  const onTime = await poll(second.watermark, minute(20));
  expect(onTime.events.filter((e) => e.type === 'contact').map((e) => e.at)).toEqual([minute(20).toISOString()]);
});

it('control: the meeting is handed out when the poll runs on time', async () => {
  const { fake, clock, poll, lead } = await world();
  clock.now = minute(1);
  const first = await poll(null, minute(1));
  fake.insert('Event', {
    WhoId: lead,
    StartDateTime: salesforceDateTime(new Date(minute(19).getTime() + 30_000)),
    CreatedDate: salesforceDateTime(minute(2)),
  });
  clock.now = minute(10);
  const second = await poll(first.watermark, minute(10));
  clock.now = minute(26);
  const onTime = await poll(second.watermark, minute(26));
  const meetings = onTime.events.filter((e) => e.type === 'contact' && e.channel === 'meeting');
  expect(meetings.map((e) => e.at)).toEqual([new Date(minute(19).getTime() + 30_000).toISOString()]);
});
