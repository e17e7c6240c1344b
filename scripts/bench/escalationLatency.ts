// Figure 2: how long after a firstTouch deadline the first escalation activity actually starts, in three
// conditions: an idle campaign; the same while 2,000-lead batches arrive back to back in that campaign;
// and while the CRM and Ads APIs are down (every call refused), with CRM polls and velocity checks due.
// Deadlines come from the ledger (the clocks view), start times from the worker's activity interceptor,
// both on this machine's wall clock. The baselines (bareDeadlines.ts): bare workflows waiting for the same
// deadlines at the same time on the same server.
import type { WorkflowHandle } from '@temporalio/client';
import type { campaignSla } from '../../workflows/campaignSla';
import { salesforceId } from '../../activities/crm/salesforceIds';
import { admitLeadsUpdate } from '../../workflows/messages';
import { startBareDeadlines, type BareDeadlineLatency } from './bareDeadlines';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import type { BenchEnvironment } from './benchEnvironment';
import { explainFailure, terminateIfRunning } from './diagnose';
import { startIdleCampaign } from './intake';
import type { BenchSizes } from './options';
import { spreadOf, type Spread } from './stats';
import { waitFor } from './timing';

/** Arrival waves: the leads come in this many batches spread over the configured window. */
const WAVES = 10;
/** Time allowed after the last deadline for escalations and ledger writes to land. */
const SETTLE_TIMEOUT_MS = 120_000;
/**
 * The breaching leads' IDs: Salesforce-shaped, since the outage's campaign polls the CRM, and apart from the
 * intake load's and the sandbox CRM's own leads.
 */
const BREACHING_SPACE = 'BENCH';
const BREACHING_PATTERN = `00Q${BREACHING_SPACE}%`;
const breachingLeadId = (n: number) => salesforceId('00Q', n, BREACHING_SPACE);
/**
 * Under intake, the breaching leads arrive within LOAD_SPREAD_MS and the load starts LOAD_LEAD_MS before the
 * first deadline: one campaign holds about 16,000 load leads, which arrive in about a second on this machine.
 */
const LOAD_LEAD_MS = 300;
const LOAD_SPREAD_MS = 200;
/** The first wave arrives this long after the measurement starts, once the baselines' workflows have started. */
const SETUP_MS = 500;

export type LatencyCondition = 'idle' | 'intake' | 'outage';

export type LatencySizes = Pick<
  BenchSizes,
  | 'latencyLeads'
  | 'latencyFirstTouchMs'
  | 'latencySpreadMs'
  | 'latencyLoadBatch'
  | 'latencyLoadLeads'
  | 'latencyOutageMs'
>;

export interface EscalationLatency {
  condition: LatencyCondition;
  leads: number;
  firstTouchMs: number;
  deadlineWindowMs: number;
  /** Escalation activity start − firstTouch deadline, in ms (under intake: of the deadlines during the load). */
  latencyMs: Spread;
  /** The same deadlines in bare workflows: one timer per workflow, and all in one workflow. */
  bare: BareDeadlineLatency;
  /** Under intake: what arrived meanwhile, and how many deadlines fell while it did. */
  load?: { leads: number; batches: number; batchSize: number; durationMs: number; deadlinesDuring: number };
  /** During the outage: how long it lasted, the calls it refused, and how many deadlines fell in it. */
  outage?: { durationMs: number; refusedCrmCalls: number; refusedAdsCalls: number; deadlinesDuring: number };
}

