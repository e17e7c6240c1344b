// Every run of the chaos campaign read back once the feed has settled. Each is replayed once more with each workflow
// task that made no command merged into the next (runtime/mergedTasks.ts), as a replay from scratch runs such a task
// when the next follows at once, and once more with each such task started as late as the next arrival allows: the
// commands must match whatever the workflow read from such a task's time. A
// run recorded under faults, kills and restarts has shapes the recorded histories of test/replay.test.ts lack. And
// the longest run's history is measured against the server's warning limit: runs hand over at 2,000 events, and
// an outage must not keep one from handing over (workflows/campaignSla/deliveries.ts).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { mergeNoCommandTasks, retimeNoCommandTasks } from '../../runtime/mergedTasks';
import { replayWorkerOptions } from '../../runtime/replay';
import type { Figure } from './checks';

interface Reshaped {
  history: temporal.api.history.v1.IHistory;
  count: number;
}

/** Temporal's default `limit.historyCount.warn`: the server logs a warning for a run past it (and ends one at 51,200). */
const HISTORY_COUNT_WARN = 10_240;

/**
 * `evidenceDir` receives, for each run that fails, its history as recorded and as merged (JSON, as the Temporal CLI
 * writes them) and the whole error, so a failure found once can be replayed and read afterwards.
 */
export async function runHistoryFigures(
  client: Client,
  workflowId: string,
  bundlePath: string,
  evidenceDir: string,
): Promise<Figure[]> {
  const recorded = new Map<string, temporal.api.history.v1.IHistory>();
  let longest = { runId: '', events: 0 };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const events = history.events?.length ?? 0;
    if (events > longest.events) longest = { runId: run.runId, events };
    recorded.set(run.runId, history);
  }
  const options = await replayWorkerOptions({ codePath: bundlePath });
  const replayReshaped = async (shape: string, reshape: (history: temporal.api.history.v1.IHistory) => Reshaped) => {
    let reshaped = 0;
    const inputs = [...recorded].map(([runId, history]) => {
      const result = reshape(history);
      reshaped += result.count;
      return { workflowId: runId, history: result.history };
    });
    const failed = new Map<string, Error>();
    for await (const result of Worker.runReplayHistories(options, inputs)) {
      if (result.error) failed.set(result.workflowId, result.error);
    }
    // Whether each failing run replays as recorded tells a hazard of the shape from a plain nondeterminism.
    const asRecorded = new Map<string, Error | undefined>();
    const failedRuns = [...failed.keys()].map((runId) => ({ workflowId: runId, history: recorded.get(runId)! }));
    for await (const result of Worker.runReplayHistories(options, failedRuns))
      asRecorded.set(result.workflowId, result.error);
    const failures: string[] = [];
    for (const [runId, error] of failed) {
      const file = path.join(evidenceDir, `nondeterministic-${runId}`);
      const unshaped = asRecorded.get(runId);
      await writeFile(`${file}.recorded.json`, historyToJSON(recorded.get(runId)!));
      await writeFile(
        `${file}.${shape}.json`,
        historyToJSON(inputs.find((input) => input.workflowId === runId)!.history),
      );
      await writeFile(
        `${file}.${shape}.error.txt`,
        `${shape}: ${error.message}\nas recorded: ${unshaped ? unshaped.message : 'replays'}\n`,
      );
      failures.push(
        `run ${runId} (as recorded: ${unshaped ? 'fails too' : 'replays'}; histories and error in ${file}.*): ${error.message.slice(0, 300)}`,
      );
    }
    return { reshaped, runs: inputs.length, failures };
  };
  const merged = await replayReshaped('merged', (history) => {
    const { history: reshaped, merged: count } = mergeNoCommandTasks(history);
    return { history: reshaped, count };
  });
  const retimed = await replayReshaped('retimed', (history) => {
    const { history: reshaped, retimed: count } = retimeNoCommandTasks(history);
    return { history: reshaped, count };
  });
  return [
    {
      section: 'replay',
      name: `runs nondeterministic when replayed with their command-less workflow tasks merged (${merged.reshaped} merged in ${merged.runs} runs)`,
      expected: 0,
      actual: merged.failures.length,
      ok: merged.failures.length === 0,
      examples: merged.failures.slice(0, 3),
    },
    {
      section: 'replay',
      name: `runs nondeterministic when replayed with their command-less workflow tasks started late (${retimed.reshaped} retimed in ${retimed.runs} runs)`,
      expected: 0,
      actual: retimed.failures.length,
      ok: retimed.failures.length === 0,
      examples: retimed.failures.slice(0, 3),
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
