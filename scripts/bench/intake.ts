// Figures 1 and 4: lead intake throughput into one campaign against the raw Update throughput of a
// no-op workflow, then the worker's memory and slaState query latency with all those clocks open.
import type { WorkflowHandle } from '@temporalio/client';
import { campaignSla } from '../../workflows/campaignSla';
import { admitLeadsUpdate, campaignWorkflowId, slaStateQuery } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import { CAMPAIGN_QUEUE, NOOP_QUEUE, type BenchEnvironment } from './benchEnvironment';
import { explainFailure, terminateIfRunning } from './diagnose';
import { settledMemory } from './memory';
import { benchNoop, noopUpdate, stopNoopSignal } from './noopWorkflow';
import { perSecond, spreadOf, type Spread } from './stats';
import { timed, waitFor } from './timing';

const MB = 1024 * 1024;
const BASELINE_WARMUP_UPDATES = 5;
const READY_TIMEOUT_MS = 60_000;

export interface UpdateBaseline {
  updates: number;
  elapsedMs: number;
  updatesPerSec: number;
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
}

/** Sequential no-op Updates (same concurrency as the intake: one in flight) against one workflow. */
export async function measureUpdateBaseline(env: BenchEnvironment, updates: number): Promise<UpdateBaseline> {
  const handle = await env.client.workflow.start(benchNoop, {
    taskQueue: NOOP_QUEUE,
    workflowId: `bench-noop-${env.runId}`,
  });
  for (let i = 0; i < BASELINE_WARMUP_UPDATES; i++) await handle.executeUpdate(noopUpdate);
  const { ms } = await timed(async () => {
    for (let i = 0; i < updates; i++) await handle.executeUpdate(noopUpdate);
  });
  await handle.signal(stopNoopSignal);
  const handled = await handle.result();
  if (handled !== updates + BASELINE_WARMUP_UPDATES)
    throw new Error(
      `baseline: the no-op workflow handled ${handled} Updates, expected ${updates + BASELINE_WARMUP_UPDATES}`,
    );
  return { updates, elapsedMs: ms, updatesPerSec: perSecond(updates, ms) };
}

/** Starts a campaign and waits until its first velocity check is done, so timing starts on an idle workflow. */
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
  sizes: { intakeLeads: number; intakeBatch: number; stateQueries: number },
  baseline: UpdateBaseline,
): Promise<{ intake: IntakeFigures; memory: OpenClocksMemory }> {
  const now = Date.now();
  // Standard tier: 24 business hours, so no clock fires while the bench runs and every clock stays open.
  const config = benchCampaignConfig({
    id: `bench-${env.runId}-intake`,
    now,
    tiers: { standard: { firstTouch: '24h', clock: 'business', calendar: 'default' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
  const owners = templateOwners(config);
  const handle = await startIdleCampaign(env, config);
  try {
    return await admitAndMeasure(handle, owners, sizes, baseline);
  } catch (err) {
    throw await explainFailure('intake', err, handle);
  } finally {
    // Also stops a wedged workflow from retrying its task while the next figures are measured.
    await terminateIfRunning(handle, 'bench: intake measured');
  }
}

async function admitAndMeasure(
  handle: WorkflowHandle<typeof campaignSla>,
  owners: string[],
  sizes: { intakeLeads: number; intakeBatch: number; stateQueries: number },
  baseline: UpdateBaseline,
): Promise<{ intake: IntakeFigures; memory: OpenClocksMemory }> {
  const before = settledMemory();

  const batches = Math.ceil(sizes.intakeLeads / sizes.intakeBatch);
  const { ms } = await timed(async () => {
    for (let from = 0; from < sizes.intakeLeads; from += sizes.intakeBatch) {
      const count = Math.min(sizes.intakeBatch, sizes.intakeLeads - from);
      const leads = leadBatch({ prefix: 'I', from, count, tier: 'standard', owners, createdAt: Date.now() });
      const outcomes = await handle.executeUpdate(admitLeadsUpdate, { args: [{ leads }] }).catch((err: unknown) => {
        throw new Error(`admitLeads failed after ${from} of ${sizes.intakeLeads} leads were admitted`, { cause: err });
      });
      const admitted = outcomes.filter((o) => o.result === 'admitted').length;
      if (admitted !== count) throw new Error(`batch starting at lead ${from} admitted ${admitted} of ${count} leads`);
    }
  });

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
      leadsPerSecOverBaseline: leadsPerSec / baseline.updatesPerSec,
      batchUpdatesPerSecOverBaseline: batchUpdatesPerSec / baseline.updatesPerSec,
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
    },
  };
}
