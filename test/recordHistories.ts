// Records workflow histories for the replay test (test/replay.test.ts): one scenario per path a campaign
// takes — lead clocks and escalation chains, proposals approved, rejected, expired and auto-approved,
// amendments, its own quarter close and a refused backfill, CRM-poll intake, milestones paused, met, breached and
// read from the CRM, several continues-as-new, and
// activities retried against failing adapters — and for the quarterly reset workflow (a scheduled run and a
// backfill against a campaign). Run it after an intended, versioned change to workflow code:
// `npm run record-histories -- <label> [scenario...]` writes test/fixtures/histories/<label>/ (default: today's
// date; every scenario unless some are named) and
// leaves older labels in place, so the runs those releases started keep replaying. It runs on the
// time-skipping server with the composition root's worker, ledger (embedded Postgres) and sandbox adapters; a
// hand-over held up by a ledger outage, and alerts sent while a drain waits on one, run on a dev server, in real time.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { faultPlanSchema, type FaultPlan } from '../activities/faults/faultPlan';
import { createResetActivities } from '../activities/resetActivities';
import { workflowBundle } from '../runtime/campaignWorker';
import { composeCampaignSla, type CampaignSla } from '../runtime/compositionRoot';
import { quarterBackfill } from '../runtime/quarterBackfill';
import { previousQuarter, quarterOf } from '../sla/quarter';
import { quarterlyReset as quarterlyResetWorkflow } from '../workflows/quarterlyReset';
import { startPostgres } from '../runtime/dev/embeddedPostgres';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  amendSlaUpdate,
  campaignWorkflowId,
  decideProposalUpdate,
  recordLeadEventsUpdate,
  rollQuarterUpdate,
} from '../workflows/messages';
import type { LeadEvent } from '../sla/leadEvents';
import { steadyUpdatesUntilHandOver } from '../scripts/bench/steadyUpdates';
import { seedTermsConfig } from './support/campaignConfig';
import { admitLeadDueIn, admitStandardLeads, callsUntilHandOverIsDue, handedOver } from './support/handOverScenario';
import { devServer } from './support/devServer';
import { terminateWhenIdle } from './support/terminateWhenIdle';
import { timeSkippingServer } from './support/timeSkippingServer';
import { nextPendingProposal } from './support/proposals';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'record-histories';

/** Binary protobuf: exact, compact, and independent of JSON mapping differences between SDK versions. */
const encodeHistory = (history: temporal.api.history.v1.IHistory) =>
  temporal.api.history.v1.History.encode(history).finish();

type Env = TestWorkflowEnvironment;
type Campaign = WorkflowHandleWithFirstExecutionRunId<typeof campaignSla>;
type Recorded = Pick<WorkflowHandleWithFirstExecutionRunId, 'workflowId' | 'firstExecutionRunId'>;
type Save = (name: string, handle: Recorded) => Promise<void>;
const iso = (ms: number) => new Date(ms).toISOString();

function startCampaign(env: Env, config: Record<string, unknown>, taskQueue = TASK_QUEUE): Promise<Campaign> {
  const id = (config.campaign as { id: string }).id;
  return env.client.workflow.start(campaignSla, {
    taskQueue,
    workflowId: campaignWorkflowId(id),
    args: [{ config, publishSearchAttributes: false }],
  });
}

