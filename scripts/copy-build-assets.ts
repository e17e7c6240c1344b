// `npm run build`, after tsc: the files the compiled code reads at run time (ledger migrations, the
// dashboard's static files), copied into dist/ at the same relative places as in the sources.
import { cpSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
for (const dir of ['db/migrations', 'dashboard/static']) {
  cpSync(path.join(root, dir), path.join(root, 'dist', dir), { recursive: true });
}
