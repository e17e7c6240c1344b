// Every run of the chaos campaign read back once the feed has settled. Each is replayed once more with each workflow
// task that made no command merged into the next (runtime/mergedTasks.ts), as a replay from scratch runs such a task
// when the next follows at once: the commands must match whatever the workflow read from the merged task's time. A
// run recorded under faults, kills and restarts has shapes the recorded histories of test/replay.test.ts lack. And
// the longest run's history is measured against the server's warning limit: runs hand over at 2,000 events, and
// an outage must not keep one from handing over (workflows/campaignSla/deliveries.ts).
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { mergeNoCommandTasks } from '../../runtime/mergedTasks';
import { replayWorkerOptions } from '../../runtime/replay';
import type { Figure } from './checks';

/** Temporal's default `limit.historyCount.warn`: the server logs a warning for a run past it (and ends one at 51,200). */
const HISTORY_COUNT_WARN = 10_240;

export async function runHistoryFigures(client: Client, workflowId: string, bundlePath: string): Promise<Figure[]> {
  const inputs = [];
  let merged = 0;
  let longest = { runId: '', events: 0 };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const events = history.events?.length ?? 0;
    if (events > longest.events) longest = { runId: run.runId, events };
    const reshaped = mergeNoCommandTasks(history);
    merged += reshaped.merged;
    inputs.push({ workflowId: run.runId, history: reshaped.history });
  }
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(await replayWorkerOptions({ codePath: bundlePath }), inputs)) {
    if (result.error) failures.push(`run ${result.workflowId}: ${result.error.message.slice(0, 300)}`);
  }
  return [
    {
      section: 'replay',
      name: `runs nondeterministic when replayed with their command-less workflow tasks merged (${merged} merged in ${inputs.length} runs)`,
      expected: 0,
      actual: failures.length,
      ok: failures.length === 0,
      examples: failures.slice(0, 3),
    },
    {
      section: 'replay',
      name: `events in the longest run, at most the server's warning limit (runs hand over at 2,000)`,
      expected: HISTORY_COUNT_WARN,
      actual: longest.events,
      ok: longest.events <= HISTORY_COUNT_WARN,
      examples: [`run ${longest.runId}`],
    },
  ];
}
