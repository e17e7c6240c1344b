// Worker Deployment Versioning (Temporal Server 1.28+; the dev server here, CLI 1.9.1, is Server 1.32.0). With
// CAMPAIGN_SLA_DEPLOYMENT set, the worker polls as version <deployment>.<build ID>, the build ID being the hash of
// the workflow bundle it runs (its untraced variant: tracing adds no commands), and campaign runs are PINNED: a run stays on the code that started it and moves to
// the deployment's current version when it continues as new (workflows/campaignSla/continueAsNew.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkerDeploymentOptions, WorkflowBundleOption } from '@temporalio/worker';
import { workflowBundle } from './campaignWorker';

const DEPLOYMENT_ENV = 'CAMPAIGN_SLA_DEPLOYMENT';

const INLINE_SOURCE_MAP = '\n//# sourceMappingURL=data:';

/**
 * The same code gives the same build ID wherever it is built: the inline source map, which names the build
 * machine's paths, is left out.
 */
export function buildIdOf(code: string): string {
  const map = code.lastIndexOf(INLINE_SOURCE_MAP);
  return createHash('sha256')
    .update(map === -1 ? code : code.slice(0, map))
    .digest('hex')
    .slice(0, 16);
}

async function bundleCode(bundle: WorkflowBundleOption | undefined): Promise<string> {
  if (!bundle) return (await workflowBundle()).code;
  return 'code' in bundle ? bundle.code : readFile(bundle.codePath, 'utf8');
}

/**
 * The worker's deployment version when CAMPAIGN_SLA_DEPLOYMENT names one; undefined runs unversioned. `bundle` is the
 * untraced bundle (undefined: bundled in-process), whatever variant the worker runs.
 */
export async function workerDeploymentFromEnv(
  bundle: WorkflowBundleOption | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerDeploymentOptions | undefined> {
  const deploymentName = env[DEPLOYMENT_ENV]?.trim();
  if (!deploymentName) return undefined;
  return {
    version: { deploymentName, buildId: buildIdOf(await bundleCode(bundle)) },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  };
}