export async function measureEscalationLatency(
  env: BenchEnvironment,
  sizes: LatencySizes,
  condition: LatencyCondition,
): Promise<EscalationLatency> {
  const campaignId = `bench-${env.runId}-latency-${condition}`;
  const config = benchCampaignConfig({
    id: campaignId,
    now: Date.now(),
    tiers: {
      'high-intent': { firstTouch: `${sizes.latencyFirstTouchMs}ms`, clock: 'wall' },
      // The intake load's leads: open for the whole measurement, never due.
      standard: { firstTouch: '30d', clock: 'wall' },
    },
    escalation: [{ step: 'notify-owner', after: '0s' }],
    // During the outage, CRM polls and velocity checks come due and fail.
    ...(condition === 'outage' && { crmPollEvery: '5s', checkEvery: '5s' }),
  });
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config);
  try {
    const outageEnd = condition === 'outage' ? env.outage.begin(sizes.latencyOutageMs) : 0;
    const refusedBefore = env.outage.refused();
    const figure = await breachAndMeasure(env, handle, campaignId, owners, sizes, condition);
    if (condition !== 'outage') return figure.latency;
    // The CRM polls and velocity checks that fall due in the outage are refused until it ends.
    if (outageEnd > Date.now()) await sleep(outageEnd - Date.now());
    const refused = env.outage.refused();
    const outage = {
      durationMs: sizes.latencyOutageMs,
      refusedCrmCalls: refused.crm - refusedBefore.crm,
      refusedAdsCalls: refused.ads - refusedBefore.ads,
      deadlinesDuring: figure.deadlines.filter((at) => at < outageEnd).length,
    };
    // A condition that did not happen is a failed measurement, not a good figure.
    if (outage.refusedCrmCalls === 0 || outage.refusedAdsCalls === 0 || outage.deadlinesDuring === 0) {
      throw new Error(`the outage did not overlap the measurement: ${JSON.stringify(outage)}`);
    }
    return { ...figure.latency, outage };
  } catch (err) {
    throw await explainFailure(`escalation latency (${condition})`, err, handle);
  } finally {
    await terminateIfRunning(handle, 'bench: escalation latency measured');
  }
}

async function breachAndMeasure(
  env: BenchEnvironment,
  handle: WorkflowHandle<typeof campaignSla>,
  campaignId: string,
  owners: string[],
  sizes: LatencySizes,
  condition: LatencyCondition,
): Promise<{ latency: EscalationLatency; deadlines: number[] }> {
  const waves = Math.min(WAVES, sizes.latencyLeads);
  const perWave = Math.ceil(sizes.latencyLeads / waves);
  const spreadMs = condition === 'intake' ? Math.min(sizes.latencySpreadMs, LOAD_SPREAD_MS) : sizes.latencySpreadMs;
  const firstArrival = Date.now();
  // Each wave's leads are created at its planned arrival, so the deadlines are known before the first arrives.
  const waveStarts = Array.from({ length: Math.ceil(sizes.latencyLeads / perWave) }, (_, i) => i * perWave);
  const createdAt = (from: number) => firstArrival + SETUP_MS + Math.round((from / sizes.latencyLeads) * spreadMs);
  const bare = await startBareDeadlines(
    env,
    `${campaignId}-bare`,
    waveStarts.map((from) => ({
      deadline: createdAt(from) + sizes.latencyFirstTouchMs,
      leads: Math.min(perWave, sizes.latencyLeads - from),
    })),
  );
  for (const from of waveStarts) {
    if (createdAt(from) > Date.now()) await sleep(createdAt(from) - Date.now());
    await handle.executeUpdate(admitLeadsUpdate, {
      args: [
        {
          leads: leadBatch({
            prefix: 'E',
            idOf: breachingLeadId,
            from,
            count: Math.min(perWave, sizes.latencyLeads - from),
            tier: 'high-intent',
            owners,
            createdAt: createdAt(from),
          }),
        },
      ],
    });
  }

  const load = { stop: false, leads: 0, batches: 0, from: 0, to: 0 };
  const loading =
    condition === 'intake' ? sendLoad(handle, owners, sizes, createdAt(0) + sizes.latencyFirstTouchMs, load) : null;
  let deadlines: { lead_id: string; deadline: Date }[];
  try {
    deadlines = await waitForEscalations(env, campaignId, sizes);
  } finally {
    load.stop = true;
    await loading;
  }

  const started = env.escalationStarts.forCampaign(campaignId, 'firstTouch');
  const samples = deadlines.map((row) => {
    const at = started.get(row.lead_id);
    if (at === undefined)
      throw new Error(`lead ${row.lead_id} breached in the ledger but no escalation activity started for it`);
    return { deadline: row.deadline.getTime(), latency: at - row.deadline.getTime() };
  });
  const deadlineTimes = samples.map((sample) => sample.deadline);
  // Under intake, the figure is taken over the deadlines that fell while the batches were arriving.
  const underLoad = samples.filter((sample) => sample.deadline >= load.from && sample.deadline <= load.to);
  const counted = condition === 'intake' ? underLoad : samples;
  if (counted.length === 0) {
    throw new Error(
      `the intake load did not overlap a deadline: ${load.leads} leads from ${load.from} to ${load.to}, deadlines ${Math.min(...deadlineTimes)} to ${Math.max(...deadlineTimes)}`,
    );
  }
  const latency: EscalationLatency = {
    condition,
    leads: sizes.latencyLeads,
    firstTouchMs: sizes.latencyFirstTouchMs,
    deadlineWindowMs: Math.max(...deadlineTimes) - Math.min(...deadlineTimes),
    latencyMs: spreadOf(counted.map((sample) => sample.latency)),
    bare: await bare(),
  };
  if (condition === 'intake') {
    latency.load = {
      leads: load.leads,
      batches: load.batches,
      batchSize: sizes.latencyLoadBatch,
      durationMs: load.to - load.from,
      deadlinesDuring: underLoad.length,
    };
  }
  return { latency, deadlines: deadlineTimes };
}

