// Every run of the chaos campaign replayed once more with each workflow task that made no command merged into the
// next (runtime/mergedTasks.ts), as a replay from scratch runs such a task when the next follows at once: the
// commands must match whatever the workflow read from the merged task's time. A run recorded under faults, kills and
// restarts has shapes the recorded histories of test/replay.test.ts lack.
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { mergeNoCommandTasks } from '../../runtime/mergedTasks';
import { replayWorkerOptions } from '../../runtime/replay';
import type { Figure } from './checks';

export async function mergedReplayFigure(client: Client, workflowId: string, bundlePath: string): Promise<Figure> {
  const inputs = [];
  let merged = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const reshaped = mergeNoCommandTasks(await client.workflow.getHandle(workflowId, run.runId).fetchHistory());
    merged += reshaped.merged;
    inputs.push({ workflowId: run.runId, history: reshaped.history });
  }
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(await replayWorkerOptions({ codePath: bundlePath }), inputs)) {
    if (result.error) failures.push(`run ${result.workflowId}: ${result.error.message.slice(0, 300)}`);
  }
  return {
    section: 'replay',
    name: `runs nondeterministic when replayed with their command-less workflow tasks merged (${merged} merged in ${inputs.length} runs)`,
    expected: 0,
    actual: failures.length,
    ok: failures.length === 0,
    examples: failures.slice(0, 3),
  };
}