/** Lead clocks: intake, a touch, a warning, a breach with its escalation chain (reassign, nurture), a disposition and a stage change. */
async function leadClocks(env: Env, save: Save): Promise<void> {
  const leads = await startCampaign(env, seedTermsConfig({ id: 'replay-leads' }));
  const now = async () => Number(await env.currentTimeMs());
  const t0 = await now();
  await leads.executeUpdate(admitLeadsUpdate, {
    args: [
      {
        leads: [
          { leadId: 'R-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) },
          { leadId: 'R-2', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(t0) },
          { leadId: 'R-3', tier: 'standard', ownerId: 'rep-c', createdAt: iso(t0) },
        ],
      },
    ],
  });
  await env.sleep(20 * MINUTE);
  await leads.executeUpdate(recordLeadEventsUpdate, {
    args: [
      {
        events: [
          { type: 'contact', leadId: 'R-1', eventId: 'c-1', channel: 'call', at: iso(await now()) },
          { type: 'disposition', leadId: 'R-1', eventId: 'd-1', decision: 'accept', at: iso(await now()) },
          { type: 'stage', leadId: 'R-1', eventId: 's-1', stage: 'SQL', at: iso(await now()) },
        ],
      },
    ],
  });
  // At deadline + 8 min: a touch made on time, reported late (inside the allowed lateness), and a rejection
  // before any touch.
  await env.sleep(48 * MINUTE);
  await leads.executeUpdate(recordLeadEventsUpdate, {
    args: [
      {
        events: [
          { type: 'contact', leadId: 'R-2', eventId: 'c-2', channel: 'email', at: iso(t0 + 30 * MINUTE) },
          {
            type: 'disposition',
            leadId: 'R-3',
            eventId: 'd-3',
            decision: 'reject',
            reason: 'Not ICP',
            at: iso(await now()),
          },
        ],
      },
    ],
  });
  await env.sleep(3 * HOUR);
  await save('lead-clocks', leads);
}

/** The sandbox CRM, Ads and ledger failing half the time: activities retried, steps and checks done on a later attempt. */
const FAULTS_TASK_QUEUE = 'record-histories-faults';
const FAULT_PLAN: FaultPlan = {
  seed: 'record-histories',
  crm: {
    rateLimited: 0.25,
    retryAfterSeconds: 1,
    serverError: 0.25,
    timeout: 0,
    timeoutMs: 1,
    latencyMs: 0,
    outages: [],
  },
  ads: { rateLimited: 0, retryAfterSeconds: 1, serverError: 0.5, timeout: 0, timeoutMs: 1, latencyMs: 0, outages: [] },
  ledger: {
    rateLimited: 0,
    retryAfterSeconds: 1,
    serverError: 0.5,
    timeout: 0,
    timeoutMs: 1,
    latencyMs: 0,
    outages: [],
  },
};

/** Fault retries: intake, breaches and their escalation chains, velocity checks, all against failing adapters. */
async function faultRetries(env: Env, save: Save): Promise<void> {
  const campaign = await startCampaign(env, seedTermsConfig({ id: 'replay-faults' }), FAULTS_TASK_QUEUE);
  const t0 = Number(await env.currentTimeMs());
  await campaign.executeUpdate(admitLeadsUpdate, {
    args: [
      {
        leads: ['F-1', 'F-2', 'F-3', 'F-4'].map((leadId, i) => ({
          leadId,
          tier: i < 2 ? 'high-intent' : 'standard',
          ownerId: 'rep-a',
          createdAt: iso(t0),
        })),
      },
    ],
  });
  await env.sleep(10 * MINUTE);
  await campaign.executeUpdate(recordLeadEventsUpdate, {
    args: [
      { events: [{ type: 'contact', leadId: 'F-1', eventId: 'fc-1', channel: 'call', at: iso(t0 + 5 * MINUTE) }] },
    ],
  });
  // Long enough for every escalation chain to run out; on skipped time a lease held by a failed attempt makes the
  // next attempts of an alert wait until it expires in wall-clock time, so attempt numbers run into the hundreds.
  await env.sleep(DAY);
  await save('fault-retries', campaign);
}

/** Proposals: approved; rejected; expired; a reduce auto-approved by policy. */
async function proposals(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const campaign = await startCampaign(
    env,
    seedTermsConfig({
      id: 'replay-proposals',
      window: { start: iso(t0 - 8 * DAY), end: iso(t0 + 30 * DAY) },
      velocity: {
        checkEvery: '6h',
        rules: [
          { kind: 'cpl-above-band', action: 'reduce', pct: 10 },
          { kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' },
        ],
      },
      approvals: {
        approvers: ['ops-lead-1'],
        timeout: '2h',
        onTimeout: 'reject',
        autoApprove: { reduceUpToPct: 10, pause: false },
      },
    }),
  );
  const seen = new Set<string>();
  const decide = async (decision: 'approve' | 'reject') => {
    const pending = await nextPendingProposal(env, campaign, seen);
    await campaign.executeUpdate(decideProposalUpdate, {
      args: [{ proposalId: pending.proposalId, decision, approver: 'ops-lead-1', reason: `recording: ${decision}` }],
    });
  };
  await decide('reject');
  // The next one waits out its 2 h and expires; the one after is approved.
  await nextPendingProposal(env, campaign, seen);
  await env.sleep(3 * HOUR);
  await decide('approve');
  await env.sleep(HOUR);
  await save('proposals', campaign);
}

/** An amendment, the campaign closing its own quarter, and Updates it refuses (a backfill of an old quarter, a bad amendment). */
async function amendAndQuarter(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const config = seedTermsConfig({ id: 'replay-quarter', window: { start: iso(t0 - DAY), end: iso(t0 + 200 * DAY) } });
  const campaign = await startCampaign(env, config);
  await campaign.executeUpdate(admitLeadsUpdate, {
    args: [{ leads: [{ leadId: 'Q-1', tier: 'standard', ownerId: 'rep-a', createdAt: iso(t0) }] }],
  });
  await env.sleep(HOUR);
  const responseSla = config.responseSla as Record<string, unknown>;
  await campaign.executeUpdate(amendSlaUpdate, {
    args: [{ ...config, version: 2, responseSla: { ...responseSla, intakeSkew: '10m' } }],
  });
  await campaign.executeUpdate(amendSlaUpdate, { args: [{ ...config, version: 1 }] }).catch(() => undefined);
  await campaign.executeUpdate(rollQuarterUpdate, { args: [{ quarter: '1900-Q1' }] }).catch(() => undefined);
  // Past the quarter's end in the campaign's zone: it closes the quarter itself.
  await env.sleep(100 * DAY);
  await campaign.executeUpdate(admitLeadsUpdate, {
    args: [
      {
        leads: [
          { leadId: 'Q-2', tier: 'high-intent', ownerId: 'rep-b', createdAt: iso(Number(await env.currentTimeMs())) },
        ],
      },
    ],
  });
  await env.sleep(2 * HOUR);
  await save('amend-and-quarter', campaign);
}

/**
 * The quarterly reset workflow (what the Schedule and `campaign-sla schedule backfill` start) against a campaign:
 * once for the quarter that just ended (the campaign closed it itself: already rolled), once as a backfill of the
 * quarter before (not live any more: its report rebuilt from the ledger); a campaign gone since it was listed fails
 * on its own without blocking the others. The time-skipping server has no visibility API, so the listing is fixed.
 */
const RESET_TASK_QUEUE = 'record-histories-reset';
async function quarterlyReset(env: Env, save: Save, composed: CampaignSla): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const zone = 'America/New_York';
  const campaign = await startCampaign(
    env,
    seedTermsConfig({ id: 'replay-reset', window: { start: iso(t0 - 200 * DAY), end: iso(t0 + 200 * DAY) } }),
  );
  await campaign.executeUpdate(admitLeadsUpdate, {
    args: [{ leads: [{ leadId: 'QR-1', tier: 'high-intent', ownerId: 'rep-a', createdAt: iso(t0) }] }],
  });
  const closing = quarterOf(new Date(t0), zone);
  const boundary = DateTime.fromMillis(t0, { zone }).startOf('quarter').plus({ months: 3 }).toMillis();
  await env.sleep(boundary + HOUR - Number(await env.currentTimeMs()));
  const reset = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: RESET_TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createResetActivities({
        client: env.client,
        rebuildQuarterReport: quarterBackfill(composed.pool, composed.ledger),
      }),
      listRunningCampaigns: async () => [campaign.workflowId, campaignWorkflowId('replay-reset-gone')],
    },
  });
  await reset.runUntil(async () => {
    const scheduled = await env.client.workflow.start(quarterlyResetWorkflow, {
      taskQueue: RESET_TASK_QUEUE,
      workflowId: `quarterly-reset-${closing}`,
      args: [{ timezone: zone }],
    });
    const first = await scheduled.result();
    if (first.quarter !== closing || first.alreadyRolled.length !== 1 || first.failed.length !== 1)
      throw new Error(`unexpected quarterly reset: ${JSON.stringify(first)}`);
    const backfill = await env.client.workflow.start(quarterlyResetWorkflow, {
      taskQueue: RESET_TASK_QUEUE,
      workflowId: `quarterly-reset-${previousQuarter(closing)}-backfill`,
      args: [{ quarter: previousQuarter(closing) }],
    });
    const second = await backfill.result();
    if (second.rebuiltFromLedger.length !== 1 || second.failed.length !== 1)
      throw new Error(`unexpected quarterly reset backfill: ${JSON.stringify(second)}`);
    await save('quarterly-reset', scheduled);
    await save('quarterly-reset-backfill', backfill);
  });
  await env.sleep(HOUR);
  await save('quarterly-reset-campaign', campaign);
}

