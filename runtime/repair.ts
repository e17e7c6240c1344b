// Repairs a run that fails its workflow tasks with a nondeterminism error (TMPRL1100): finds the first workflow task
// whose commands the workflow code no longer makes, and resets the run to that task so it runs again under the code.
// A run stuck so does not move on by itself, whatever is deployed: the SDK's legacy-query race (README, Known limits)
// or a release without a patch leaves one. The reset keeps every event before that task and hands the Updates and
// signals received after it to the new run again; the activities after it run again (all of them are idempotent).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { eventTimeMs } from './historyEvents';
import { replayWorkerOptions } from './replay';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

export interface NondeterministicTask {
  workflowId: string;
  runId: string;
  /** The first workflow task that replays differently, by its WorkflowTaskCompleted event: the reset point. */
  completedEventId: number;
  completedAt: string;
  /** Workflow tasks completed in the run before it, all of which replay the same. */
  tasksBefore: number;
  /** What the replay of that task said. */
  message: string;
}

/**
 * Replays the history, and when it is nondeterministic, histories cut after each completed workflow task (where the
 * next task starts, as a worker sees a running workflow) to find the first task that no longer replays: a task that
 * diverged stays in every longer cut, so a binary search over the cuts finds it.
 */
export async function firstNondeterministicTask(
  history: History,
  ids: { workflowId: string; runId: string },
  bundle?: WorkflowBundleOption,
): Promise<NondeterministicTask | undefined> {
  const options = await replayWorkerOptions(bundle);
  const replayError = async (events: temporal.api.history.v1.IHistoryEvent[]) => {
    try {
      await Worker.runReplayHistory(options, { events }, ids.workflowId);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  const events = history.events ?? [];
  if ((await replayError(events)) === undefined) return undefined;

  const completed = events.flatMap((e, i) => (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? [i] : []));
  const cutAfter = (task: number) => {
    const nextStart = events.findIndex(
      (e, i) => i > completed[task] && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    );
    return nextStart === -1 ? events : events.slice(0, nextStart + 1);
  };
  let low = 0;
  let high = completed.length - 1;
  let first: { task: number; message: string } | undefined;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const message = await replayError(cutAfter(middle));
    if (message === undefined) low = middle + 1;
    else {
      first = { task: middle, message };
      high = middle - 1;
    }
  }
  if (!first) return undefined;
  const event = events[completed[first.task]];
  return {
    ...ids,
    completedEventId: Number(event.eventId),
    completedAt: new Date(eventTimeMs(event)).toISOString(),
    tasksBefore: first.task,
    message: first.message,
  };
}

/**
 * Whether the run's workers fail its workflow tasks with a nondeterminism error now: such a failure after its last
 * completed task (the first attempt's failure is recorded; later attempts are not). A run that its workers complete
 * is not stuck, whatever another bundle says of it: it is no case for a reset.
 */
export function failingNondeterministically(history: History): boolean {
  const events = history.events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return false;
    if (
      event.workflowTaskFailedEventAttributes?.cause ===
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
    )
      return true;
  }
  return false;
}

/** Resets the run to the task (it runs again under the deployed code); returns the new run's ID. */
export async function resetToTask(client: Client, task: NondeterministicTask, reason: string): Promise<string> {
  const request = temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest.fromObject({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: task.workflowId, runId: task.runId },
    workflowTaskFinishEventId: task.completedEventId,
    reason,
    // A retried call with the same request ID is the same reset, not a second one.
    requestId: `repair-${task.runId}-${task.completedEventId}`,
    // Nothing excluded: the Updates and signals that came after the reset point reach the new run again.
    resetReapplyExcludeTypes: [],
  });
  const response = await client.workflowService.resetWorkflowExecution(request);
  return response.runId ?? '';
}
