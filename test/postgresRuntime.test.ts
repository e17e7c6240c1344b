import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startPostgres } from '../runtime/dev/embeddedPostgres';
import { APP_DATABASE, redactUrl } from '../runtime/postgres';

const tempDirs: string[] = [];
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-pg-runtime-'));
  tempDirs.push(dir);
  // mkdtemp makes the folder private (700); as root the server runs as 'postgres' and must get through it.
  await chmod(dir, 0o755);
  return dir;
}

/** The postmaster and every process whose parent it is (checkpointer, walwriter, backends, …). */
async function serverProcessIds(dataDir: string): Promise<number[]> {
  const postmasterPid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (after the parenthesised command name) is the parent pid.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === postmasterPid) children.push(Number(entry));
  }
  return [postmasterPid, ...children];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

describe('startPostgres with DATABASE_URL', () => {
  it('uses a reachable server as-is and does not start one', async () => {
    const url = inject('databaseUrl');
    const running = await startPostgres({ databaseUrl: url });
    expect(running).toMatchObject({ url, embedded: false });
    await running.stop();
  });

  it('fails fast with a clear message that hides the password', async () => {
    const started = Date.now();
    const error = await startPostgres({ databaseUrl: 'postgres://u:secret@127.0.0.1:1/x' }).catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^DATABASE_URL postgres:\/\/u@127\.0\.0\.1:1\/x is unreachable: .*ECONNREFUSED/,
    );
    expect((error as Error).message).not.toContain('secret');
  });

  it('redacts the password of any URL it prints', () => {
    expect(redactUrl('postgres://app:p%40ss@db.internal:6543/ledger?sslmode=require')).toBe(
      'postgres://app@db.internal:6543/ledger?sslmode=require',
    );
    expect(redactUrl('not a url')).toBe('<unparseable URL>');
  });
});

describe('startPostgres embedded', () => {
  it('refuses a taken port, naming the port and the variable to change', async () => {
    const taken = await occupyPort();
    try {
      await expect(startPostgres({ databaseUrl: null, dataDir: await tempDir(), port: taken.port })).rejects.toThrow(
        `Port ${taken.port} for the embedded Postgres is already in use; set EMBEDDED_PG_PORT`,
      );
    } finally {
      await taken.close();
    }
  });

  it('rejects an invalid EMBEDDED_PG_PORT by name', async () => {
    const previous = process.env.EMBEDDED_PG_PORT;
    process.env.EMBEDDED_PG_PORT = '99999';
    try {
      await expect(startPostgres({ databaseUrl: null, dataDir: await tempDir() })).rejects.toThrow(
        'EMBEDDED_PG_PORT=99999 is not a valid TCP port (0-65535)',
      );
    } finally {
      if (previous === undefined) delete process.env.EMBEDDED_PG_PORT;
      else process.env.EMBEDDED_PG_PORT = previous;
    }
  });

  // Only root hands the server to the 'postgres' user.
  it.runIf(process.getuid?.() === 0)(
    'explains when the postgres system user could not reach the data dir',
    async () => {
      const privateDir = await mkdtemp(path.join(tmpdir(), 'campaign-sla-pg-private-'));
      tempDirs.push(privateDir);
      await expect(
        startPostgres({ databaseUrl: null, dataDir: path.join(privateDir, 'cluster'), port: 0 }),
      ).rejects.toThrow(`cannot reach ${path.join(privateDir, 'cluster')}: ${privateDir} has mode 700`);
    },
  );

  it('starts on a free port when asked, keeps data across restarts, and leaves no process after stop', async () => {
    const dataDir = path.join(await tempDir(), 'cluster');
    const taken = await occupyPort();
    let first;
    try {
      first = await startPostgres({ databaseUrl: null, dataDir, port: taken.port, pickFreePortIfTaken: true });
    } finally {
      await taken.close();
    }
    expect(first.embedded).toBe(true);
    expect(new URL(first.url).port).not.toBe(String(taken.port));
    expect(new URL(first.url).pathname).toBe(`/${APP_DATABASE}`);
    await query(first.url, 'CREATE TABLE survives_restart (id int)');

    const pids = await serverProcessIds(dataDir);
    expect(pids.length).toBeGreaterThan(1);
    await first.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    // Second start: the cluster is already initialised and the app database exists.
    const second = await startPostgres({ databaseUrl: null, dataDir, port: 0 });
    try {
      const { rows } = await query(second.url, "SELECT to_regclass('survives_restart') IS NOT NULL AS exists");
      expect(rows).toEqual([{ exists: true }]);
    } finally {
      const secondPids = await serverProcessIds(dataDir);
      await second.stop();
      expect(secondPids.filter(isAlive)).toEqual([]);
    }
  });
});
