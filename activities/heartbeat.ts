// Long activities heartbeat while they wait on an outside call, so a worker that died mid-call is noticed
// within the activity's heartbeatTimeout (seconds) instead of its startToCloseTimeout (minutes).
import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 2_000;

/** Runs `work`, heartbeating every 2 s until it settles. Outside an activity (unit tests) it just runs. */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const active = context;
  active.heartbeat();
  const timer = setInterval(() => active.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, with the named ones heartbeating while they run. */
export function heartbeating<T extends object>(activities: T, names: readonly (keyof T)[]): T {
  const wrapped = { ...activities };
  for (const name of names) {
    const run = activities[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<keyof T, unknown>)[name] = (...args: unknown[]) => withHeartbeat(() => run(...args));
  }
  return wrapped;
}
