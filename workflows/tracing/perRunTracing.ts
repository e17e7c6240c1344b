// OpenTelemetry's workflow interceptors, decided once per run. Until 2026-12-05 every bundle held them, and their
// spans' promises and extra awaits are part of the command order those runs recorded: such a run keeps them to its
// end on every worker. A new run decides at its start: the untraced bundle records the patch marker and runs
// without them (with tracing off their spans went nowhere, at a quarter of an intake batch's time), the traced
// bundle runs with them and records nothing. A replay follows the marker whichever bundle replays it.
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  patched,
  workflowInfo,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

const UNTRACED_RUN_PATCH = 'untraced-run';

interface OpenTelemetry {
  inbound: OpenTelemetryInboundInterceptor;
  outbound: OpenTelemetryOutboundInterceptor;
  internals: OpenTelemetryInternalsInterceptor;
}

/** The interceptors for one run; `traceNewRuns` is the bundle's variant. */
export function perRunTracing(traceNewRuns: boolean): () => WorkflowInterceptors {
  return () => {
    // undefined until the run's first intercepted call (its start), when patch markers are known; null: untraced.
    let openTelemetry: OpenTelemetry | null | undefined;
    const decide = (): OpenTelemetry | null => {
      if (openTelemetry === undefined) {
        // patched() during a replay only reads the history's marker; the traced bundle never records one.
        const untraced = traceNewRuns
          ? workflowInfo().unsafe.isReplaying && patched(UNTRACED_RUN_PATCH)
          : patched(UNTRACED_RUN_PATCH);
        openTelemetry = untraced
          ? null
          : {
              inbound: new OpenTelemetryInboundInterceptor(),
              outbound: new OpenTelemetryOutboundInterceptor(),
              internals: new OpenTelemetryInternalsInterceptor(),
            };
      }
      return openTelemetry;
    };
    // Each call goes to OpenTelemetry's interceptor (its result returned as is: no await of ours) or straight on.
    // Queries, validators, log attributes, metric tags and disposal may make no commands: they follow the run's
    // decision (made at its start) but never make it.
    const via = <T>(otel: OpenTelemetry | null, traced: (otel: OpenTelemetry) => T, untraced: () => T): T =>
      otel ? traced(otel) : untraced();
    const decided = () => openTelemetry ?? null;

    const inbound: WorkflowInboundCallsInterceptor = {
      execute: (input, next) =>
        via(
          decide(),
          (o) => o.inbound.execute(input, next),
          () => next(input),
        ),
      handleSignal: (input, next) =>
        via(
          decide(),
          (o) => o.inbound.handleSignal(input, next),
          () => next(input),
        ),
      handleUpdate: (input, next) =>
        via(
          decide(),
          (o) => o.inbound.handleUpdate(input, next),
          () => next(input),
        ),
      validateUpdate: (input, next) =>
        via(
          decided(),
          (o) => o.inbound.validateUpdate(input, next),
          () => next(input),
        ),
      handleQuery: (input, next) =>
        via(
          decided(),
          (o) => o.inbound.handleQuery(input, next),
          () => next(input),
        ),
    };
    const outbound: WorkflowOutboundCallsInterceptor = {
      scheduleActivity: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.scheduleActivity(input, next),
          () => next(input),
        ),
      scheduleLocalActivity: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.scheduleLocalActivity(input, next),
          () => next(input),
        ),
      startNexusOperation: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.startNexusOperation(input, next),
          () => next(input),
        ),
      startChildWorkflowExecution: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.startChildWorkflowExecution(input, next),
          () => next(input),
        ),
      continueAsNew: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.continueAsNew(input, next),
          () => next(input),
        ),
      signalWorkflow: (input, next) =>
        via(
          decide(),
          (o) => o.outbound.signalWorkflow(input, next),
          () => next(input),
        ),
      getLogAttributes: (input, next) =>
        via(
          decided(),
          (o) => o.outbound.getLogAttributes(input, next),
          () => next(input),
        ),
      getMetricTags: (input, next) =>
        via(
          decided(),
          (o) => o.outbound.getMetricTags(input, next),
          () => next(input),
        ),
    };
    const internals: WorkflowInternalsInterceptor = {
      dispose: (input, next) => {
        const otel = decided();
        // OpenTelemetry's dispose is async only by its signature: it disables its context manager and calls next.
        if (otel) void otel.internals.dispose(input, next);
        else next(input);
      },
    };
    return { inbound: [inbound], outbound: [outbound], internals: [internals] };
  };
}
