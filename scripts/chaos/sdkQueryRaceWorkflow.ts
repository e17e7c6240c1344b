// The canary's workflow (scripts/chaos/sdkQueryRace.ts): each wake-up starts the next timer and names it with the
// time the workflow read, so the history shows whether that time came before the timer that woke it.
import { defineQuery, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

export const countQuery = defineQuery<number>('count');
export const addUpdate = defineUpdate<number, [number]>('add');

export async function queryRaceProbe(): Promise<void> {
  let count = 0;
  setHandler(countQuery, () => count);
  setHandler(
    addUpdate,
    (n) => {
      count += n;
      return count;
    },
    {
      validator: (n) => {
        if (n < 0) throw new Error('negative');
      },
    },
  );
  for (;;) {
    const now = Date.now();
    // Durations that vary with the time read, as the campaign's wake-ups do.
    await sleep(1_000 + (now % 500), { summary: String(now) });
  }
}
