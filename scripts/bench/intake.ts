// Figures 1 and 4: lead intake throughput into one campaign against raw Temporal on the same payloads (and the
// raw Update throughput of a no-op workflow), then the worker's memory and slaState query latency with all those clocks open.
import type { WorkflowHandle } from '@temporalio/client';
import { campaignSla } from '../../workflows/campaignSla';
import { temporal } from '@temporalio/proto';
import { admitLeadsUpdate, campaignWorkflowId, recordLeadEventsUpdate, slaStateQuery } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import { CAMPAIGN_QUEUE, NOOP_QUEUE, type BenchEnvironment } from './benchEnvironment';
import { explainFailure, terminateIfRunning } from './diagnose';
import { settledMemory } from './memory';
import { benchNoop, noopUpdate, stopNoopSignal, storeLeadsUpdate } from './noopWorkflow';
import { perSecond, spreadOf, type Spread } from './stats';
import { timed, waitFor } from './timing';
import { eventTimeMs } from '../../runtime/historyEvents';

const MB = 1024 * 1024;
const BASELINE_WARMUP_UPDATES = 5;
const READY_TIMEOUT_MS = 60_000;

export interface UpdateBaseline {
  updates: number;
  elapsedMs: number;
  updatesPerSec: number;
  /** Raw Temporal on the intake's own payloads: the same lead batches, stored by a workflow that does nothing else. */
  payloadLeads: number;
  payloadElapsedMs: number;
  payloadLeadsPerSec: number;
  /** Each raw pass over the intake's batches: one before the intake, one after it once the intake is measured. */
  payloadPassesMs: number[];
}

export interface IntakeFigures {
  leads: number;
  batchSize: number;
  batches: number;
  elapsedMs: number;
  leadsPerSec: number;
  batchUpdatesPerSec: number;
  /** Campaign leads/s ÷ baseline updates/s: how many leads one baseline Update round trip buys. */
  leadsPerSecOverBaseline: number;
  /** Campaign admitLeads Updates/s ÷ baseline updates/s: the engine's per-Update cost, 1.0 = free. */
  batchUpdatesPerSecOverBaseline: number;
  /** Campaign leads/s ÷ raw Temporal leads/s on identical payloads: 1.0 = the engine costs nothing (goal ≥ 0.5). */
  leadsPerSecOverPayloadBaseline: number;
  /** The same batches into a second campaign whose ledger activity is answered without running (its rows' cost). */
  ledgerSkipped: IntakePass;
  /**
   * Every measured pass (the first is the figures above), each against the raw pass next to it. One pass of 10,000
   * leads lasts under a second, and passes of one run ranged 0.3–0.7 of raw: the goal is judged on all of them.
   */
  passes: PairedPasses;
  /**
   * The same batches into a campaign of their own just before the measured intake, not counted: the first pass
   * pays for warming the worker's code and the ledger, which the raw baseline's warm-up Updates and the skipped
   * pass (measured after the intake) do not.
   */
  warmUp: IntakePass;
}

interface IntakePass {
  elapsedMs: number;
  leadsPerSec: number;
  leadsPerSecOverPayloadBaseline: number;
}

interface PairedPasses {
  /** Each pass's ms and the raw pass's ms it is paired with (the first: the mean of the two bracketing it). */
  pairs: { campaignMs: number; rawMs: number }[];
  /** All campaign leads over all campaign time ÷ all raw leads over all raw time of the pairs. */
  leadsPerSecOverPayloadBaseline: number;
  /** The pairs' own ratios, lowest and highest. */
  lowest: number;
  highest: number;
}

export interface OpenClocksMemory {
  openLeads: number;
  openClocks: number;
  /** Whole bench process: client, activities, and the SDK's workflow thread that holds the campaign state. */
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Main thread only (client and activities); the workflow thread's heap is not visible from here. */
  heapUsedBeforeMb: number;
  heapUsedAfterMb: number;
  slaStateQueryMs: Spread;
  historyLength: number;
  /** Workflow task durations (server's started → completed event times) of the admitLeads batches. */
  intakeTaskMs: Spread;
  /** The same, for single-contact Updates sent one by one once every lead is open. */
  steadyTaskMs: Spread;
}

/** Contacts sent one by one at full size for the steady-state workflow task figure. */
const STEADY_TOUCHES = 20;

const EventType = temporal.api.enums.v1.EventType;

