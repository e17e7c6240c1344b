// Issue 11's time-skipping scenarios driven by Salesforce itself: the real campaign workflow on the time-skipping
// server, polling the real adapter (jsforce) over the fake Salesforce every minute, whose clock follows the server's.
// What a rep or the org does (logging calls, changing a Lead's status, converting it, a trigger moving its owner)
// happens in the fake at a time between polls, so each clock must follow the record's own time, not the poll's.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { salesforceId } from '../activities/crm/salesforceIds';
import type { Crm } from '../activities/ports';
import { campaignSla } from '../workflows/campaignSla';
import { campaignWorkflowId, leadQuery, slaStateQuery } from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import {
  FakeSalesforce,
  salesforceDateTime,
  type FakeSalesforceOptions,
} from './fakes/salesforce/fakeSalesforceServer';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { terminateWhenIdle, testWorker, timeSkippingEnv, type TestWorkerHandle } from './support/temporal';

const TASK_QUEUE = 'salesforce-world';
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const REP_A = salesforceId('005', 11);
const REP_B = salesforceId('005', 12);
/** Where the org's Lead trigger puts every lead it saves (a queue: key prefix 00G). */
const TRIGGER_QUEUE = salesforceId('00G', 1);

const ORG_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Waiting on customer',
  'Closed - No Response',
  'Closed - Converted',
  'Closed - Not Converted',
];
const STATUS_MAPPING = {
  'Working - Contacted': 'accept',
  'Closed - Not Converted': { reject: 'Not ICP' }, // recycle (seed terms' dispositions)
  'Closed - No Response': { reject: 'No response' }, // nurture
};

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: TestWorkerHandle;
let workerRun: Promise<void>;
/** The adapter each campaign's activities get instead of the sandbox CRM. */
const crmOf = new Map<string, Crm>();

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnv(), createTestDatabase()]);
  worker = await testWorker(env, db, {
    taskQueue: TASK_QUEUE,
    wrapCrm: (sandbox, campaignId) => crmOf.get(campaignId) ?? sandbox,
  });
  workerRun = worker.worker.run();
});

