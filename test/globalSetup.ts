// One Postgres for the whole test run: TEST_DATABASE_URL if set, else an embedded server on a free
// port with its data in a temp dir. Test files each create their own database in it. Also one workflow bundle for
// the run: each test file's process would otherwise bundle the same workflow code again (seconds of webpack each).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../runtime/dev/embeddedPostgres';
import { workflowBundle } from '../runtime/campaignWorker';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** The current workflow code, bundled once (untraced), for test workers: test/support/temporal.ts. */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundleDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-test-bundle-'));
  const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
  const [postgres, bundled] = await Promise.allSettled([
    testPostgres(),
    workflowBundle().then(({ code }) => writeFile(bundlePath, code)),
  ]);
  if (postgres.status === 'rejected' || bundled.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    await rm(bundleDir, { recursive: true, force: true });
    throw postgres.status === 'rejected' ? postgres.reason : (bundled as PromiseRejectedResult).reason;
  }
  project.provide('databaseUrl', postgres.value.url);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await postgres.value.stop();
    await rm(bundleDir, { recursive: true, force: true });
  };
}

async function testPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const testUrl = process.env.TEST_DATABASE_URL;
  if (testUrl) return startPostgres({ databaseUrl: testUrl });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-test-pg-'));
  const embedded = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
  return {
    url: embedded.url,
    stop: async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
