// `npm run build`, after tsc: the workflow code bundled ahead of time into dist/workflow-bundle.js, which
// the production worker loads (workflowBundle: { codePath }) instead of running webpack at every start, and its
// traced variant beside it (dist/workflow-bundle.traced.js), which the worker loads when tracing is on.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tracedBundlePath, workflowBundle } from '../runtime/campaignWorker';
import { buildIdOf } from '../runtime/deployment';

const OUT_FILE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

async function main(): Promise<void> {
  await mkdir(path.dirname(OUT_FILE), { recursive: true });
  const { code } = await workflowBundle();
  await writeFile(OUT_FILE, code);
  const traced = await workflowBundle({ tracing: true });
  await writeFile(tracedBundlePath(OUT_FILE), traced.code);
  console.log(
    `workflow bundle written to ${path.relative(process.cwd(), OUT_FILE)} (${code.length} bytes, build ID ${buildIdOf(code)}), ` +
      `its traced variant to ${path.relative(process.cwd(), tracedBundlePath(OUT_FILE))} (${traced.code.length} bytes)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
