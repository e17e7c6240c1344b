// Replays the histories of running and recent campaigns against a workflow bundle before it is deployed:
// a nondeterministic change shows up here instead of as stuck workflow tasks in production.
import type { Client } from '@temporalio/client';
import { Worker, type ReplayWorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { workflowBundle } from './campaignWorker';
import { workerTracing } from './tracing';

export interface ReplayFailure {
  workflowId: string;
  runId: string;
  /** DeterminismViolationError (the code changed) or ReplayError (the replay itself broke). */
  kind: string;
  message: string;
}

export interface ReplayReport {
  replayed: number;
  failures: ReplayFailure[];
}

/** Running campaigns and those closed since `since` (ISO time). */
export function recentCampaignsQuery(since: string): string {
  return `WorkflowType = "campaignSla" AND (ExecutionStatus = "Running" OR CloseTime >= "${since}")`;
}

/** What a replay needs besides the code: the sinks the workflow calls, so a replay logs no missing-sink errors. */
export async function replayWorkerOptions(bundle?: WorkflowBundleOption): Promise<ReplayWorkerOptions> {
  return { workflowBundle: bundle ?? (await workflowBundle()), sinks: workerTracing().sinks };
}

/**
 * Replays every history the visibility query matches. `bundle` is the code to check (a prebuilt
 * dist/workflow-bundle.js as { codePath }); default: the workflow code bundled in this process.
 */
export async function replayHistories(
  client: Client,
  options: { query: string; bundle?: WorkflowBundleOption; onResult?: (failure?: ReplayFailure) => void },
): Promise<ReplayReport> {
  const histories = client.workflow.list({ query: options.query }).intoHistories();
  const results = Worker.runReplayHistories(await replayWorkerOptions(options.bundle), histories);
  const report: ReplayReport = { replayed: 0, failures: [] };
  for await (const result of results) {
    report.replayed += 1;
    const failure = result.error && {
      workflowId: result.workflowId,
      runId: result.runId,
      kind: result.error.name,
      message: result.error.message,
    };
    if (failure) report.failures.push(failure);
    options.onResult?.(failure);
  }
  return report;
}
