// A canary for a Temporal SDK bug, not ours: a query sent to a workflow whose run no worker has cached (after a
// deploy or worker restart, or from the Temporal UI) goes out as a "legacy query" task carrying the history. When an
// event lands between the query's dispatch and the worker taking it (a timer fires, so a workflow task is scheduled
// and not yet started), @temporalio/worker 1.24's core applies that event while answering the query: the workflow
// wakes on the previous task's clock, and the commands it makes go out with the next real task. Replays read the
// right time, so a workflow whose decisions depend on time becomes nondeterministic (TMPRL1100) and needs a reset;
// a race of the same kind also sends commands in an order a replay does not (an Update accepted before a timer).
// With one worker that holds the run, the same query load shows neither. This measures both, on the installed SDK,
// so an upgrade shows whether the bug is gone (the restarts' figures drop to 0).
import { temporal } from '@temporalio/proto';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { quietBundlerLogger } from '../../runtime/campaignWorker';
import { eventTimeMs } from '../../runtime/historyEvents';
import { devServer } from '../../test/support/devServer';
import type { Figure } from './checks';
import { addUpdate, countQuery, queryRaceProbe } from './sdkQueryRaceWorkflow';

const EventType = temporal.api.enums.v1.EventType;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface QueryRaceOptions {
  /** Worker restarts, each followed by 2.5 s of queries on the new worker. */
  restarts: number;
  /** The control: the same query load on one worker that never restarts. */
  steadyMs: number;
  /** Queries sent at once in each burst. */
  queriesPerBurst: number;
}

interface ProbeOutcome {
  timers: number;
  staleWakeUps: string[];
  replay: string | undefined;
}

export async function sdkQueryRaceFigures(options: QueryRaceOptions, log: (line: string) => void): Promise<Figure[]> {
  const env = await devServer();
  try {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./sdkQueryRaceWorkflow'),
      logger: quietBundlerLogger,
    });
    log(`sdk query race: control, one worker under queries for ${options.steadyMs / 1000} s`);
    const control = await probe(
      env,
      workflowBundle,
      options.queriesPerBurst,
      'control',
      async (startWorker, queryLoad) => {
        const worker = await startWorker();
        await queryLoad(options.steadyMs);
        await worker.stop();
      },
    );
    const afterRestarts = async (queriesPerBurst: number) => {
      log(
        `sdk query race: ${options.restarts} graceful worker restarts, bursts of ${queriesPerBurst} on each new worker`,
      );
      return probe(env, workflowBundle, queriesPerBurst, 'restarts', async (startWorker, queryLoad) => {
        for (let i = 0; i < options.restarts; i++) {
          const first = await startWorker();
          await sleep(1_500 + Math.random() * 1_500);
          await first.stop();
          const next = await startWorker();
          await queryLoad(2_500);
          await next.stop();
        }
      });
    };
    const concurrent = await afterRestarts(options.queriesPerBurst);
    // One query at a time, as the dashboard sends them per campaign (reports/singleFlight.ts) and the CLI does.
    const oneAtATime = await afterRestarts(1);
    return [
      ...outcomeFigures(`one worker, bursts of ${options.queriesPerBurst}, no restarts`, control, true),
      ...outcomeFigures(`a worker restart before each burst of ${options.queriesPerBurst}`, concurrent, false),
      ...outcomeFigures('a worker restart before each burst of 1', oneAtATime, false),
    ];
  } finally {
    await env.teardown();
  }
}

function outcomeFigures(condition: string, outcome: ProbeOutcome, mustHold: boolean): Figure[] {
  const ok = (failed: boolean) => (mustHold ? !failed : null);
  return [
    {
      section: 'sdk query race',
      name: `${condition}: wake-ups that read a time before the timer that woke them (of ${outcome.timers})`,
      expected: mustHold ? 0 : null,
      actual: outcome.staleWakeUps.length,
      ok: ok(outcome.staleWakeUps.length > 0),
      examples: outcome.staleWakeUps.slice(0, 3),
    },
    {
      section: 'sdk query race',
      name: `${condition}: history nondeterministic on replay`,
      expected: mustHold ? 0 : null,
      actual: outcome.replay ? 1 : 0,
      ok: ok(outcome.replay !== undefined),
      examples: outcome.replay ? [outcome.replay.slice(0, 300)] : [],
    },
  ];
}

interface RunningWorker {
  stop(): Promise<void>;
}

async function probe(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  queriesPerBurst: number,
  name: string,
  drive: (startWorker: () => Promise<RunningWorker>, queryLoad: (ms: number) => Promise<void>) => Promise<void>,
): Promise<ProbeOutcome> {
  const taskQueue = `sdk-query-race-${name}-${Date.now().toString(36)}`;
  const handle = await env.client.workflow.start(queryRaceProbe, { taskQueue, workflowId: taskQueue });
  const startWorker = async (): Promise<RunningWorker> => {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
    const running = worker.run();
    return {
      stop: async () => {
        worker.shutdown();
        await running;
      },
    };
  };
  // Bursts of queries, as dashboards or a check of many leads sends them, with Updates the validator rejects
  // (a workflow task that leaves no history) and some it accepts.
  const queryLoad = async (ms: number) => {
    const calls: Promise<unknown>[] = [];
    const until = Date.now() + ms;
    const settle = (p: Promise<unknown>) => calls.push(p.catch(() => undefined));
    while (Date.now() < until) {
      for (let i = 0; i < queriesPerBurst; i++) settle(handle.query(countQuery));
      if (Math.random() < 0.3) settle(handle.executeUpdate(addUpdate, { args: [-1] }));
      if (Math.random() < 0.1) settle(handle.executeUpdate(addUpdate, { args: [1] }));
      await sleep(100 + Math.random() * 300);
    }
    await Promise.all(calls);
  };
  try {
    await drive(startWorker, queryLoad);
  } finally {
    await handle.terminate('sdk query race probe done').catch(() => undefined);
  }
  const history = await handle.fetchHistory();
  const replay = await Worker.runReplayHistory({ workflowBundle, replayName: name }, history).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return { ...staleWakeUps(history), replay };
}

/** Timers started on a wake-up by a timer, whose summary (the time the workflow read) precedes that timer's firing. */
export function staleWakeUps(history: temporal.api.history.v1.IHistory): { timers: number; staleWakeUps: string[] } {
  let firedAt: number | undefined;
  let timers = 0;
  const stale: string[] = [];
  for (const event of history.events ?? []) {
    if (event.eventType === EventType.EVENT_TYPE_TIMER_FIRED) firedAt = eventTimeMs(event);
    if (event.eventType !== EventType.EVENT_TYPE_TIMER_STARTED) continue;
    timers += 1;
    const summary = event.userMetadata?.summary?.data;
    const readAt = summary ? Number(JSON.parse(Buffer.from(summary).toString('utf8'))) : NaN;
    if (firedAt !== undefined && readAt < firedAt) {
      stale.push(
        `event ${String(event.eventId)}: read ${new Date(readAt).toISOString()}, woken by a timer fired at ${new Date(firedAt).toISOString()}`,
      );
    }
    firedAt = undefined;
  }
  return { timers, staleWakeUps: stale };
}