/** CRM-poll intake: the sandbox CRM's leads, touches and dispositions feed the clocks. */
async function crmPoll(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const campaign = await startCampaign(
    env,
    seedTermsConfig({
      id: 'replay-crm-poll',
      crmPollEvery: '5m',
      window: { start: iso(t0 - DAY), end: iso(t0 + 30 * DAY) },
      velocity: { checkEvery: '1h', rules: [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' }] },
    }),
  );
  await env.sleep(2 * HOUR);
  await save('crm-poll', campaign);
}

const MILESTONES = {
  pauseWhile: { status: ['Waiting on customer'] },
  milestones: {
    'opportunity-7d': { stop: 'opportunity', within: '7d', pauseWhile: { status: ['Waiting on customer'] } },
    'meeting-2d': { start: 'accepted', stop: 'meetingBooked', within: '2d', escalate: false },
    're-engage': { start: 'recycled', stop: 'activity', within: '10d' },
  },
};

/**
 * Milestones: M-1's opportunity clock paused and resumed by status changes (its follow-up clock too) and met by an
 * opportunity, its meeting clock breached without a chain; M-2's meeting met, its opportunity clock breached and
 * escalated to nurture; M-3 recycled and re-engaged; then a CRM-polled campaign whose poll reads the facts milestones
 * follow (status changes, meetings booked, opportunities).
 */
async function milestones(env: Env, save: Save): Promise<void> {
  const now = async () => Number(await env.currentTimeMs());
  const t0 = await now();
  const campaign = await startCampaign(
    env,
    seedTermsConfig({
      id: 'replay-milestones',
      window: { start: iso(t0 - DAY), end: iso(t0 + 60 * DAY) },
      responseSla: MILESTONES,
    }),
  );
  const created = t0 - 20 * MINUTE;
  await campaign.executeUpdate(admitLeadsUpdate, {
    args: [
      {
        leads: ['M-1', 'M-2', 'M-3'].map((leadId) => ({
          leadId,
          tier: 'high-intent',
          ownerId: 'rep-a',
          createdAt: iso(created),
        })),
      },
    ],
  });
  const events = (list: LeadEvent[]) => campaign.executeUpdate(recordLeadEventsUpdate, { args: [{ events: list }] });
  await events([
    ...['M-1', 'M-2'].flatMap((leadId): LeadEvent[] => [
      { type: 'contact', leadId, eventId: `${leadId}-c`, channel: 'call', at: iso(created + MINUTE) },
      { type: 'disposition', leadId, eventId: `${leadId}-a`, decision: 'accept', at: iso(created + 2 * MINUTE) },
    ]),
    { type: 'contact', leadId: 'M-3', eventId: 'M-3-c', channel: 'email', at: iso(created + MINUTE) },
    {
      type: 'disposition',
      leadId: 'M-3',
      eventId: 'M-3-r',
      decision: 'reject',
      reason: 'Not ICP',
      at: iso(created + 2 * MINUTE),
    },
  ]);
  await env.sleep(DAY);
  await events([
    { type: 'status', leadId: 'M-1', eventId: 'M-1-s1', status: 'Waiting on customer', at: iso(await now()) },
    { type: 'meeting', leadId: 'M-2', eventId: 'M-2-m', at: iso(await now()) },
  ]);
  await env.sleep(7 * DAY);
  await events([
    { type: 'status', leadId: 'M-1', eventId: 'M-1-s2', status: 'Working - Contacted', at: iso(await now()) },
  ]);
  await env.sleep(DAY);
  await events([
    { type: 'stage', leadId: 'M-1', eventId: 'M-1-o', stage: 'Opportunity', at: iso(await now()) },
    { type: 'contact', leadId: 'M-3', eventId: 'M-3-c2', channel: 'call', at: iso(await now()) },
  ]);
  await env.sleep(2 * DAY);
  await save('milestones', campaign);

  const polled = await startCampaign(
    env,
    seedTermsConfig({
      id: 'replay-milestones-poll',
      crmPollEvery: '5m',
      window: { start: iso(t0 - DAY), end: iso(t0 + 60 * DAY) },
      velocity: { checkEvery: '1h', rules: [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' }] },
      responseSla: MILESTONES,
    }),
  );
  await env.sleep(80 * MINUTE);
  await save('milestones-poll', polled);
}

/** Routing at intake: CRM-poll leads of an away rep routed to available ones; breaches take reps out of rotation. */
async function intakeRouting(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const campaign = await startCampaign(
    env,
    seedTermsConfig({
      id: 'replay-routing',
      crmPollEvery: '5m',
      window: { start: iso(t0 - DAY), end: iso(t0 + 30 * DAY) },
      velocity: { checkEvery: '1h', rules: [{ kind: 'velocity-below', afterDays: 7, belowPct: 70, action: 'pause' }] },
      responseSla: {
        pools: {
          inbound: {
            managerId: 'mgr-1',
            reps: [
              { id: 'rep-a', capacity: 1000, away: [{ from: iso(t0 - DAY), to: iso(t0 + 30 * DAY) }] },
              { id: 'rep-b', capacity: 1000 },
              { id: 'rep-c', capacity: 1000 },
            ],
          },
        },
        routing: { atIntake: true, outOfRotation: { breaches: 3, within: '1h', for: '6h' } },
      },
    }),
  );
  await env.sleep(90 * MINUTE);
  await save('intake-routing', campaign);
}

/**
 * A long-lived campaign: it continues as new past 2,000 events (before patch earlier-continue-as-new, when the server
 * suggested it at about 4,000); two handovers, each run's history kept.
 */
async function continueAsNew(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const campaign = await startCampaign(
    env,
    seedTermsConfig({ id: 'replay-continue', window: { start: iso(t0 - DAY), end: iso(t0 + 900 * DAY) } }),
  );
  for (let handovers = 0; handovers < 2; handovers++) {
    const { runId } = await campaign.describe();
    const at = iso(Number(await env.currentTimeMs()));
    await campaign.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: [{ leadId: `N-${handovers}`, tier: 'high-intent', ownerId: 'rep-a', createdAt: at }] }],
    });
    for (let days = 0; (await campaign.describe()).runId === runId; days += 20) {
      if (days > 400) throw new Error('replay-continue never continued as new');
      await env.sleep(20 * DAY);
    }
  }
  await env.sleep(DAY);
  await save('continue-as-new', campaign);
}

