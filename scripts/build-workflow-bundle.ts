// `npm run build`, after tsc: the workflow code bundled ahead of time into dist/workflow-bundle.js, which
// the production worker loads (workflowBundle: { codePath }) instead of running webpack at every start.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { workflowBundle } from '../runtime/campaignWorker';
import { buildIdOf } from '../runtime/deployment';

const OUT_FILE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

async function main(): Promise<void> {
  const { code } = await workflowBundle();
  await mkdir(path.dirname(OUT_FILE), { recursive: true });
  await writeFile(OUT_FILE, code);
  console.log(
    `workflow bundle written to ${path.relative(process.cwd(), OUT_FILE)} (${code.length} bytes, build ID ${buildIdOf(code)})`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
