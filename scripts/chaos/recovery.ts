// What the campaign's history says about the run. When the campaign was working again after each disruption: the
// first workflow task it completed once the disruption began. A killed campaign worker's started task holds the
// campaign until the server's workflow task timeout (10 s) and then a replay on the new worker, so how long that
// takes is read from the history, not assumed. And which workflow tasks failed: a healthy campaign has none.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventTimeMs } from '../../runtime/historyEvents';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events of every run of the workflow (continue-as-new starts a new one). */
export async function historyOfAllRuns(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    events.push(...(history.events ?? []));
  }
  return events;
}

/** When each workflow task completed, in order (server event times). */
export function workflowTaskCompletions(events: HistoryEvent[]): number[] {
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .map(eventTimeMs)
    .sort((a, b) => a - b);
}

export interface FailedWorkflowTask {
  at: number;
  /** The cause and the failure's message, as the worker reported them. */
  why: string;
}

export function workflowTaskFailures(events: HistoryEvent[]): FailedWorkflowTask[] {
  return events.flatMap((e) => {
    const failed = e.workflowTaskFailedEventAttributes;
    if (!failed) return [];
    const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0];
    return [{ at: eventTimeMs(e), why: `${cause}: ${failed.failure?.message ?? ''}` }];
  });
}

/** The first completion at or after `from`; undefined if the campaign never completed a task after it. */
/** Whether the workflow's current run completes a workflow task at or after `from` within `withinMs`. */
export async function workerHoldsRun(handle: WorkflowHandle, from: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    const history = await handle.fetchHistory().catch(() => undefined);
    if (history && firstCompletionFrom(workflowTaskCompletions(history.events ?? []), from) !== undefined) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export function firstCompletionFrom(completions: readonly number[], from: number): number | undefined {
  return completions.find((at) => at >= from);
}
