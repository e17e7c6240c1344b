// When the campaign was working again after each disruption: the first workflow task it completed once the
// disruption began. A killed campaign worker's started task holds the campaign until the server's workflow task
// timeout (10 s) and then a replay on the new worker, so how long that takes is read from the history, not assumed.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

const eventMs = (e: temporal.api.history.v1.IHistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

/** When each workflow task of every run of the workflow completed, in order (server event times). */
export async function workflowTaskCompletions(client: Client, workflowId: string): Promise<number[]> {
  const times: number[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) times.push(eventMs(e));
    }
  }
  return times.sort((a, b) => a - b);
}

/** The first completion at or after `from`; undefined if the campaign never completed a task after it. */
export function firstCompletionFrom(completions: readonly number[], from: number): number | undefined {
  return completions.find((at) => at >= from);
}