/** A steady stream of Updates (8 in flight) until the run hands over past 2,000 events (patch settle-handlers-before-hand-over). */
async function steadyUpdates(env: Env, save: Save): Promise<void> {
  const t0 = Number(await env.currentTimeMs());
  const campaign = await startCampaign(env, seedTermsConfig({ id: 'replay-steady-updates' }));
  const at = iso(t0);
  const leadIds = await admitStandardLeads(campaign, 'steady', at);
  await steadyUpdatesUntilHandOver(campaign, (n) => {
    const leadId = leadIds[n % leadIds.length];
    return { type: 'contact', leadId, eventId: `call-${leadId}`, channel: 'call', at };
  });
  // The new run's first day: its leads' clocks running on from the carry-over.
  await env.sleep(DAY);
  await save('steady-updates', campaign);
}

/** The dev-server scenarios' task queues, one per scenario as each has its own fault plan. */
const drainTaskQueue = (scenario: string) => `record-histories-${scenario}`;
/** Ledger writes (alert deliveries too) fail for a minute from 10 s after the plan is loaded. */
const LEDGER_OUTAGE = { fromMs: 10_000, toMs: 70_000 };
const ledgerOutagePlan = (startedAt: number): FaultPlan =>
  faultPlanSchema.parse({ seed: 'record-histories', startedAt, ledger: { outages: [LEDGER_OUTAGE] } });
