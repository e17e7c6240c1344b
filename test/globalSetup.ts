// One Postgres for the whole test run: TEST_DATABASE_URL if set, else an embedded server on a free
// port with its data in a temp dir. Test files each create their own database in it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../runtime/dev/embeddedPostgres';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testUrl = process.env.TEST_DATABASE_URL;
  if (testUrl) {
    const external = await startPostgres({ databaseUrl: testUrl });
    project.provide('databaseUrl', external.url);
    return external.stop;
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-test-pg-'));
  const embedded = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
  project.provide('databaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
