// The loop's wake-up timers. A timer is never cancelled: one started for a deadline stays until it fires
// and wakes the loop, and a new one starts only when the next deadline comes before every timer already
// running. A wake-up by a signal, an Update or an activity then adds no timer events (cancelling and
// restarting the timer added two each time), and no completion cancels a timer that fired while its task
// was with the worker, which the time-skipping test server refuses and never retries (sdk-java#3088).
import { condition, patched } from '@temporalio/workflow';
import { decisionNow, sleepFixingTime } from './decisionTime';
import type { CampaignRun } from './run';

export const STANDING_WAKE_UP_TIMERS = 'standing-wake-up-timers';

/** Fire times of the wake-up timers running in this run. */
export type WakeUpTimers = Set<number>;

/**
 * Waits until `wakeAt`, or until `woken()` holds (a handler or an activity set the run's wake flag).
 * A timer left running by an earlier wait and due by `wakeAt` serves this one too.
 */
export async function waitToWake(
  run: CampaignRun,
  wakeAt: number,
  woken: () => boolean,
  summary: string,
): Promise<void> {
  const timers = run.wakeUpTimers;
  const now = Date.now();
  if (!patched(STANDING_WAKE_UP_TIMERS)) {
    await condition(woken, Math.max(1, wakeAt - now), { summary });
    return;
  }
  if (![...timers].some((at) => at <= wakeAt)) {
    timers.add(wakeAt);
    // A cancelled workflow rejects the timer; the wait below rejects too and ends the run.
    sleepFixingTime(run, Math.max(1, wakeAt - now), summary).then(
      () => timers.delete(wakeAt),
      () => undefined,
    );
  }
  // Under patch decisions-at-replayed-times the wait also ends once a command or a timer fixes a time past `wakeAt`
  // (decisionTime.ts): a deadline whose timer the server fires late is then acted on with that command's task.
  const fixedPast = () => run.decisionClock.replayed && decisionNow(run) >= wakeAt;
  await condition(() => woken() || fixedPast() || ![...timers].some((at) => at <= wakeAt));
}
