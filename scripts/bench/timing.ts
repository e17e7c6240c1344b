// Timing and polling helpers for bench measurements.

/** Times an async call with a monotonic clock. */
export async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

/** Polls `check` until it returns a value, or fails with `describe()` once `timeoutMs` has passed. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; everyMs?: number; describe: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms: ${await opts.describe()}`);
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 250));
  }
}
