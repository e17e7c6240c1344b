import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Temporal servers and Postgres are shared per file; keep files from starving the 2-core box.
    maxWorkers: 2,
    globalSetup: ['test/globalSetup.ts'],
  },
});
