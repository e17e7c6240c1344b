// Bench-only workflow: an Update handler that does nothing, so its round trips measure the raw
// Update cost of this server and worker. Bundled for its own task queue, never into workflows/index.ts.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const noopUpdate = defineUpdate<number, []>('noop');
export const stopNoopSignal = defineSignal('stop');

export async function benchNoop(): Promise<number> {
  let updates = 0;
  let stopped = false;
  setHandler(noopUpdate, () => ++updates);
  setHandler(stopNoopSignal, () => {
    stopped = true;
  });
  await condition(() => stopped);
  return updates;
}
