// The time the loop decides by: which clocks fire, whether a poll, check, write, route or publish starts. A workflow
// task that made no command is replayed at a later task's time (retryTiming.ts), and a replay cannot tell whether that
// later task woke the loop live: when it did not (an Update the validator refused, say), a deadline that fell between
// the two fired on replay and not live, and the replay failed (chaos run of 2026-12-07, kept in
// test/fixtures/nondeterministic). So until the task has made a command, the loop decides by the latest time the
// history fixes: a command's task or a wake-up timer's fire time. Once it has made one, its own time replays the same.
import { patched, sleep, workflowInfo } from '@temporalio/workflow';
import type { BookContext } from '../../sla/leadBook';
import type { CampaignRun } from './run';

/** Runs recorded before this decided by the time of whichever task woke the loop. */
const DECISIONS_AT_REPLAYED_TIMES = 'decisions-at-replayed-times';

export interface DecisionClock {
  /** Patch decisions-at-replayed-times, asked once as the run starts. */
  replayed: boolean;
  /** The latest time the history fixes: a task that made a command, or a wake-up timer's fire time. */
  fixedAt: number;
}

export function newDecisionClock(): DecisionClock {
  return { replayed: false, fixedAt: workflowInfo().runStartTime.getTime() };
}

export function decideDecisionTime(run: CampaignRun): void {
  run.decisionClock.replayed = patched(DECISIONS_AT_REPLAYED_TIMES);
}

/** Called where a command is made: this task's time now replays the same. */
export function noteCommand(run: CampaignRun): void {
  run.decisionClock.fixedAt = Math.max(run.decisionClock.fixedAt, Date.now());
}

/**
 * Starts a timer, a command, and when it fires notes the time it was set to fire (its start's time plus its
 * duration). Returns the timer's own promise, so callers wait on it as they would on the bare timer.
 */
export function sleepFixingTime(run: CampaignRun, ms: number, summary: string): Promise<void> {
  const firesAt = Date.now() + ms;
  const timer = sleep(ms, { summary });
  timer.then(
    () => {
      run.decisionClock.fixedAt = Math.max(run.decisionClock.fixedAt, firesAt);
    },
    () => undefined,
  );
  noteCommand(run);
  return timer;
}

export function decisionNow(run: CampaignRun): number {
  const now = Date.now();
  return run.decisionClock.replayed ? Math.min(now, run.decisionClock.fixedAt) : now;
}

/** The lead book's context at the decision time (handlers keep the task's own time for what they validate). */
export function decisionContext(run: CampaignRun): BookContext {
  return { ...run.ctx(), now: decisionNow(run) };
}
