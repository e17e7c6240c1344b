// `npm start` as a person or a process manager runs it: SIGTERM to the npm process (not Ctrl-C to the
// whole process group) must stop the worker, the dashboard, the Temporal dev server and the embedded
// Postgres, leaving no process behind.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../runtime/dev/tcpPorts';

const root = path.resolve(__dirname, '..');

/** Every live process whose ancestry includes `pid` (from /proc, Linux). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('stops everything it started when npm gets SIGTERM', { timeout: 120_000 }, async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'campaign-sla-npm-start-'));
    // Embedded Postgres runs as the 'postgres' user, which must reach its data dir inside.
    chmodSync(scratch, 0o755);
    const [temporalPort, uiPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
    // Own process group, so the cleanup below can reach whatever survives; the SIGTERM goes to npm alone.
    const npm = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        TEMPORAL_DB_FILE: path.join(scratch, 'temporal.db'),
        // The dashboard listens last, a minute after a port probed free here: other tests' connections took it in
        // that time (CI, 2026-12-05). 0 lets the OS choose; the banner names the port.
        DASHBOARD_PORT: '0',
        EMBEDDED_PG_PORT: String(postgresPort),
        EMBEDDED_PG_DATA_DIR: path.join(scratch, 'postgres'),
        LOG_FILE: path.join(scratch, 'campaign-sla.log'),
        DASHBOARD_AUTH: 'tokens',
      },
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    let started: number[] = [];
    try {
      await Promise.race([
        expect.poll(() => output, { timeout: 90_000, interval: 500 }).toContain('campaign-sla is running'),
        exited.then((code) => {
          throw new Error(`npm start exited (${code}) before it was ready:\n${output}`);
        }),
      ]);
      started = descendants(npm.pid!);
      // With DASHBOARD_AUTH=tokens the banner hands the demo's approver a token that signs in to the dashboard.
      const dashboardUrl = /Dashboard: +(http:\S+)/.exec(output)?.[1];
      const token = /Sign in: +(csla_\S+) /.exec(output)?.[1];
      expect(token, output).toBeDefined();
      const session = await fetch(`${dashboardUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } });
      expect(await session.json()).toMatchObject({ auth: 'tokens', approver: expect.any(String) });
      expect((await fetch(`${dashboardUrl}/api/campaigns`)).status).toBe(401);
      // node itself, the Temporal dev server and Postgres (postmaster and its backends) at least.
      expect(started.length, output).toBeGreaterThanOrEqual(3);

      process.kill(npm.pid!, 'SIGTERM');
      await exited;
      const survivors = () => started.filter(alive).map((pid) => `${pid} ${commandLine(pid)}`);
      await expect.poll(survivors, { timeout: 30_000, interval: 250 }).toEqual([]);
      // The console tells the story; the process log goes to LOG_FILE.
      expect(output).toContain('campaign-sla stopped cleanly');
      expect(output).not.toMatch(/"level":/);
      const logLines = readFileSync(path.join(scratch, 'campaign-sla.log'), 'utf8').trim().split('\n');
      expect(logLines.map((line) => JSON.parse(line).msg)).toEqual(
        expect.arrayContaining(['demo campaign started', 'stopped cleanly']),
      );
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // the group is gone: nothing survived
      }
      for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
