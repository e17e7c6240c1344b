// Figure 5: one campaign grown to 10k, 25k and 50k open leads. At each size: slaState query latency, the bench
// process's RSS, then a continue-as-new forced by logging calls on the leads (20 per Update) until the run
// hands over: the run's workflow tasks under that stream (a wake-up's cost at this size), what the hand-over carried (the packed carry-over's bytes) and cost the next run's first
// workflow task, which unpacks and decodes it. History events per lead are counted over every run at the end.
import type { WorkflowHandle } from '@temporalio/client';
import { salesforceId } from '../../activities/crm/salesforceIds';
import type { PackedCarryOverMarker } from '../../sla/carryOver';
import type { campaignSla } from '../../workflows/campaignSla';
import { admitLeadsUpdate, slaStateQuery } from '../../workflows/messages';
import { benchCampaignConfig, leadBatch, templateOwners } from './benchCampaign';
import type { BenchEnvironment } from './benchEnvironment';
import { refusedTasks, startIdleCampaign, workflowTaskMs } from './intake';
import { settledMemory } from './memory';
import { steadyUpdatesUntilHandOver } from './steadyUpdates';
import { startedWith } from './startedWith';
import { spreadOf, type Spread } from './stats';
import { timed, waitFor } from './timing';

const MB = 1024 * 1024;
const ADMIT_BATCH = 500;
/** Past Temporal's 10 s workflow task timeout with retries: a first task this late has failed, not run long. */
const FIRST_TASK_TIMEOUT_MS = 60_000;

interface ScaleCheckpoint {
  openLeads: number;
  slaStateQueryMs: Spread;
  /**
   * The run continued as new by itself (not the bench's forced hand-over) while the queries ran: a query then waits
   * for the hand-over's task and the next run's first, which decodes every open lead.
   */
  handedOverDuringQueries: boolean;
  /**
   * Runs that continued as new by themselves as the stream of logged calls began (past the server's suggested history
   * size or the run's event limit, which the growth to this size can leave just short of): the stream then goes on
   * in the next run.
   */
  handedOverAsStreamBegan: number;
  rssMb: number;
  /** The hand-over forced at this size: what the next run's first argument says and its second weighs. */
  handOver: {
    carried: PackedCarryOverMarker;
    touchUpdates: number;
    /**
     * The run's workflow tasks under the stream of logged calls, the hand-over's own task apart: what a wake-up
     * costs at this size, the throttled summary (search attributes, current details) included.
     */
    steadyTaskMs: Spread;
    /** The last task, which packs the carry-over and continues as new. */
    handOverTaskMs: number;
    /** The next run's first workflow task (server event times), which unpacks and decodes the carry-over. */
    firstTaskMs: number;
    /**
     * Tasks of the run the server refused because an Update arrived while they ran (UnhandledCommand: a hand-over
     * with an Update not yet delivered), each with the task that retried it by replaying the run.
     */
    refused: { retryMs: number }[];
  };
}

export interface ScaleFigures {
  checkpoints: ScaleCheckpoint[];
  /** The bench process's RSS before this campaign started: the checkpoints' growth is measured from it. */
  rssBeforeMb: number;
  runs: number;
  historyEvents: number;
  leadsAdmitted: number;
  /** Calls logged to force hand-overs; past the open leads they repeat (duplicates, no-ops), so leads touched is less. */
  contactsSent: number;
  leadsTouched: number;
  historyEventsPerLead: number;
}

