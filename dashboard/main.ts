// The dashboard's entry point (`npm run dashboard`, the compose service): serves the page against the
// ledger (DATABASE_URL, or the embedded Postgres of `npm start`) and Temporal until SIGINT/SIGTERM.
// Failures end as one line on stderr with exit code 1.
import { parseArgs } from 'node:util';
import { connectClient, openLedgerPool, type ConnectedClient } from '../runtime/client';
import { startDashboard } from './server';
import { dashboardSecurityFromEnv } from './settings';

/** --port, else DASHBOARD_PORT, else 8080; 0 picks a free port. */
function dashboardPort(args: string[], env: NodeJS.ProcessEnv): number {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
  const value = values.port ?? env.DASHBOARD_PORT ?? '8080';
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: expected a TCP port (0-65535), got "${value}"`);
  }
  return port;
}

async function main(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const port = dashboardPort(args, env);
  const security = dashboardSecurityFromEnv(env);
  const pool = openLedgerPool(env);
  let temporal: ConnectedClient | undefined;
  try {
    temporal = await connectClient(env);
    const dashboard = await startDashboard({ pool, client: temporal.client, port, ...security });
    process.stdout.write(
      `dashboard: ${dashboard.url} (${security.auth === 'tokens' ? 'approver tokens required' : 'read-only, no login'}` +
        `${security.slack ? ', Slack interactions at /slack/interactions' : ''}; Ctrl-C stops)\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await dashboard.close();
  } finally {
    await Promise.all([temporal?.close(), pool.end()]);
  }
}

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  process.stderr.write(`dashboard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
