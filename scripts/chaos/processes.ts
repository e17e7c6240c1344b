// The chaos run's child processes and local services: the Temporal dev server (SQLite file, so a restart
// keeps state), worker processes that can be kill -9'd, a fresh Postgres database, and the webhook that
// receives the alerts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { startPostgres } from '../../runtime/dev/embeddedPostgres';
import { devServerExecutable } from '../../runtime/dev/temporalBinaries';
import { allSearchAttributeKeys } from '../../workflows/messages';

const projectRoot = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `temporal server start-dev` as a child process, restartable on the same SQLite file. */
export class TemporalDevServer {
  private child?: ChildProcess;
  private log: WriteStream;
  private started = false;

  constructor(
    readonly port: number,
    private readonly dbFile: string,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const executable = devServerExecutable();
    if (executable?.type !== 'existing-path')
      throw new Error('chaos: the Temporal CLI is missing; run `npm run setup`');
    const typeName = { KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool' } as Record<string, string>;
    // The search attributes live in the SQLite file after the first start.
    const attributes = this.started
      ? []
      : allSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${typeName[key.type]}`]);
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.port), '--headless'];
    args.push('--db-filename', this.dbFile, '--log-level', 'error', ...attributes);
    const child = spawn(executable.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    const deadline = Date.now() + 60_000;
    while (!(await portAnswers(this.port))) {
      if (child.exitCode !== null)
        throw new Error(`chaos: Temporal dev server exited with ${child.exitCode} (see its log)`);
      if (Date.now() > deadline) throw new Error('chaos: Temporal dev server did not open its port within 60 s');
      await sleep(200);
    }
    this.started = true;
  }

  /** For the driver's exit handler: no waiting. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** SIGTERM (graceful) or SIGKILL; resolves when the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await exited(child);
    this.child = undefined;
  }
}

/** One worker process (`node --import tsx workers/main.ts`), its JSON log appended to one file. */
export class WorkerProcess {
  private child?: ChildProcess;
  private log: WriteStream;
  /** How many worker processes were started, for the report. */
  starts = 0;

  constructor(logFile: string) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Resolves once the worker logged "worker running" (migrations done, polling). */
  async start(env: NodeJS.ProcessEnv): Promise<void> {
    this.starts += 1;
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr?.pipe(this.log, { end: false });
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let ready = false;
      const timer = setTimeout(
        () => reject(new Error('chaos: worker did not report "worker running" within 120 s')),
        120_000,
      );
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`chaos: worker exited with ${code} before it was running (see its log)`));
      };
      child.once('exit', onExit);
      child.stdout?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (ready) return;
        buffered += chunk.toString('utf8');
        if (buffered.includes('"msg":"worker running"')) {
          ready = true;
          buffered = '';
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve();
        }
      });
    });
  }

  /** For the driver's exit handler: no waiting. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  async kill9(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill(signal);
    await exited(child);
  }
}

/**
 * The ledger database: DATABASE_URL as given; else a fresh database on TEST_DATABASE_URL's server or the local
 * one at 127.0.0.1:5432; else an embedded server in `dataRoot`. Dropped (or stopped) afterwards.
 */
export async function ledgerDatabase(
  env: NodeJS.ProcessEnv,
  name: string,
  dataRoot: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, drop: async () => {} };
  const adminUrl = env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 8_000 });
  const reachable = await admin.connect().then(
    () => true,
    () => false,
  );
  if (!reachable) {
    const dataDir = path.join(dataRoot, name);
    const embedded = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
    return {
      url: embedded.url,
      async drop() {
        await embedded.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${again.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}

export interface WebhookDelivery {
  text: string;
  at: number;
}

/** A Slack-compatible incoming webhook on loopback that records every POST and answers 200. */
export async function startWebhookReceiver(): Promise<{
  url: string;
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}> {
  const deliveries: WebhookDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string };
        deliveries.push({ text: String(body.text), at: Date.now() });
        res.writeHead(200).end('ok');
      } catch {
        res.writeHead(400).end('invalid_payload');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
