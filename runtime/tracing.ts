// OpenTelemetry tracing through the SDK's interceptors (@temporalio/interceptors-opentelemetry): workflow,
// activity and client spans, exported over OTLP/HTTP. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set or
// CAMPAIGN_SLA_TRACING=1 (then the exporter's default, http://localhost:4318). The workflow-side interceptors
// are in the traced workflow bundle only (runtime/campaignWorker.ts), which the worker runs when tracing is on.
import path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/** The workflow-side interceptors of each bundle variant, for the bundler's workflowInterceptorModules. */
export const WORKFLOW_INTERCEPTOR_MODULES = {
  traced: path.resolve(__dirname, '../workflows/tracing/tracedRuns'),
  untraced: path.resolve(__dirname, '../workflows/tracing/untracedRuns'),
};

function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) || env.CAMPAIGN_SLA_TRACING === '1';
}

export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

const tracingOff: WorkerTracing = {
  activityInterceptors: [],
  sinks: { exporter: { export: { fn: () => undefined } } },
};

let active: { worker: WorkerTracing; provider: BasicTracerProvider } | undefined;

/** Starts the exporter and registers the global tracer provider when tracing is enabled (once per process). */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (active || !tracingEnabled(env)) return Boolean(active);
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register();
  active = {
    provider,
    worker: {
      activityInterceptors: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    },
  };
  return true;
}

/** Whether startTracing turned tracing on in this process: the worker then runs the traced workflow bundle. */
export function tracingStarted(): boolean {
  return active !== undefined;
}

/** What a worker adds for tracing: the activity interceptors and the workflow span sink (a no-op when off). */
export function workerTracing(): WorkerTracing {
  return active?.worker ?? tracingOff;
}

/** Flushes the spans still buffered; call before the process exits. */
export async function stopTracing(): Promise<void> {
  await active?.provider.shutdown();
  active = undefined;
}