/** Durations of the workflow tasks started after event `afterEventId`, from the history's event times. */
export async function workflowTaskMs(
  handle: WorkflowHandle<typeof campaignSla>,
  afterEventId: number,
): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const startedAt = new Map<number, number>();
  const durations: number[] = [];
  for (const e of events) {
    if (Number(e.eventId) <= afterEventId) continue;
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) startedAt.set(Number(e.eventId), eventTimeMs(e));
    const completed = e.workflowTaskCompletedEventAttributes;
    const start = completed && startedAt.get(Number(completed.startedEventId));
    if (start !== undefined && start !== null) durations.push(eventTimeMs(e) - start);
  }
  return durations;
}

/**
 * The workflow tasks after event `afterEventId` the server refused because an Update arrived while the task ran
 * (WorkflowTaskFailed, cause UnhandledCommand: the task continued as new with an Update not yet delivered), each with
 * the duration of the task that retried it. The SDK evicts the run on that failure, so the retry replays the run.
 */
export async function refusedTasks(
  handle: WorkflowHandle<typeof campaignSla>,
  afterEventId: number,
): Promise<{ retryMs: number }[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const refused: { retryMs: number }[] = [];
  let retrying = false;
  let startedAt: number | undefined;
  for (const e of events) {
    if (Number(e.eventId) <= afterEventId) continue;
    if (e.workflowTaskFailedEventAttributes?.cause === UNHANDLED_COMMAND) retrying = true;
    else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) startedAt = eventTimeMs(e);
    else if (e.workflowTaskCompletedEventAttributes && retrying && startedAt !== undefined) {
      refused.push({ retryMs: eventTimeMs(e) - startedAt });
      retrying = false;
    }
  }
  return refused;
}

const UNHANDLED_COMMAND = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;

/** The intake's lead batches: the baseline and the campaign get the very same payloads. */
function intakeBatches(sizes: { intakeLeads: number; intakeBatch: number }, owners: string[]) {
  const batches: { from: number; count: number; leads: () => ReturnType<typeof leadBatch> }[] = [];
  for (let from = 0; from < sizes.intakeLeads; from += sizes.intakeBatch) {
    const count = Math.min(sizes.intakeBatch, sizes.intakeLeads - from);
    batches.push({
      from,
      count,
      leads: () => leadBatch({ prefix: 'I', from, count, tier: 'standard', owners, createdAt: Date.now() }),
    });
  }
  return batches;
}

/**
 * Raw Temporal, one Update in flight as in the intake: sequential no-op Updates, then the intake's lead batches
 * stored by a workflow that does nothing else (the first of the two passes that bracket the intake).
 */
export async function measureUpdateBaseline(
  env: BenchEnvironment,
  sizes: { baselineUpdates: number; intakeLeads: number; intakeBatch: number },
): Promise<UpdateBaseline> {
  const updates = sizes.baselineUpdates;
  const handle = await env.client.workflow.start(benchNoop, {
    taskQueue: NOOP_QUEUE,
    workflowId: `bench-noop-${env.runId}`,
  });
  for (let i = 0; i < BASELINE_WARMUP_UPDATES; i++) await handle.executeUpdate(noopUpdate);
  const { ms } = await timed(async () => {
    for (let i = 0; i < updates; i++) await handle.executeUpdate(noopUpdate);
  });
  const payloadMs = await storeRaw(env, sizes, handle, updates + BASELINE_WARMUP_UPDATES);
  return {
    updates,
    elapsedMs: ms,
    updatesPerSec: perSecond(updates, ms),
    payloadLeads: sizes.intakeLeads,
    payloadElapsedMs: payloadMs,
    payloadLeadsPerSec: perSecond(sizes.intakeLeads, payloadMs),
    payloadPassesMs: [payloadMs],
  };
}

/** The intake's lead batches stored raw by `handle`, which has already handled `earlierUpdates`; returns the ms. */
async function storeRaw(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
  handle: WorkflowHandle<typeof benchNoop>,
  earlierUpdates: number,
): Promise<number> {
  const batches = intakeBatches(sizes, templateOwners(intakeConfig(env)));
  const payload = await timed(async () => {
    for (const batch of batches) {
      const stored = await handle.executeUpdate(storeLeadsUpdate, { args: [{ leads: batch.leads() }] });
      if (stored.length !== batch.count) throw new Error(`baseline: stored ${stored.length} of ${batch.count} leads`);
    }
  });
  await handle.signal(stopNoopSignal);
  const handled = await handle.result();
  if (handled !== earlierUpdates + batches.length)
    throw new Error(
      `baseline: the raw workflow handled ${handled} Updates, expected ${earlierUpdates + batches.length}`,
    );
  return payload.ms;
}

/**
 * The second raw pass, after the intake, so the baseline brackets it on a machine whose speed drifts: the
 * payload baseline becomes all raw leads over all raw time.
 */