export async function measureScale(
  env: BenchEnvironment,
  sizes: { scaleCheckpoints: number[]; stateQueries: number },
): Promise<ScaleFigures> {
  const config = benchCampaignConfig({
    id: `bench-${env.runId}-scale`,
    now: Date.now(),
    // Clocks that stay open for the whole stage: every lead admitted is still open when the run hands over.
    tiers: { standard: { firstTouch: '7d', clock: 'wall' } },
    escalation: [{ step: 'notify-owner', after: '0s' }],
  });
  const owners = templateOwners(config);
  const rssBeforeMb = settledMemory().rss / MB;
  const handle = await startIdleCampaign(env, config);
  const firstRunId = (await handle.describe()).runId;
  const checkpoints: ScaleCheckpoint[] = [];
  let admitted = 0;
  let contacts = 0;
  const touched = new Set<number>();
  for (const openLeads of sizes.scaleCheckpoints) {
    while (admitted < openLeads) {
      const count = Math.min(ADMIT_BATCH, openLeads - admitted);
      const leads = leadBatch({
        prefix: 'S',
        from: admitted,
        count,
        tier: 'standard',
        owners,
        createdAt: Date.now(),
        idOf: (n) => salesforceId('00Q', n + 1),
      });
      await handle.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
      admitted += count;
    }
    const queries: number[] = [];
    const runBeforeQueries = (await handle.describe()).runId;
    for (let i = 0; i < sizes.stateQueries; i++) {
      const { result, ms } = await timed(() => handle.query(slaStateQuery));
      if (result.openLeads !== openLeads)
        throw new Error(`scale: slaState shows ${result.openLeads} open leads, ${openLeads} admitted`);
      queries.push(ms);
    }
    const rssMb = settledMemory().rss / MB;
    const runAfterQueries = (await handle.describe()).runId;
    // The stream's run and where it starts, from the server: a run that handed over by itself during the queries
    // answered some of them, and its history length would be read against the next run's events.
    let handOver: ScaleCheckpoint['handOver'] | undefined;
    let handedOverAsStreamBegan = 0;
    while (!handOver) {
      const { runId, historyLength } = await handle.describe();
      handOver = await forceHandOver(handle, { runId, afterEventId: historyLength }, openLeads, () => {
        const n = contacts++ % openLeads;
        touched.add(n);
        return n;
      });
      if (!handOver && ++handedOverAsStreamBegan > 1)
        throw new Error(`scale: the runs at ${openLeads} open leads handed over by themselves as two streams began`);
    }
    checkpoints.push({
      openLeads,
      slaStateQueryMs: spreadOf(queries),
      handedOverDuringQueries: runAfterQueries !== runBeforeQueries,
      handedOverAsStreamBegan,
      rssMb,
      handOver,
    });
  }
  // Every run, the ones the intake itself handed over included: each closed run's last event names the next.
  let historyEvents = 0;
  let runs = 0;
  for (let runId: string | null | undefined = firstRunId; runId; runs++) {
    const run: WorkflowHandle<typeof campaignSla> = env.client.workflow.getHandle(handle.workflowId, runId);
    const events = (await run.fetchHistory()).events ?? [];
    historyEvents += events.length;
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  await handle.terminate('bench scale done');
  return {
    checkpoints,
    rssBeforeMb,
    runs,
    historyEvents,
    leadsAdmitted: admitted,
    contactsSent: contacts,
    leadsTouched: touched.size,
    historyEventsPerLead: historyEvents / admitted,
  };
}

/**
 * Logs calls until the workflow runs a new run (steadyUpdates.ts); returns the hand-over's figures, or undefined when
 * the run handed over within the stream's first task, leaving no steady task to measure.
 */
async function forceHandOver(
  handle: WorkflowHandle<typeof campaignSla>,
  from: { runId: string; afterEventId: number },
  openLeads: number,
  nextTouch: () => number,
): Promise<ScaleCheckpoint['handOver'] | undefined> {
  const touchUpdates = await steadyUpdatesUntilHandOver(
    handle,
    () => {
      const n = nextTouch();
      return {
        type: 'contact',
        leadId: salesforceId('00Q', n + 1),
        eventId: salesforceId('00T', n + 1),
        channel: 'call',
        at: new Date().toISOString(),
      };
    },
    from.runId,
  );
  const latest = (await handle.describe()).runId;
  const next = handle.client.getHandle(handle.workflowId, latest);
  const [started] = (await next.fetchHistory()).events ?? [];
  const { carryOver, bytes } = startedWith(started);
  if (carryOver?.format !== 6 || carryOver.packedBytes !== bytes[1])
    throw new Error(`scale: the run after ${openLeads} open leads did not start from a packed carry-over`);
  const carried = carryOver as PackedCarryOverMarker;
  if (carried.openLeads !== openLeads)
    throw new Error(`scale: the hand-over carried ${carried.openLeads} open leads, ${openLeads} were open`);
  // The new run may still be in its first task, decoding what it was handed.
  const firstTaskMs = await waitFor(async () => (await workflowTaskMs(next, 0))[0], {
    timeoutMs: FIRST_TASK_TIMEOUT_MS,
    describe: () => `the run after ${openLeads} open leads completed no workflow task`,
  });
  const run = handle.client.getHandle<typeof campaignSla>(handle.workflowId, from.runId);
  const tasks = await workflowTaskMs(run, from.afterEventId);
  const refused = await refusedTasks(run, from.afterEventId);
  if (tasks.length < 2) return undefined;
  return {
    carried,
    touchUpdates,
    steadyTaskMs: spreadOf(tasks.slice(0, -1)),
    handOverTaskMs: tasks.at(-1) as number,
    firstTaskMs,
    refused,
  };
}
