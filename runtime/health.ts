// The worker's liveness and readiness endpoints for orchestrators: GET /healthz answers 200 while the
// process serves HTTP; GET /readyz answers 200 only while every readiness check passes (the worker is
// RUNNING, Postgres answers), else 503 with the failing checks. Bound to HEALTH_BIND_ADDRESS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBindAddress } from './bindAddress';

export const HEALTH_BIND_ADDRESS_ENV = 'HEALTH_BIND_ADDRESS';
export const DEFAULT_HEALTH_BIND_ADDRESS = '0.0.0.0:8081';

/** A named check: resolves when healthy, throws (or rejects) with the reason otherwise. */
export type ReadinessCheck = () => Promise<void> | void;

/** A slow dependency must not hang the probe past the orchestrator's own timeout. */
const CHECK_TIMEOUT_MS = 3_000;

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

export async function startHealthServer(
  bindAddress: string,
  checks: Record<string, ReadinessCheck>,
): Promise<HealthServer> {
  const { host, port } = parseBindAddress(bindAddress, HEALTH_BIND_ADDRESS_ENV);
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' });
    if (path === '/healthz') return reply(200, { status: 'ok' });
    if (path !== '/readyz') return reply(404, { error: 'not found' });
    void Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const)).then(
      (results) => {
        const failing = Object.fromEntries(results.filter(([, reason]) => reason !== undefined));
        if (Object.keys(failing).length === 0) reply(200, { status: 'ready' });
        else reply(503, { status: 'not ready', failing });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