/** The same minute, Postgres refusing only the lead activity writes: alerts go through. */
const leadActivityOutagePlan = (startedAt: number): FaultPlan =>
  faultPlanSchema.parse({
    seed: 'record-histories',
    startedAt,
    ledger: { outages: [LEDGER_OUTAGE], writes: ['recordLeadActivity'] },
  });

/**
 * A hand-over behind a ledger outage, alert deliveries failing with it: the drain cancels the ledger write and the
 * alerts in flight (patch hand-over-carries-deliveries), the run hands over with what they carried, and the next run
 * delivers it once the outage has ended. Recorded before that patch (2026-12-06d), the drain gave up after 5 s, a
 * step that fell due meanwhile ran, and the run handed over only after the outage.
 */
async function handOverWait(env: Env, save: Save, outage: { from: number; to: number }): Promise<void> {
  const campaign = await startCampaign(
    env,
    seedTermsConfig({ id: 'replay-hand-over-wait' }),
    drainTaskQueue('hand-over-wait'),
  );
  const { runId } = await campaign.describe();
  const at = iso(Date.now());
  const leadIds = await admitStandardLeads(campaign, 'wait', at);
  await new Promise((resolve) => setTimeout(resolve, outage.from - Date.now()));
  // Its hour ran out a minute ago: the breach alert is in flight through the outage.
  await admitLeadDueIn(campaign, 'breached-in-outage', -60_000);
  await callsUntilHandOverIsDue(campaign, leadIds, at);
  await handedOver(campaign, runId, 240_000);
  // The next run's first steps: a lead due at once, its breach and first step; then what it carried lands.
  await admitLeadDueIn(campaign, 'after-hand-over', 1_000);
  await new Promise((resolve) => setTimeout(resolve, outage.to + 5_000 - Date.now()));
  await save('hand-over-wait', campaign);
}

