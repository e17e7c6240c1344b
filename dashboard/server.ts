// The dashboard: one static page, Chart.js, and a small JSON API over the ledger and live workflow state.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { campaignDetail, campaignList, portfolio } from '../reports/campaignView';
import { quoteInput } from '../sla/ids';

export interface DashboardOptions {
  pool: pg.Pool;
  client: Client;
  /** 0 picks a free port. */
  port: number;
  /** Interface to bind; default DASHBOARD_HOST or 127.0.0.1. */
  host?: string;
  now?: () => Date;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

const staticDir = path.join(__dirname, 'static');
// The UMD build is not in chart.js's package exports; it sits next to the CommonJS entry point.
const chartJsFile = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');

// Sent with every response. The page loads its script, styles and Chart.js from this server and fetches
// the JSON API; Chart.js sizes its canvases through the CSSOM, which style-src does not restrict.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

// Campaign IDs are short and printable; anything else (a NUL, a control character, a megabyte) is refused
// before it reaches Postgres, which rejects NUL bytes with an internal error.
const CAMPAIGN_ID_SHAPE = /^[\x21-\x7e]{1,128}$/;

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(staticDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: path.join(staticDir, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/chart.js': { file: chartJsFile, type: 'text/javascript; charset=utf-8' },
};

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const now = options.now ?? (() => new Date());
  // Loopback by default (the page has no login); containers set DASHBOARD_HOST=0.0.0.0 behind a proxy.
  const host = options.host ?? process.env.DASHBOARD_HOST ?? '127.0.0.1';
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    route(req, res, options, now).catch((err: unknown) => {
      // The cause goes to the log; the browser learns only that it was not its fault.
      process.stderr.write(
        `dashboard: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `dashboard port ${options.port} is already in use; set DASHBOARD_PORT to another port`
            : `dashboard cannot listen on port ${options.port}: ${err.message}`,
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Polling browsers keep connections alive; don't wait for them to go away.
        server.closeAllConnections();
      }),
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  options: DashboardOptions,
  now: () => Date,
): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET is supported' });
  const asset = STATIC_FILES[pathname];
  if (asset) {
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
    res.end(await readFile(asset.file));
    return;
  }
  if (pathname === '/api/campaigns') return sendJson(res, 200, await campaignList(options.pool, options.client));
  if (pathname === '/api/portfolio') return sendJson(res, 200, await portfolio(options.pool, options.client, now()));
  const match = /^\/api\/campaigns\/([^/]+)$/.exec(pathname);
  if (match) {
    const campaignId = decodeSegment(match[1]);
    if (campaignId === null) return sendJson(res, 400, { error: 'malformed percent-encoding in the campaign ID' });
    if (!CAMPAIGN_ID_SHAPE.test(campaignId)) return sendJson(res, 400, { error: 'not a campaign ID' });
    const detail = await campaignDetail(options.pool, options.client, campaignId, now());
    if (!detail) return sendJson(res, 404, { error: `campaign "${campaignId}" has nothing recorded in the ledger` });
    return sendJson(res, 200, detail);
  }
  sendJson(res, 404, { error: `no such page: ${quoteInput(pathname)}` });
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
