// Admin and release commands: `setup-namespace` (the namespace and search attributes, once per
// cluster) and `replay` (the workflow code about to be deployed against live histories).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { prebuiltWorkflowBundle } from '../../runtime/campaignWorker';
import { ensureNamespace } from '../../runtime/namespace';
import { recentCampaignsQuery, replayHistories, type ReplayReport } from '../../runtime/replay';
import { registerSearchAttributes } from '../../runtime/searchAttributes';
import { PinoTemporalLogger } from '../../runtime/temporalLogger';
import { parseDuration } from '../../sla/duration';
import { allSearchAttributeKeys } from '../../workflows/messages';
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
  if (options.bundle && !existsSync(options.bundle)) throw badInput(`--bundle: ${options.bundle} does not exist`);
  installQuietRuntime();
  const query = options.query ?? recentCampaignsQuery(sinceIso);
  const bundle = options.bundle ? { codePath: path.resolve(options.bundle) } : prebuiltWorkflowBundle();
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