/**
 * A drain held up by a ledger write retrying through an outage of lead activity writes alone: a lead's hour runs out
 * meanwhile, and the draining run sends its breach alert at once (patch alerts-flow-while-draining); the ledger write
 * is cancelled and the run hands over; the next run writes the carried rows once the outage has ended. (An alert
 * stuck during the drain is cancelled too: test/handOverWait.workflow.test.ts; a fault plan's fixed windows cannot
 * start the webhook's outage with the drain.)
 */
const alertDueWhileDraining =
  (name: string) =>
  async (env: Env, save: Save, outage: { from: number; to: number }): Promise<void> => {
    const campaign = await startCampaign(env, seedTermsConfig({ id: `replay-${name}` }), drainTaskQueue(name));
    const { runId } = await campaign.describe();
    const at = iso(Date.now());
    const leadIds = await admitStandardLeads(campaign, 'drain', at);
    await new Promise((resolve) => setTimeout(resolve, outage.from - Date.now()));
    await callsUntilHandOverIsDue(campaign, leadIds, at);
    await admitLeadDueIn(campaign, 'due-while-draining', 1_500);
    await handedOver(campaign, runId, 240_000);
    await new Promise((resolve) => setTimeout(resolve, outage.to + 5_000 - Date.now()));
    await save(name, campaign);
  };

