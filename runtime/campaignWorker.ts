// Builds the campaign-sla workers: the campaign worker runs the workflow code, bundled once per process (or
// prebuilt by `npm run build`), and the ledger and notifier activities; the integrations worker runs the calls
// to Salesforce and Google Ads on the queue beside it. Activities are measured (runtime/metrics) and traced
// when tracing is on (runtime/tracing).
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
import { createRecordActivities, type ActivityDeps } from '../activities/campaignActivities';
import { integrationsTaskQueue, TASK_QUEUE } from '../workflows/messages';
import { CampaignWorkers } from './campaignWorkers';
import { activityMetricsInterceptor } from './metrics/activityMetrics';
import { meteredNotifier, meteredPorts } from './metrics/meteredPorts';
import { tracingStarted, WORKFLOW_INTERCEPTOR_MODULES, workerTracing } from './tracing';

/** The workflow code's entry point: workflows/index.ts from the sources, workflows/index.js in dist/. */
const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');
/** Where `npm run build` writes the prebuilt bundle: dist/workflow-bundle.js, next to dist/runtime/ (from the sources the file does not exist). */
const DEFAULT_WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '../workflow-bundle.js');
const WORKFLOW_BUNDLE_PATH_ENV = 'WORKFLOW_BUNDLE_PATH';

const bundles = new Map<boolean, Promise<WorkflowBundleWithSourceMap>>();

/**
 * Bundles the workflow code once per variant; every worker in the process reuses it. The variants differ in what a
 * new run does with OpenTelemetry's workflow interceptors (workflows/tracing/perRunTracing.ts): the default runs
 * without them, the `tracing` variant with them. Both replay every history (test/replay.test.ts) and share one
 * build ID (runtime/deployment.ts).
 */
export function workflowBundle(options: { tracing?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  const tracing = options.tracing ?? false;
  let pending = bundles.get(tracing);
  if (!pending) {
    pending = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      workflowInterceptorModules: [WORKFLOW_INTERCEPTOR_MODULES[tracing ? 'traced' : 'untraced']],
      logger: quietBundlerLogger,
      webpackConfigHook: nativeSyntax,
    }).then((bundled) => ({ ...bundled, code: withBuiltinsBound(withoutSourcesContent(bundled.code)) }));
    bundles.set(tracing, pending);
  }
  return pending;
}

/** Where the traced variant of a prebuilt bundle lies: beside it, `workflow-bundle.js` → `workflow-bundle.traced.js`. */
export function tracedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.traced.js');
}

const BUNDLE_FIRST_LINE = 'var __TEMPORAL__;';
/**
 * Builtins the workflow code reads in its hot paths. Not `Date`: the SDK replaces it per workflow with its
 * deterministic clock. (`Math.random` is replaced on the Math object itself, so the binding sees it.)
 */
const BOUND_BUILTINS = ['Object', 'Array', 'Math', 'JSON', 'Number', 'String', 'Map', 'Set', 'Reflect', 'Symbol'];

/**
 * The bundle with those builtins bound as script-level constants. Inside the workflow sandbox every read of a
 * global goes through the vm context's interceptors (about 100 ns against 5 ns, so a lead batch spent milliseconds
 * on lookups such as `Object.hasOwn`); a script-level binding of the very same object is read directly. Added on
 * the bundle's first line, so the source map's lines stay where they are.
 */
export function withBuiltinsBound(code: string): string {
  if (!code.startsWith(`${BUNDLE_FIRST_LINE}\n`)) {
    throw new Error(`the workflow bundle does not start with "${BUNDLE_FIRST_LINE}"`);
  }
  return `${BUNDLE_FIRST_LINE}const { ${BOUND_BUILTINS.join(', ')} } = globalThis;${code.slice(BUNDLE_FIRST_LINE.length)}`;
}

const INLINE_SOURCE_MAP =
  /\n\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * The bundle's inline source map without the sources' text (2.4 MB of its 3.2 MB): the worker keeps the map parsed in
 * memory (about 25 MB with the text here), while stack traces need only its mappings to name file and line.
 * The text serves only `showStackTraceSources`, which this worker leaves off.
 */
