// Turns a failed measurement into a sentence that says what went wrong inside the engine: the error
// chain the client saw, plus the latest workflow task failure recorded in the workflow's history
// (e.g. a continue-as-new payload over the server's blob limit), which the client never sees.
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';

/** The message of an error and of each cause under it, e.g. "Workflow Update failed: deadline exceeded". */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (
    let current: unknown = err;
    current !== undefined && current !== null && parts.length < 5;
    current = (current as { cause?: unknown }).cause
  ) {
    const message = current instanceof Error ? current.message : String(current);
    // Wrapped errors often repeat their cause's text; keep each message once.
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    if (!(current instanceof Error)) break;
  }
  return parts.join(': ');
}

/** The last WorkflowTaskFailed event of the workflow's current run, or null when there is none. */
async function lastWorkflowTaskFailure(handle: WorkflowHandle): Promise<string | null> {
  const history = await handle.fetchHistory();
  const failed = (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes).at(-1);
  if (!failed) return null;
  return `workflow task failed at event ${String(failed.eventId)}: ${failed.workflowTaskFailedEventAttributes?.failure?.message ?? 'no message'}`;
}

/** Wraps a measurement error with what the workflow's history says; never hides the original error. */
export async function explainFailure(what: string, err: unknown, handle: WorkflowHandle): Promise<Error> {
  const taskFailure = await lastWorkflowTaskFailure(handle).catch(
    (historyErr: unknown) => `history unavailable: ${errorChain(historyErr)}`,
  );
  return new Error(`${what}: ${errorChain(err)}${taskFailure ? `; ${taskFailure}` : ''}`, { cause: err });
}

/** Terminates a bench workflow so a wedged one stops burning CPU; one that already ended is fine. */
export async function terminateIfRunning(handle: WorkflowHandle, reason: string): Promise<void> {
  await handle.terminate(reason).catch((err: unknown) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  });
}
