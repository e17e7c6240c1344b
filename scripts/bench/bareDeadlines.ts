// The escalation figure's baselines, in the same run, on the same server and for the same deadlines as the
// campaign's: bare workflows that only wait for each deadline and then start an escalation activity, which
// records when it started. One timer per workflow (noopWorkflow.ts leadPerWorkflow, started ten seconds ahead)
// shows the server's timer precision for a lone timer; one workflow for all the deadlines
// (deadlinesInOneWorkflow) is the floor for a campaign that holds them in one workflow.
import { NOOP_QUEUE, type BenchEnvironment } from './benchEnvironment';
import { deadlinesInOneWorkflow, leadPerWorkflow } from './noopWorkflow';
import { spreadOf, type Spread } from './stats';

/** One arrival wave: its leads share a deadline. */
export interface DeadlineWave {
  deadline: number;
  leads: number;
}

export interface BareDeadlineLatency {
  /** Escalation activity start − deadline, in ms, counted once per lead of each wave. */
  timerPerWorkflowMs: Spread;
  oneWorkflowMs: Spread;
}

/** Starts the baselines for `waves`; the function it returns waits for them to finish and gives their latencies. */
export async function startBareDeadlines(
  env: BenchEnvironment,
  id: string,
  waves: DeadlineWave[],
): Promise<() => Promise<BareDeadlineLatency>> {
  const perWorkflow = waves.map((wave, i) => ({ ...wave, leadId: `${id}-timer-${i}` }));
  const inOne = waves.map((wave, i) => ({ ...wave, leadId: `${id}-one-${i}` }));
  const runs = await Promise.all([
    ...perWorkflow.map((wave) =>
      env.client.workflow.start(leadPerWorkflow, {
        taskQueue: NOOP_QUEUE,
        workflowId: wave.leadId,
        args: [wave.leadId, wave.deadline],
      }),
    ),
    env.client.workflow.start(deadlinesInOneWorkflow, {
      taskQueue: NOOP_QUEUE,
      workflowId: `${id}-one`,
      args: [inOne.map((wave) => ({ leadId: wave.leadId, at: wave.deadline }))],
    }),
  ]);
  return async () => {
    await Promise.all(runs.map((run) => run.result()));
    return { timerPerWorkflowMs: latencyOf(env, perWorkflow), oneWorkflowMs: latencyOf(env, inOne) };
  };
}

function latencyOf(env: BenchEnvironment, waves: (DeadlineWave & { leadId: string })[]): Spread {
  return spreadOf(
    waves.flatMap((wave) => {
      const at = env.bareEscalations.get(wave.leadId);
      if (at === undefined) throw new Error(`the baseline's bare deadline ${wave.leadId} never escalated`);
      return Array.from({ length: wave.leads }, () => at - wave.deadline);
    }),
  );
}