async function main(): Promise<void> {
  const [label = new Date().toISOString().slice(0, 10), ...only] = process.argv.slice(2);
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  const outDir = path.resolve(__dirname, 'fixtures', 'histories', label);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-record-'));
  const postgres = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
  const env = await timeSkippingServer();
  await mkdir(outDir, { recursive: true });
  // Every run of the chain (continue-as-new), oldest first, is its own history file.
  const saveFrom =
    (server: Env): Save =>
    async (name, handle) => {
      await terminateWhenIdle(server.client.workflow.getHandle(handle.workflowId), 'recorded');
      let runId: string | undefined = handle.firstExecutionRunId;
      for (let run = 1; runId; run++) {
        const history = await server.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        const suffix = run === 1 ? '' : `-run${run}`;
        await writeFile(path.join(outDir, `${name}${suffix}.bin`), encodeHistory(history));
        const last = history.events?.at(-1);
        runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
    };
  const save = saveFrom(env);
  const compose = (
    { taskQueue, faults, server = env }: { taskQueue: string; faults?: FaultPlan; server?: Env } = {
      taskQueue: TASK_QUEUE,
    },
  ) =>
    composeCampaignSla({
      database: { url: postgres.url },
      temporal: { connection: server.nativeConnection, client: server.client, namespace: 'default' },
      adapters: 'sandbox',
      sandbox: { conversionRate: 0.002 },
      logger: pino({ level: 'silent' }),
      worker: { taskQueue },
      faults,
    });
  let composed: CampaignSla | undefined;
  try {
    const main = (composed = await compose());
    await main.worker.runUntil(async () => {
      if (wanted('lead-clocks')) await leadClocks(env, save);
      if (wanted('intake-routing')) await intakeRouting(env, save);
      if (wanted('proposals')) await proposals(env, save);
      if (wanted('amend-and-quarter')) await amendAndQuarter(env, save);
      if (wanted('continue-as-new')) await continueAsNew(env, save);
      if (wanted('crm-poll')) await crmPoll(env, save);
      if (wanted('quarterly-reset')) await quarterlyReset(env, save, main);
      if (wanted('milestones')) await milestones(env, save);
      if (wanted('steady-updates')) await steadyUpdates(env, save);
    });
    if (wanted('fault-retries')) {
      const failing = await compose({ taskQueue: FAULTS_TASK_QUEUE, faults: FAULT_PLAN });
      try {
        await failing.worker.runUntil(() => faultRetries(env, save));
      } finally {
        await failing.stop();
      }
    }
    const drainScenarios = [
      ['hand-over-wait', ledgerOutagePlan, handOverWait],
      ['alerts-while-draining', leadActivityOutagePlan, alertDueWhileDraining('alerts-while-draining')],
    ] as const;
    if (drainScenarios.some(([name]) => wanted(name))) {
      const dev = await devServer();
      try {
        for (const [name, plan, scenario] of drainScenarios) {
          if (!wanted(name)) continue;
          const startedAt = Date.now();
          const held = await compose({ taskQueue: drainTaskQueue(name), faults: plan(startedAt), server: dev });
          try {
            await held.worker.runUntil(() =>
              scenario(dev, saveFrom(dev), {
                from: startedAt + LEDGER_OUTAGE.fromMs,
                to: startedAt + LEDGER_OUTAGE.toMs,
              }),
            );
          } finally {
            await held.stop();
          }
        }
      } finally {
        await dev.teardown();
      }
    }
    console.log(`histories written to ${path.relative(process.cwd(), outDir)}`);
  } finally {
    await composed?.stop();
    await env.teardown();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
