import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Temporal servers and Postgres are shared per file; keep files from starving the 2-core box. `npm test` runs
    // the long time-skipping files (spend loop, seed story, and the carry-over's thousands of open leads handed over
    // past 2,000 events) afterwards, one at a time: under full load the time-skipping server could fire a timer
    // while a starved worker was still completing the task that cancels it, reject that completion ("invalid history
    // builder state") and stall the file past its timeouts (the carry-over file stalled so in one full run; alone it
    // takes 24 s).
    maxWorkers: 2,
    globalSetup: ['test/globalSetup.ts'],
  },
});