async function bracketBaseline(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
  baseline: UpdateBaseline,
): Promise<UpdateBaseline> {
  const handle = await env.client.workflow.start(benchNoop, {
    taskQueue: NOOP_QUEUE,
    workflowId: `bench-noop-${env.runId}-after`,
  });
  const passesMs = [...baseline.payloadPassesMs, await storeRaw(env, sizes, handle, 0)];
  const leads = sizes.intakeLeads * passesMs.length;
  const ms = passesMs.reduce((sum, pass) => sum + pass, 0);
  return {
    ...baseline,
    payloadLeads: leads,
    payloadElapsedMs: ms,
    payloadLeadsPerSec: perSecond(leads, ms),
    payloadPassesMs: passesMs,
  };
}

/** Standard tier: 24 business hours, so no clock fires while the bench runs and every clock stays open. */
function intakeConfig(env: BenchEnvironment, name = 'intake') {
  return benchCampaignConfig({
    id: `bench-${env.runId}-${name}`,
    now: Date.now(),
    tiers: { standard: { firstTouch: '24h', clock: 'business', calendar: 'default' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
}

export async function startIdleCampaign(
  env: BenchEnvironment,
  config: Record<string, unknown>,
  taskQueue = CAMPAIGN_QUEUE,
): Promise<WorkflowHandle<typeof campaignSla>> {
  const id = (config.campaign as { id: string }).id;
  const handle = await env.client.workflow.start(campaignSla, {
    taskQueue,
    workflowId: campaignWorkflowId(id),
    args: [{ config }],
  });
  await waitFor(
    async () => ((await handle.query(slaStateQuery).catch(() => undefined))?.latestSnapshot ? true : undefined),
    {
      timeoutMs: READY_TIMEOUT_MS,
      describe: () => `campaign ${id} did not finish its first velocity check`,
    },
  );
  return handle;
}

export async function measureIntake(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number; intakePasses: number; stateQueries: number },
  baseline: UpdateBaseline,
): Promise<{ intake: IntakeFigures; memory: OpenClocksMemory; baseline: UpdateBaseline }> {
  const warmUpMs = await intakeInOwnCampaign(env, sizes, 'intake-warm-up', { skipLedger: false });
  const config = intakeConfig(env);
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config);
  let measured: Awaited<ReturnType<typeof admitAndMeasure>>;
  try {
    measured = await admitAndMeasure(handle, owners, sizes);
  } catch (err) {
    throw await explainFailure('intake', err, handle);
  } finally {
    // Also stops a wedged workflow from retrying its task while the next figures are measured.
    await terminateIfRunning(handle, 'bench: intake measured');
  }
  const ledgerSkippedMs = await intakeInOwnCampaign(env, sizes, 'intake-ledger-skipped', { skipLedger: true });
  const bracketed = await bracketBaseline(env, sizes, baseline);
  const [rawBefore, rawAfter] = bracketed.payloadPassesMs;
  const pairs = [{ campaignMs: measured.intake.elapsedMs, rawMs: (rawBefore + rawAfter) / 2 }];
  for (let pass = 1; pass < sizes.intakePasses; pass++) {
    const raw = await env.client.workflow.start(benchNoop, {
      taskQueue: NOOP_QUEUE,
      workflowId: `bench-noop-${env.runId}-pass-${pass}`,
    });
    const rawMs = await storeRaw(env, sizes, raw, 0);
    pairs.push({
      rawMs,
      campaignMs: await intakeInOwnCampaign(env, sizes, `intake-pass-${pass}`, { skipLedger: false }),
    });
  }
  const { leadsPerSec, batchUpdatesPerSec } = measured.intake;
  const pass = (ms: number): IntakePass => {
    const passLeadsPerSec = perSecond(sizes.intakeLeads, ms);
    return {
      elapsedMs: ms,
      leadsPerSec: passLeadsPerSec,
      leadsPerSecOverPayloadBaseline: passLeadsPerSec / bracketed.payloadLeadsPerSec,
    };
  };
  return {
    intake: {
      ...measured.intake,
      leadsPerSecOverBaseline: leadsPerSec / bracketed.updatesPerSec,
      batchUpdatesPerSecOverBaseline: batchUpdatesPerSec / bracketed.updatesPerSec,
      leadsPerSecOverPayloadBaseline: leadsPerSec / bracketed.payloadLeadsPerSec,
      ledgerSkipped: pass(ledgerSkippedMs),
      warmUp: pass(warmUpMs),
      passes: pairedPasses(pairs),
    },
    memory: measured.memory,
    baseline: bracketed,
  };
}

function pairedPasses(pairs: PairedPasses['pairs']): PairedPasses {
  const total = (key: 'campaignMs' | 'rawMs') => pairs.reduce((sum, pair) => sum + pair[key], 0);
  const ratios = pairs.map((pair) => pair.rawMs / pair.campaignMs);
  return {
    pairs,
    leadsPerSecOverPayloadBaseline: total('rawMs') / total('campaignMs'),
    lowest: Math.min(...ratios),
    highest: Math.max(...ratios),
  };
}

/** The intake's batches into a campaign of its own, its ledger writes answered without running if asked; returns the ms. */
async function intakeInOwnCampaign(
  env: BenchEnvironment,
  sizes: { intakeLeads: number; intakeBatch: number },
  name: string,
  opts: { skipLedger: boolean },
): Promise<number> {
  const config = intakeConfig(env, name);
  const handle = await startIdleCampaign(env, config);
  if (opts.skipLedger) env.skippedLedgerWrites.skipFor(handle.workflowId);
  try {
    return (await admitAll(handle, intakeBatches(sizes, templateOwners(config)), sizes.intakeLeads)).ms;
  } catch (err) {
    throw await explainFailure(name, err, handle);
  } finally {
    await terminateIfRunning(handle, `bench: ${name} measured`);
  }
}

/** Sends the batches one Update at a time and checks every lead was admitted. */
function admitAll(
  handle: WorkflowHandle<typeof campaignSla>,
  intake: ReturnType<typeof intakeBatches>,
  totalLeads: number,
): Promise<{ ms: number }> {
  return timed(async () => {
    for (const { from, count, leads } of intake) {
      const outcomes = await handle
        .executeUpdate(admitLeadsUpdate, { args: [{ leads: leads() }] })
        .catch((err: unknown) => {
          throw new Error(`admitLeads failed after ${from} of ${totalLeads} leads were admitted`, { cause: err });
        });
      const admitted = outcomes.filter((o) => o.result === 'admitted').length;
      if (admitted !== count) throw new Error(`batch starting at lead ${from} admitted ${admitted} of ${count} leads`);
    }
  });
}

type IntakeRatios =
  | 'leadsPerSecOverBaseline'
  | 'batchUpdatesPerSecOverBaseline'
  | 'leadsPerSecOverPayloadBaseline'
  | 'ledgerSkipped'
  | 'warmUp'
  | 'passes';

async function admitAndMeasure(
  handle: WorkflowHandle<typeof campaignSla>,
  owners: string[],
  sizes: { intakeLeads: number; intakeBatch: number; stateQueries: number },
): Promise<{ intake: Omit<IntakeFigures, IntakeRatios>; memory: OpenClocksMemory }> {
  const before = settledMemory();

  const intake = intakeBatches(sizes, owners);
  const batches = intake.length;
  const { ms } = await admitAll(handle, intake, sizes.intakeLeads);

  const intakeTasks = await workflowTaskMs(handle, 0);
  const afterIntake = (await handle.query(slaStateQuery)).run.historyLength;
  for (let i = 0; i < STEADY_TOUCHES; i++) {
    const leadId = `I-${i}`;
    await handle.executeUpdate(recordLeadEventsUpdate, {
      args: [
        {
          events: [
            { type: 'contact', leadId, eventId: `call-${leadId}`, channel: 'call', at: new Date().toISOString() },
          ],
        },
      ],
    });
  }
  const steadyTasks = await workflowTaskMs(handle, afterIntake);

  const queryTimes: number[] = [];
  let state = await handle.query(slaStateQuery);
  for (let i = 0; i < sizes.stateQueries; i++) {
    const query = await timed(() => handle.query(slaStateQuery));
    queryTimes.push(query.ms);
    state = query.result;
  }
  const after = settledMemory();
  if (state.openLeads !== sizes.intakeLeads)
    throw new Error(`slaState reports ${state.openLeads} open leads, expected ${sizes.intakeLeads}`);

  const leadsPerSec = perSecond(sizes.intakeLeads, ms);
  const batchUpdatesPerSec = perSecond(batches, ms);
  return {
    intake: {
      leads: sizes.intakeLeads,
      batchSize: sizes.intakeBatch,
      batches,
      elapsedMs: ms,
      leadsPerSec,
      batchUpdatesPerSec,
    },
    memory: {
      openLeads: state.openLeads,
      openClocks: state.openClocks,
      rssBeforeMb: before.rss / MB,
      rssAfterMb: after.rss / MB,
      heapUsedBeforeMb: before.heapUsed / MB,
      heapUsedAfterMb: after.heapUsed / MB,
      slaStateQueryMs: spreadOf(queryTimes),
      historyLength: state.run.historyLength,
      intakeTaskMs: spreadOf(intakeTasks),
      steadyTaskMs: spreadOf(steadyTasks),
    },
  };
}