afterAll(async () => {
  worker?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

/** The time-skipping server's time, to the whole second (Salesforce stores date-times to the second). */
async function serverNow(): Promise<number> {
  const ms = Number(await env.currentTimeMs());
  return ms - (ms % SECOND);
}

/**
 * A Salesforce org (the fake) whose clock is the time-skipping server's: it is read from the server before every
 * adapter call and every change the test makes, so CreatedDate, SystemModstamp, LeadHistory and the adapter's `now`
 * are all in the workflow's time. `org` is another user's session, for what reps do through the API.
 */
async function salesforceWorld(campaignId: string, options: FakeSalesforceOptions = {}) {
  const clock = { ms: await serverNow() };
  const now = () => new Date(clock.ms);
  const sync = async () => {
    clock.ms = await serverNow();
  };
  const fake = await FakeSalesforce.start({ now, leadStatuses: ORG_STATUSES, ...options });
  const settings = fake.refreshTokenEnv();
  // Every adapter call first takes the server's time (activities run while the server holds time still).
  const following = (crm: SalesforceCrm): Crm =>
    new Proxy(crm, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'apiUsage') return value;
        return async (...args: unknown[]) => {
          await sync();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  crmOf.set(campaignId, following(SalesforceCrm.fromEnv(settings, { now })));
  const org = following(SalesforceCrm.fromEnv(settings, { now }));
  // The campaign's Id (the fake keeps no Campaign rows: CampaignMember.CampaignId names it).
  const crmCampaignId = salesforceId('701', 1);
  let leads = 0;
  return {
    fake,
    org,
    crmCampaignId,
    /** A lead added to the campaign now (Lead and CampaignMember, SystemModstamp = CreatedDate); returns Id and time. */
    async addLead(ownerId = REP_A, tier = 'high-intent'): Promise<{ leadId: string; at: number }> {
      await sync();
      const created = salesforceDateTime(now());
      const leadId = fake.insert('Lead', {
        Id: salesforceId('00Q', ++leads),
        OwnerId: ownerId,
        Status: 'Open - Not Contacted',
        IsConverted: false,
        Lead_Tier__c: tier,
        CreatedDate: created,
      });
      fake.insert('CampaignMember', {
        CampaignId: crmCampaignId,
        LeadId: leadId,
        Status: 'Sent',
        CreatedDate: created,
      });
      return { leadId, at: clock.ms };
    },
    /** A call the rep logs now on a Lead or Contact (Log a Call: a closed Task completed when saved). */
    async logCall(whoId: string): Promise<{ taskId: string; at: number }> {
      await sync();
      const stamp = salesforceDateTime(now());
      const taskId = fake.insert('Task', {
        WhoId: whoId,
        OwnerId: REP_A,
        Subject: 'Call',
        Status: 'Completed',
        IsClosed: true,
        TaskSubtype: 'Call',
        CompletedDateTime: stamp,
        CreatedDate: stamp,
      });
      return { taskId, at: clock.ms };
    },
    /** A rep changes the Lead's status now through the API: field history writes a LeadHistory row. */
    async setStatus(leadId: string, status: string): Promise<{ historyId: string; at: number }> {
      await org.setLeadStatus(leadId, status);
      const history = fake.records('LeadHistory').at(-1)!;
      expect(history).toMatchObject({ LeadId: leadId, NewValue: status });
      return { historyId: String(history.Id), at: Date.parse(String(history.CreatedDate)) };
    },
    /** Converts the lead now, as convertLead() does. */
    async convert(leadId: string, withOpportunity: boolean) {
      await sync();
      return { ...fake.convertLead(leadId, { at: now(), withOpportunity }), at: clock.ms };
    },
  };
}

type World = Awaited<ReturnType<typeof salesforceWorld>>;

/** A campaign on the seed's terms polling the world's Salesforce campaign (every minute unless told). */
async function startCampaign(
  id: string,
  world: World,
  responseSla: Record<string, unknown> = {},
  crmPollEvery = '1m',
): Promise<WorkflowHandle<typeof campaignSla>> {
  const now = Number(await env.currentTimeMs());
  const config = seedTermsConfig({
    id,
    crmPollEvery,
    // A month's flight around today, and no velocity rule: the spend side stays quiet.
    window: { start: iso(now - DAY), end: iso(now + 30 * DAY) },
    velocity: { checkEvery: '1d', rules: [] },
    responseSla: {
      pools: { inbound: { managerId: 'mgr-1', reps: [{ id: REP_A }, { id: REP_B }] } },
      ...responseSla,
    },
  }) as { campaign: { crm: Record<string, unknown> } };
  config.campaign.crm.campaignId = world.crmCampaignId;
  config.campaign.crm.statusMapping = STATUS_MAPPING;
  return env.client.workflow.start(campaignSla, {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(id),
    args: [{ config, publishSearchAttributes: false }],
  });
}

/**
 * A lead worked before the campaign first reads it (six calls a minute apart, accepted at minute 10): the poll reads
 * its whole history, the built-in clocks are all met, and only milestones run.
 */
async function workedAndAccepted(world: World) {
  const { leadId, at: t0 } = await world.addLead();
  for (let i = 1; i <= 6; i++) {
    await sleepUntil(t0 + i * MINUTE);
    await world.logCall(leadId);
  }
  await sleepUntil(t0 + 10 * MINUTE);
  const accepted = await world.setStatus(leadId, 'Working - Contacted');
  return { leadId, t0, accepted };
}

/** Sleeps on the server until `at` (epoch ms). */
async function sleepUntil(at: number): Promise<void> {
  const left = at - Number(await env.currentTimeMs());
  if (left > 0) await env.sleep(left);
}

async function clockOutcome(campaignId: string, leadId: string, clock: string) {
  const { rows } = await db.pool.query(
    `SELECT iso_utc(started_at) AS started_at, iso_utc(deadline) AS deadline, iso_utc(met_at) AS met_at,
            iso_utc(breached_at) AS breached_at, iso_utc(stopped_at) AS stopped_at, paused_ms::float8 AS paused_ms
     FROM clocks WHERE campaign_id = $1 AND lead_id = $2 AND clock = $3`,
    [campaignId, leadId, clock],
  );
  return rows[0] as Record<string, string | number | null> | undefined;
}

async function leadEvents(campaignId: string, leadId: string, kind: string) {
  const { rows } = await db.pool.query(
    `SELECT event_id, iso_utc(at) AS at, detail FROM lead_events
     WHERE campaign_id = $1 AND lead_id = $2 AND kind = $3 ORDER BY at, event_id`,
    [campaignId, leadId, kind],
  );
  return rows as { event_id: string; at: string; detail: Record<string, unknown> }[];
}

describe('campaigns driven by Salesforce (time-skipping, real adapter over the fake)', () => {
  it('meets follow-up depth from six Salesforce Tasks at the sixth Task’s completion, not at the poll', async () => {
    const id = 'sf-six-tasks';
    const world = await salesforceWorld(id);
    const { leadId, at: t0 } = await world.addLead();
    const wf = await startCampaign(id, world);
    try {
      // A call every ten minutes, each 20 seconds past a minute: the poll sees it up to 40 seconds later.
      const calls: { taskId: string; at: number }[] = [];
      for (let i = 0; i < 6; i++) {
        await sleepUntil(t0 + (10 * i + 5) * MINUTE + 20 * SECOND);
        calls.push(await world.logCall(leadId));
      }
      const sixth = calls[5];
      await sleepUntil(sixth.at + 3 * MINUTE);
      const lead = await wf.query(leadQuery, leadId);
      expect(lead).toMatchObject({ attempts: 6, firstTouchAt: iso(calls[0].at) });
      expect(lead?.clocks.firstTouch?.metAt).toBe(iso(calls[0].at));
      expect(lead?.clocks.followUp?.metAt).toBe(iso(sixth.at));
      expect(sixth.at % MINUTE).not.toBe(t0 % MINUTE); // not on a poll's minute
      await expect
        .poll(() => clockOutcome(id, leadId, 'followUp'), { timeout: 20_000 })
        .toMatchObject({ met_at: iso(sixth.at), breached_at: null });
      const contacts = await leadEvents(id, leadId, 'contact');
      expect(contacts.map((e) => [e.event_id, e.at])).toEqual(calls.map((c) => [c.taskId, iso(c.at)]));
      expect(contacts.map((e) => e.detail.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      const state = await wf.query(slaStateQuery);
      expect(state.compliance.breaches).toEqual({ firstTouch: 0, acceptance: 0, followUp: 0 });
    } finally {
      await terminateWhenIdle(wf);
      await world.fake.close();
    }
  });

  it('rejects a lead from its Lead status change with the mapped reason, routed by the reason', async () => {
    const id = 'sf-rejection';
    const world = await salesforceWorld(id);
    const recycled = await world.addLead();
    const nurtured = await world.addLead();
    const wf = await startCampaign(id, world);
    try {
      await sleepUntil(recycled.at + 5 * MINUTE + 20 * SECOND);
      const call = await world.logCall(recycled.leadId);
      await sleepUntil(recycled.at + 12 * MINUTE + 20 * SECOND);
      // Both still open and running.
      expect(await wf.query(leadQuery, recycled.leadId)).toMatchObject({ status: 'open', attempts: 1 });
      const notIcp = await world.setStatus(recycled.leadId, 'Closed - Not Converted');
      const noResponse = await world.setStatus(nurtured.leadId, 'Closed - No Response');
      await sleepUntil(notIcp.at + 3 * MINUTE);
      // Rejected leads leave the book; the disposition counts in the campaign's figures.
      expect(await wf.query(leadQuery, recycled.leadId)).toBeNull();
      expect(await wf.query(leadQuery, nurtured.leadId)).toBeNull();
      const state = await wf.query(slaStateQuery);
      expect(state.openLeads).toBe(0);
      expect(state.compliance).toMatchObject({ accepted: 0, rejected: 2 });
      await expect
        .poll(() => leadEvents(id, recycled.leadId, 'reject'), { timeout: 20_000 })
        .toEqual([
          {
            event_id: notIcp.historyId,
            at: iso(notIcp.at),
            detail: expect.objectContaining({ reason: 'Not ICP', route: 'recycle', ownerId: REP_A }),
          },
        ]);
      await expect
        .poll(() => leadEvents(id, nurtured.leadId, 'reject'), { timeout: 20_000 })
        .toEqual([
          {
            event_id: noResponse.historyId,
            at: iso(noResponse.at),
            detail: expect.objectContaining({ reason: 'No response', route: 'nurture' }),
          },
        ]);
      // The touched lead's first touch was met by the call; the untouched one's stopped at the rejection, so its
      // 1-hour deadline passes without a breach or an escalation (built-in clocks keep no stopped_at row).
      expect(await clockOutcome(id, recycled.leadId, 'firstTouch')).toMatchObject({ met_at: iso(call.at) });
      await sleepUntil(nurtured.at + 70 * MINUTE);
      expect(await clockOutcome(id, nurtured.leadId, 'firstTouch')).toMatchObject({
        deadline: iso(nurtured.at + HOUR),
        met_at: null,
        breached_at: null,
      });
      const steps = await db.pool.query(`SELECT 1 FROM escalation_steps WHERE campaign_id = $1`, [id]);
      expect(steps.rowCount).toBe(0);
      expect((await wf.query(slaStateQuery)).recentBreaches).toEqual([]);
    } finally {
      await terminateWhenIdle(wf);
      await world.fake.close();
    }
  });

  it('counts Tasks logged on the converted Contact toward follow-up depth', async () => {
    const id = 'sf-converted';
    const world = await salesforceWorld(id);
    const { leadId, at: t0 } = await world.addLead();
    const wf = await startCampaign(id, world);
    try {
      const calls: { taskId: string; at: number }[] = [];
      for (let i = 0; i < 2; i++) {
        await sleepUntil(t0 + (10 * i + 5) * MINUTE + 20 * SECOND);
        calls.push(await world.logCall(leadId));
      }
      await sleepUntil(t0 + 25 * MINUTE + 20 * SECOND);
      const conversion = await world.convert(leadId, false);
      // Conversion moved the two Tasks to the Contact (a new SystemModstamp): read again, they count once.
      expect(world.fake.records('Task').every((task) => task.WhoId === conversion.contactId)).toBe(true);
      for (let i = 0; i < 4; i++) {
        await sleepUntil(t0 + (10 * i + 35) * MINUTE + 20 * SECOND);
        calls.push(await world.logCall(conversion.contactId));
      }
      const sixth = calls[5];
      await sleepUntil(sixth.at + 3 * MINUTE);
      const lead = await wf.query(leadQuery, leadId);
      expect(lead).toMatchObject({ attempts: 6 });
      expect(lead?.clocks.followUp?.metAt).toBe(iso(sixth.at));
      await expect
        .poll(() => clockOutcome(id, leadId, 'followUp'), { timeout: 20_000 })
        .toMatchObject({ met_at: iso(sixth.at), breached_at: null });
      const contacts = await leadEvents(id, leadId, 'contact');
      expect(contacts.map((e) => [e.event_id, e.at])).toEqual(calls.map((c) => [c.taskId, iso(c.at)]));
    } finally {
      await terminateWhenIdle(wf);
      await world.fake.close();
    }
  });

  // Twelve simulated days of polls through jsforce and the fake: more than the default minute on a loaded machine.
  it(
    'pauses a milestone while Salesforce says "Waiting on customer", resumes it, and meets it by the conversion',
    {
      timeout: 180_000,
    },
    async () => {
      const id = 'sf-paused-milestone';
      const world = await salesforceWorld(id);
      const { leadId, t0, accepted } = await workedAndAccepted(world);
      // Twelve days of one-minute polls would take half an hour here: the poll runs hourly instead. Every fact below
      // counts at its Salesforce time (LeadHistory.CreatedDate, Opportunity.CreatedDate), whatever the poll's.
      const wf = await startCampaign(
        id,
        world,
        {
          milestones: {
            'opportunity-7d': {
              stop: 'opportunity',
              within: '7d',
              pauseWhile: { status: ['Waiting on customer'] },
            },
          },
        },
        '1h',
      );
      const clock = async () => (await wf.query(leadQuery, leadId))?.clocks['m:opportunity-7d'];
      try {
        await sleepUntil(t0 + DAY + 17 * MINUTE);
        const waiting = await world.setStatus(leadId, 'Waiting on customer');
        // The original deadline (day 7) passes while the lead waits on the customer: no breach.
        await sleepUntil(t0 + 7 * DAY + 2 * HOUR);
        expect(await clock()).toMatchObject({ pausedAt: iso(waiting.at), deadline: iso(t0 + 7 * DAY) });
        expect((await clock())?.breachedAt).toBeUndefined();
        expect((await wf.query(slaStateQuery)).recentBreaches).toEqual([]);
        await sleepUntil(t0 + 8 * DAY + 29 * MINUTE);
        const working = await world.setStatus(leadId, 'Working - Contacted');
        await sleepUntil(working.at + 2 * HOUR);
        const waitedMs = working.at - waiting.at;
        // The time left at the pause, from the resume.
        expect(await clock()).toMatchObject({ deadline: iso(t0 + 7 * DAY + waitedMs), pausedMs: waitedMs });
        expect((await clock())?.pausedAt).toBeUndefined();
        await sleepUntil(t0 + 12 * DAY + 41 * MINUTE);
        const conversion = await world.convert(leadId, true);
        expect(conversion.opportunityId).not.toBeNull();
        await sleepUntil(conversion.at + 2 * HOUR);
        // Met: every clock of the lead is settled, so it has left the book.
        expect(await wf.query(leadQuery, leadId)).toBeNull();
        const state = await wf.query(slaStateQuery);
        expect(state.milestones).toEqual([
          expect.objectContaining({
            name: 'opportunity-7d',
            started: 1,
            met: 1,
            breached: 0,
            pending: 0,
            pausedMs: waitedMs,
          }),
        ]);
        expect(state.recentBreaches).toEqual([]);
        await expect
          .poll(() => clockOutcome(id, leadId, 'm:opportunity-7d'), { timeout: 20_000 })
          .toEqual({
            started_at: iso(t0),
            deadline: iso(t0 + 7 * DAY + waitedMs),
            met_at: iso(conversion.at),
            breached_at: null,
            stopped_at: null,
            paused_ms: waitedMs,
          });
        const statuses = await leadEvents(id, leadId, 'status');
        expect(statuses.map((e) => [e.at, e.detail.status])).toEqual([
          [iso(accepted.at), 'Working - Contacted'],
          [iso(waiting.at), 'Waiting on customer'],
          [iso(working.at), 'Working - Contacted'],
          [iso(conversion.at), 'Closed - Converted'],
        ]);
        expect(await leadEvents(id, leadId, 'stage')).toEqual([
          {
            event_id: `${conversion.opportunityId}.${leadId}`,
            at: iso(conversion.at),
            detail: { stage: 'Opportunity' },
          },
        ]);
        const steps = await db.pool.query(`SELECT 1 FROM escalation_steps WHERE campaign_id = $1`, [id]);
        expect(steps.rowCount).toBe(0);
      } finally {
        await terminateWhenIdle(wf);
        await world.fake.close();
      }
    },
  );

  it('breaches a 7-day opportunity milestone Salesforce shows no conversion for; a later conversion leaves the breach', async () => {
    const id = 'sf-opportunity-breach';
    const world = await salesforceWorld(id);
    const { leadId, t0 } = await workedAndAccepted(world);
    const wf = await startCampaign(
      id,
      world,
      { milestones: { 'opportunity-7d': { stop: 'opportunity', within: '7d', escalate: false } } },
      '1h',
    );
    const breachedRow = {
      started_at: iso(t0),
      deadline: iso(t0 + 7 * DAY),
      met_at: null,
      breached_at: iso(t0 + 7 * DAY),
      stopped_at: null,
      // Never paused.
      paused_ms: null,
    };
    try {
      // Just before day 7 the milestone runs; just after, it has breached at its deadline.
      await sleepUntil(t0 + 7 * DAY - 30 * MINUTE);
      expect((await wf.query(leadQuery, leadId))?.clocks['m:opportunity-7d']).toMatchObject({
        deadline: iso(t0 + 7 * DAY),
      });
      expect((await wf.query(leadQuery, leadId))?.clocks['m:opportunity-7d']?.breachedAt).toBeUndefined();
      await sleepUntil(t0 + 7 * DAY + 2 * HOUR);
      const state = await wf.query(slaStateQuery);
      expect(state.recentBreaches).toEqual([
        expect.objectContaining({ leadId, clock: 'm:opportunity-7d', at: iso(t0 + 7 * DAY) }),
      ]);
      expect(state.milestones).toEqual([
        expect.objectContaining({ name: 'opportunity-7d', started: 1, met: 0, breached: 1, pending: 0 }),
      ]);
      // Every clock of the lead is settled and escalate: false runs no chain, so the lead has left the book.
      expect(await wf.query(leadQuery, leadId)).toBeNull();
      // Ops hear once at the warning and once at the breach.
      const alerts = worker.alerts.filter((a) => a.campaignId === id && a.fields?.leadId === leadId);
      expect(alerts.map((a) => a.title)).toEqual([
        `SLA warning: milestone opportunity-7d for lead ${leadId}`,
        `SLA breach: milestone opportunity-7d for lead ${leadId}`,
      ]);
      expect((await db.pool.query(`SELECT 1 FROM escalation_steps WHERE campaign_id = $1`, [id])).rowCount).toBe(0);
      await expect.poll(() => clockOutcome(id, leadId, 'm:opportunity-7d'), { timeout: 20_000 }).toEqual(breachedRow);

      // Converted on day 9: the breach stands; a lead that left the book is no longer polled.
      await sleepUntil(t0 + 9 * DAY + 13 * MINUTE);
      const conversion = await world.convert(leadId, true);
      expect(conversion.opportunityId).not.toBeNull();
      await sleepUntil(conversion.at + 2 * HOUR);
      expect(await clockOutcome(id, leadId, 'm:opportunity-7d')).toEqual(breachedRow);
      expect((await wf.query(slaStateQuery)).milestones).toEqual([
        expect.objectContaining({ name: 'opportunity-7d', started: 1, met: 0, breached: 1, pending: 0 }),
      ]);
    } finally {
      await terminateWhenIdle(wf);
      await world.fake.close();
    }
  });

  // A reassignment the org's own automation undoes is not a failed step to retry against it (that was a tug of war:
  // 13 owner writes in 30 minutes, the breaching owner kept, the chain stalled): as at intake routing, the owner
  // Salesforce shows stands, the ledger records it, ops hear, and the chain goes on.
  it('lets the owner a Lead trigger puts the lead with stand over the reassignment it undid, and tells ops', async () => {
    const id = 'sf-reassign-undone';
    // A Lead trigger (or record-triggered flow) sends every lead it saves to a queue: Sforce-Auto-Assign: FALSE,
    // which only turns assignment rules off, does not stop it.
    const world = await salesforceWorld(id, { triggerOwnerId: TRIGGER_QUEUE });
    const { leadId, at: t0 } = await world.addLead(REP_A);
    const wf = await startCampaign(id, world);
    try {
      // Nobody calls: the first touch breaches at one hour, the chain notifies the owner, then reassigns at +15 min.
      await sleepUntil(t0 + HOUR + 20 * MINUTE);
      const ownerWrites = world.fake
        .apiRequests()
        .filter((r) => r.method === 'PATCH' && r.path.endsWith(`/sobjects/Lead/${leadId}`));
      expect(ownerWrites[0]).toMatchObject({ body: { OwnerId: REP_B }, autoAssign: 'FALSE' });
      expect(world.fake.record('Lead', leadId)?.OwnerId).toBe(TRIGGER_QUEUE);
      // Detected: the read-back shows the queue, and ops hear of it.
      expect(
        worker.alerts.find((a) => a.campaignId === id && a.title === `Lead ${leadId} reassignment did not stick`)?.text,
      ).toContain(`the CRM shows ${TRIGGER_QUEUE}`);
      // The owner Salesforce shows stands, from the reassignment.
      const lead = await wf.query(leadQuery, leadId);
      expect(lead?.ownerId).toBe(TRIGGER_QUEUE);
      await expect
        .poll(() => leadEvents(id, leadId, 'owner-change'), { timeout: 10_000 })
        .toEqual([expect.objectContaining({ detail: expect.objectContaining({ from: REP_A, to: TRIGGER_QUEUE }) })]);
      // The step is done as far as Salesforce allows: written once, not again and again against the trigger,
      // and the chain goes on to the manager.
      await sleepUntil(t0 + HOUR + 45 * MINUTE);
      expect(
        world.fake.apiRequests().filter((r) => r.method === 'PATCH' && r.path.endsWith(`/sobjects/Lead/${leadId}`)),
      ).toHaveLength(1);
      const steps = await db.pool.query(
        `SELECT step_index, step FROM escalation_steps WHERE campaign_id = $1 ORDER BY step_index`,
        [id],
      );
      expect(steps.rows).toEqual([
        { step_index: 0, step: 'notify-owner' },
        { step_index: 1, step: 'reassign' },
        { step_index: 2, step: 'notify-manager' },
      ]);
    } finally {
      await terminateWhenIdle(wf);
      await world.fake.close();
    }
  });
});