/** Back-to-back admitLeads batches into the campaign from just before `firstDeadline`, until stopped or capped. */
async function sendLoad(
  handle: WorkflowHandle<typeof campaignSla>,
  owners: string[],
  sizes: LatencySizes,
  firstDeadline: number,
  load: { stop: boolean; leads: number; batches: number; from: number; to: number },
): Promise<void> {
  const startAt = firstDeadline - LOAD_LEAD_MS;
  if (startAt > Date.now()) await sleep(startAt - Date.now());
  load.from = Date.now();
  while (!load.stop && load.leads < sizes.latencyLoadLeads) {
    const count = Math.min(sizes.latencyLoadBatch, sizes.latencyLoadLeads - load.leads);
    await handle.executeUpdate(admitLeadsUpdate, {
      args: [
        { leads: leadBatch({ prefix: 'L', from: load.leads, count, tier: 'standard', owners, createdAt: Date.now() }) },
      ],
    });
    load.leads += count;
    load.batches += 1;
    load.to = Date.now();
  }
}

/** Waits until every breaching lead has breached in the ledger, started its escalation and recorded its step. */
async function waitForEscalations(
  env: BenchEnvironment,
  campaignId: string,
  sizes: LatencySizes,
): Promise<{ lead_id: string; deadline: Date }[]> {
  const breachedRows = async () =>
    (
      await env.pool.query<{ lead_id: string; deadline: Date }>(
        `SELECT lead_id, deadline FROM clocks
         WHERE campaign_id = $1 AND clock = 'firstTouch' AND breached_at IS NOT NULL AND lead_id LIKE $2`,
        [campaignId, BREACHING_PATTERN],
      )
    ).rows;
  const startedCount = () =>
    [...env.escalationStarts.forCampaign(campaignId, 'firstTouch').keys()].filter((id) =>
      id.startsWith(BREACHING_PATTERN.slice(0, -1)),
    ).length;
  return waitFor(
    async () => {
      const rows = await breachedRows();
      // Every escalation step is in the ledger too, so no activity is cut off when the campaign is terminated.
      const steps = await env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM escalation_steps WHERE campaign_id = $1 AND lead_id LIKE $2`,
        [campaignId, BREACHING_PATTERN],
      );
      return rows.length === sizes.latencyLeads &&
        startedCount() === sizes.latencyLeads &&
        steps.rows[0].n === sizes.latencyLeads
        ? rows
        : undefined;
    },
    {
      // Steps that need the CRM land once the outage ends.
      timeoutMs: sizes.latencyFirstTouchMs + sizes.latencySpreadMs + sizes.latencyOutageMs + SETTLE_TIMEOUT_MS,
      describe: async () =>
        `expected ${sizes.latencyLeads} breaches and escalations, the ledger has ${(await breachedRows()).length} breaches and the worker saw ${startedCount()} escalations`,
    },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