export function withoutSourcesContent(code: string): string {
  const inline = INLINE_SOURCE_MAP.exec(code);
  if (!inline) throw new Error('the workflow bundle has no inline source map');
  const map = JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')) as Record<string, unknown>;
  delete map.sourcesContent;
  const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
  return `${code.slice(0, inline.index)}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${encoded}`;
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
 * The prebuilt bundle named by WORKFLOW_BUNDLE_PATH (which must exist) or found at the default path, or its traced
 * variant beside it when `tracing` (which must exist too); undefined when there is none, so the worker bundles
 * in-process as in development.
 */
export function prebuiltWorkflowBundle(
  env: NodeJS.ProcessEnv = process.env,
  options: { tracing?: boolean } = {},
): { codePath: string } | undefined {
  const configured = env[WORKFLOW_BUNDLE_PATH_ENV]?.trim();
  if (configured && !existsSync(configured))
    throw new Error(`${WORKFLOW_BUNDLE_PATH_ENV}=${configured} does not exist`);
  const untraced = configured ? path.resolve(configured) : DEFAULT_WORKFLOW_BUNDLE_PATH;
  if (!existsSync(untraced)) return undefined;
  if (!options.tracing) return { codePath: untraced };
  const traced = tracedBundlePath(untraced);
  if (!existsSync(traced))
    throw new Error(`tracing is on, but the traced workflow bundle ${traced} does not exist (npm run build writes it)`);
  return { codePath: traced };
}

export const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

/**
 * What a process serves: `all` (one process, both workers), `campaign` (workflows, ledger, notifier: never loads
 * the Salesforce or Google Ads clients) or `integrations` (the calls to them, with their credentials).
 */
export type WorkerRole = 'all' | 'campaign' | 'integrations';
export const WORKER_ROLES: readonly WorkerRole[] = ['all', 'campaign', 'integrations'];

export interface CampaignWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** The ports are needed by the integrations worker only. */
  deps: Omit<ActivityDeps, 'ports'> & { ports?: ActivityDeps['ports'] };
  /** Default `all`. */
  role?: WorkerRole;
  /** The campaign's task queue; its integrations queue is derived from it (workflows/messages.ts). */
  taskQueue?: string;
  /** Extra activities for the campaign worker (e.g. the quarterly reset's, which need a Temporal client). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Default: the workflow code bundled in this process (its traced variant when tracing is on). */
  workflowBundle?: WorkflowBundleOption;
  interceptors?: WorkerInterceptors;
  /** Worker Deployment Versioning (runtime/deployment.ts), for every worker of the process; unversioned when absent. */
  deployment?: WorkerDeploymentOptions;
}

export async function createCampaignWorker(options: CampaignWorkerOptions): Promise<CampaignWorkers> {
  const { deps } = options;
  const role = options.role ?? 'all';
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const tracing = workerTracing();
  const notifier = meteredNotifier(deps.notifier);
  const shared = {
    connection: options.connection,
    namespace: options.namespace,
    interceptors: {
      ...options.interceptors,
      activity: [
        ...tracing.activityInterceptors,
        activityMetricsInterceptor,
        ...(options.interceptors?.activity ?? []),
      ],
    },
    workerDeploymentOptions: options.deployment,
  };
  let integrations: Record<string, (...args: never[]) => Promise<unknown>> | undefined;
  if (role !== 'campaign') {
    if (!deps.ports) throw new Error('the integrations worker needs the Salesforce and Google Ads ports');
    // Loaded here, not imported above: a campaign-only worker never loads the vendors' clients.
    const { createIntegrationActivities } = await import('../activities/integrationActivities');
    integrations = createIntegrationActivities({ ledger: deps.ledger, notifier, ports: meteredPorts(deps.ports) });
  }
  const workers: Worker[] = [];
  if (role !== 'integrations') {
    workers.push(
      await Worker.create({
        ...shared,
        taskQueue,
        workflowBundle: options.workflowBundle ?? (await workflowBundle({ tracing: tracingStarted() })),
        activities: {
          ...createRecordActivities({ ledger: deps.ledger, notifier }),
          // One process serving both: calls scheduled on the campaign queue (by code before the integrations
          // queue existed) are served too.
          ...integrations,
          ...options.extraActivities,
        },
        sinks: tracing.sinks,
        // After a kill -9 the server keeps the campaign's next task on the dead worker's sticky queue until this
        // passes (default 10 s), holding its clocks; a short wait hands it to a live worker sooner, for one replay.
        stickyQueueScheduleToStartTimeout: '3s',
      }),
    );
  }
  if (integrations) {
    workers.push(
      await Worker.create({ ...shared, taskQueue: integrationsTaskQueue(taskQueue), activities: integrations }),
    );
  }
  return new CampaignWorkers(workers);
}
