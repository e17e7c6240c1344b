// Builds the campaign-sla worker: workflow code bundled once per process (or prebuilt by `npm run build`),
// activities bound to ports, measured (runtime/metrics) and traced when tracing is on (runtime/tracing).
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  bundleWorkflowCode,
  Worker,
  type BundleOptions,
  type NativeConnection,
  type WorkerDeploymentOptions,
  type WorkerInterceptors,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/campaignActivities';
import { TASK_QUEUE } from '../workflows/messages';
import { activityMetricsInterceptor } from './metrics/activityMetrics';
import { meteredNotifier, meteredPorts } from './metrics/meteredPorts';
import { WORKFLOW_TRACING_MODULE, workerTracing } from './tracing';

/** The workflow code's entry point: workflows/index.ts from the sources, workflows/index.js in dist/. */
const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');
/** Where `npm run build` writes the prebuilt bundle: dist/workflow-bundle.js, next to dist/runtime/ (from the sources the file does not exist). */
const DEFAULT_WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '../workflow-bundle.js');
const WORKFLOW_BUNDLE_PATH_ENV = 'WORKFLOW_BUNDLE_PATH';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once; every worker in the process reuses it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: quietBundlerLogger,
    webpackConfigHook: nativeSyntax,
  });
  return bundle;
}

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/**
 * Compiles the workflow code to ES2022, which Node 20 runs natively, instead of the SDK's default ES2017: at
 * ES2017 every object spread became a helper call, a third of the workflow thread's time during intake.
 */
function nativeSyntax(config: WebpackConfig): WebpackConfig {
  for (const rule of config.module?.rules ?? []) {
    const use = rule && typeof rule === 'object' ? rule.use : undefined;
    if (!use || typeof use !== 'object' || Array.isArray(use) || !String(use.loader).includes('swc-loader')) continue;
    const options = use.options as { jsc?: { target?: string } } | undefined;
    if (options?.jsc) options.jsc.target = 'es2022';
  }
  return config;
}

/**
 * The prebuilt bundle named by WORKFLOW_BUNDLE_PATH (which must exist) or found at the default path;
 * undefined when there is none, so the worker bundles in-process as in development.
 */
export function prebuiltWorkflowBundle(env: NodeJS.ProcessEnv = process.env): { codePath: string } | undefined {
  const configured = env[WORKFLOW_BUNDLE_PATH_ENV]?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`${WORKFLOW_BUNDLE_PATH_ENV}=${configured} does not exist`);
    return { codePath: path.resolve(configured) };
  }
  return existsSync(DEFAULT_WORKFLOW_BUNDLE_PATH) ? { codePath: DEFAULT_WORKFLOW_BUNDLE_PATH } : undefined;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

export interface CampaignWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  /** Extra activities (e.g. the quarterly reset's, which need a Temporal client). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Default: the workflow code bundled in this process. */
  workflowBundle?: WorkflowBundleOption;
  interceptors?: WorkerInterceptors;
  /** Worker Deployment Versioning (runtime/deployment.ts); unversioned when absent. */
  deployment?: WorkerDeploymentOptions;
}

export async function createCampaignWorker(options: CampaignWorkerOptions): Promise<Worker> {
  const { deps } = options;
  const tracing = workerTracing();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: options.workflowBundle ?? (await workflowBundle()),
    activities: {
      ...createActivities({ ...deps, ports: meteredPorts(deps.ports), notifier: meteredNotifier(deps.notifier) }),
      ...options.extraActivities,
    },
    interceptors: {
      ...options.interceptors,
      activity: [
        ...tracing.activityInterceptors,
        activityMetricsInterceptor,
        ...(options.interceptors?.activity ?? []),
      ],
    },
    sinks: tracing.sinks,
    workerDeploymentOptions: options.deployment,
    // After a kill -9 the server keeps the campaign's next task on the dead worker's sticky queue until this
    // passes (default 10 s), holding its clocks; a short wait hands it to a live worker sooner, for one replay.
    stickyQueueScheduleToStartTimeout: '3s',
  });
}
