// Admin and release commands: `setup-namespace` (the namespace and search attributes, once per
// cluster), `replay` (the workflow code about to be deployed against live histories) and `repair` (a campaign
// stuck on a nondeterministic workflow task, reset to that task).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { SalesforceCrm } from '../../activities/crm/salesforceCrm';
import { prebuiltWorkflowBundle } from '../../runtime/campaignWorker';
import { ensureNamespace } from '../../runtime/namespace';
import { recentCampaignsQuery, replayHistories, type ReplayReport } from '../../runtime/replay';
import {
  failingNondeterministically,
  firstNondeterministicTask,
  resetToTask,
  type NondeterministicTask,
} from '../../runtime/repair';
import { registerSearchAttributes } from '../../runtime/searchAttributes';
import { PinoTemporalLogger } from '../../runtime/temporalLogger';
import { parseDuration } from '../../sla/duration';
import { allSearchAttributeKeys, campaignWorkflowId } from '../../workflows/messages';
import { onCampaign } from './campaigns';
import { badInput, CliError, ExitCode, oneLine } from './errors';

export interface NamespaceSetup {
  namespace: string;
  namespaceCreated: boolean;
  searchAttributesAdded: string[];
  searchAttributes: { name: string; type: string }[];
}

export async function setupNamespace(client: Client, retention: string): Promise<NamespaceSetup> {
  let retentionMs: number;
  try {
    retentionMs = parseDuration(retention);
  } catch (err) {
    throw badInput(`--retention: ${(err as Error).message}`);
  }
  const namespace = client.options.namespace;
  const namespaceCreated = await ensureNamespace(client, namespace, retentionMs);
  const searchAttributesAdded = await registerSearchAttributes(client, namespace);
  return {
    namespace,
    namespaceCreated,
    searchAttributesAdded,
    searchAttributes: allSearchAttributeKeys.map((key) => ({ name: key.name, type: key.type })),
  };
}

/**
 * The replay worker needs a Temporal runtime; the CLI's is quiet: warnings as one-line JSON on stderr, the SDK's and
 * core's alike (core's are forwarded instead of printed as ANSI lines on stdout), so stdout holds only the result.
 */
function installQuietRuntime(): void {
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(pino({ level: 'warn' }, pino.destination(2))),
      telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });
  } catch (err) {
    // Already installed by the host process (tests): keep that one.
    if (!(err instanceof IllegalStateError)) throw err;
  }
}

/** `--bundle`, else the prebuilt bundle the workers run (dist/workflow-bundle.js), else the code bundled here. */
function bundleToCheck(bundlePath: string | undefined): { codePath: string } | undefined {
  if (bundlePath && !existsSync(bundlePath)) throw badInput(`--bundle: ${bundlePath} does not exist`);
  return bundlePath ? { codePath: path.resolve(bundlePath) } : prebuiltWorkflowBundle();
}

export interface ReplayOptions {
  since: string;
  query?: string;
  bundle?: string;
}

/** Replays and throws (exit 1) on the first nondeterminism, naming the workflow and the mismatch. */
export async function replayCommand(
  client: Client,
  options: ReplayOptions,
  sinceIso: string,
  progress: (line: string) => void,
): Promise<ReplayReport & { query: string; bundle: string }> {
  const bundle = bundleToCheck(options.bundle);
  installQuietRuntime();
  const query = options.query ?? recentCampaignsQuery(sinceIso);
  const report = await replayHistories(client, {
    query,
    bundle,
    onResult: (failure) => failure && progress(`nondeterminism in ${failure.workflowId}: ${oneLine(failure.message)}`),
  });
  const described = { ...report, query, bundle: bundle?.codePath ?? 'bundled from workflows/' };
  const first = report.failures[0];
  if (first) {
    throw new CliError(
      `replay failed for ${report.failures.length} of ${report.replayed} histories; first: workflow ${first.workflowId} (run ${first.runId}): ${first.kind}: ${oneLine(first.message)}`,
      ExitCode.failed,
    );
  }
  return described;
}

export interface RepairOutcome {
  campaignId: string;
  workflowId: string;
  runId: string;
  bundle: string;
  /** The first workflow task that no longer replays; null: the run replays, nothing to repair. */
  nondeterministic: NondeterministicTask | null;
  /** The same reset with the Temporal CLI. */
  resetCommand: string | null;
  /** Whether the workers fail the run's workflow tasks with a nondeterminism error now (a reset needs it). */
  failing: boolean;
  /** The new run, when --apply reset the campaign. */
  resetRunId: string | null;
}

/**
 * `repair <campaign>`: replays the campaign's current run against the deployed code and names the first workflow task
 * it no longer replays; with `apply`, resets the run to that task (runtime/repair.ts).
 */
export async function repairCommand(
  client: Client,
  campaignId: string,
  options: { apply?: boolean; force?: boolean; bundle?: string },
): Promise<RepairOutcome> {
  const bundle = bundleToCheck(options.bundle);
  installQuietRuntime();
  const workflowId = campaignWorkflowId(campaignId);
  const { runId } = await onCampaign(campaignId, () => client.workflow.getHandle(workflowId).describe());
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const task = await firstNondeterministicTask(history, { workflowId, runId }, bundle);
  const outcome: RepairOutcome = {
    campaignId,
    workflowId,
    runId,
    bundle: bundle?.codePath ?? 'bundled from workflows/',
    nondeterministic: task ?? null,
    resetCommand: null,
    failing: failingNondeterministically(history),
    resetRunId: null,
  };
  if (!task) return outcome;
  const reason = `campaign-sla repair: the workflow task completed at event ${task.completedEventId} no longer replays`;
  outcome.resetCommand = `temporal workflow reset --workflow-id ${workflowId} --run-id ${runId} --event-id ${task.completedEventId} --reason '${reason}'`;
  // A bundle that is not the workers' code (a stale dist/, a wrong --bundle) finds a "divergence" in a healthy run:
  // resetting that would run its later tasks and activities again for nothing.
  if (options.apply && !outcome.failing && !options.force)
    throw new CliError(
      `campaign ${campaignId}: its workers complete its workflow tasks, so ${outcome.bundle} is not the code they run; not resetting (--force resets anyway)`,
      ExitCode.failed,
    );
  if (options.apply) outcome.resetRunId = await resetToTask(client, task, reason);
  return outcome;
}

export interface CrmCheck {
  ready: true;
  described: string[];
}

/**
 * `check-crm`: the worker's start check of the Salesforce org (activities/crm/orgSetup.ts) on demand, before a
 * deploy: exit 1 naming each field to fix, or when the org does not answer; exit 2 when SALESFORCE_* is incomplete.
 */
export async function checkCrmCommand(env: NodeJS.ProcessEnv): Promise<CrmCheck> {
  let crm: SalesforceCrm;
  try {
    crm = SalesforceCrm.fromEnv(env);
  } catch (err) {
    throw badInput((err as Error).message);
  }
  const problems = await crm.orgSetupProblems().catch((err: unknown) => {
    throw new CliError(`the Salesforce org did not answer: ${oneLine((err as Error).message)}`, ExitCode.failed);
  });
  if (problems.length)
    throw new CliError(`the Salesforce org is not set up for campaign-sla: ${problems.join('; ')}`, ExitCode.failed);
  return { ready: true, described: ['Lead', 'Task'] };
}
