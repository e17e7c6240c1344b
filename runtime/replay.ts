// Replays the histories of running and recent workflows (campaigns and quarterly resets) against a workflow bundle
// before it is deployed: a nondeterministic change shows up here instead of as stuck workflow tasks in production.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import type * as workflows from '../workflows';
import { workflowBundle } from './campaignWorker';
import { tracingStarted, workerTracing } from './tracing';

export interface ReplayFailure {
  workflowId: string;
  runId: string;
  /** DeterminismViolationError (the code changed) or ReplayError (the replay itself broke). */
  kind: string;
  message: string;
}

export interface ReplayReport {
  replayed: number;
  /** Histories replayed per workflow type (from each history's start event). */
  workflowTypes: Record<string, number>;
  failures: ReplayFailure[];
}

/**
 * Every workflow type the worker registers (the exports of workflows/index.ts): a new workflow that is not
 * listed here does not compile, so the pre-deploy replay never silently skips one.
 */
const REGISTERED: Record<keyof typeof workflows, true> = { campaignSla: true, quarterlyReset: true };
export const WORKFLOW_TYPES = Object.keys(REGISTERED).sort();

/** Running workflows of every registered type (campaigns, quarterly resets) and those closed since `since` (ISO time). */
export function recentCampaignsQuery(since: string): string {
  const types = WORKFLOW_TYPES.map((type) => `"${type}"`).join(', ');
  return `WorkflowType IN (${types}) AND (ExecutionStatus = "Running" OR CloseTime >= "${since}")`;
}

/** What a replay needs besides the code: the sinks the workflow calls, so a replay logs no missing-sink errors. */
export async function replayWorkerOptions(bundle?: WorkflowBundleOption): Promise<ReplayWorkerOptions> {
  return {
    workflowBundle: bundle ?? (await workflowBundle({ tracing: tracingStarted() })),
    sinks: workerTracing().sinks,
  };
}

/**
 * Replays every history the visibility query matches. `bundle` is the code to check (a prebuilt
 * dist/workflow-bundle.js as { codePath }); default: the workflow code bundled in this process.
 */
export async function replayHistories(
  client: Client,
  options: { query: string; bundle?: WorkflowBundleOption; onResult?: (failure?: ReplayFailure) => void },
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, workflowTypes: {}, failures: [] };
  const listed = client.workflow.list({ query: options.query }).intoHistories();
  // Each history replays as the workflow type its start event names, so a quarterly reset runs quarterlyReset.
  async function* histories() {
    for await (const item of listed) {
      const history = item.history as temporal.api.history.v1.IHistory;
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const type = started?.workflowType?.name ?? 'unknown';
      report.workflowTypes[type] = (report.workflowTypes[type] ?? 0) + 1;
      yield item;
    }
  }
  const results = Worker.runReplayHistories(await replayWorkerOptions(options.bundle), histories());
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
