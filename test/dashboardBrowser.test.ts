// Headless Chromium on the dashboard of a running sandbox campaign (dev server, real worker, real
// ledger): the figures on the page match the ledger, the charts draw, and a screenshot is kept.
// Also the dashboard's own entry point (npm run dashboard) as a process against the same stack.
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerQueries } from '../reports/ledgerQueries';
import { PgLedger } from '../activities/ledger/pgLedger';
import { pacing } from '../sla/pacing';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import type { CampaignListEntry } from '../reports/campaignView';
import { startCampaign } from '../scripts/cli/campaigns';
import { parseCampaignConfigText } from '../runtime/campaignFile';
import { parse as parseYaml } from 'yaml';
import { campaignWorkflowId, slaStateQuery, TASK_QUEUE } from '../workflows/messages';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { devServerEnv, testWorker, type TestWorkerHandle } from './support/temporal';

const projectRoot = path.resolve(__dirname, '..');
const campaignId = 'browser-demo';
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: TestWorkerHandle;
let workerRun: Promise<void>;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
  worker = await testWorker(env, db, { taskQueue: TASK_QUEUE, sandbox: { leadsPerHour: 3600 } });
  workerRun = worker.worker.run();
  // The demo campaign, with velocity checks every 3 s so the charts fill within seconds.
  const text = (await readFile(path.join(projectRoot, 'examples', 'demo.yaml'), 'utf8'))
    .replace('id: sandbox-demo', `id: ${campaignId}`)
    .replace('checkEvery: 20s', 'checkEvery: 3s')
    .replace('pollEvery: 5s', 'pollEvery: 2s');
  await startCampaign(env.client, {
    file: 'browser-demo.yaml',
    config: parseCampaignConfigText(text, 'browser-demo.yaml'),
    raw: parseYaml(text),
  });
  await seedLedgerOnly(new PgLedger(db.pool), text);
  dashboard = await startDashboard({ pool: db.pool, client: env.client, port: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

const seededId = 'browser-seeded';

/** A campaign with no workflow and fixed ledger rows, so its per-owner figures hold still for an exact check. */
async function seedLedgerOnly(ledger: PgLedger, demoText: string): Promise<void> {
  const config = parseCampaignConfigText(demoText.replace(`id: ${campaignId}`, `id: ${seededId}`), 'seeded.yaml');
  await ledger.recordConfigVersion({
    campaignId: seededId,
    configVersion: 1,
    config,
    recordedAt: '2026-03-01T00:00:00Z',
  });
  const at = '2026-03-09T10:00:00Z';
  const lead = (leadId: string, tier: string, ownerId: string) => ({
    campaignId: seededId,
    leadId,
    tier,
    ownerId,
    createdAt: at,
    configVersion: 1,
  });
  await ledger.recordLeadActivity({
    leads: [lead('S-1', 'high-intent', 'rep-a'), lead('S-2', 'standard', 'rep-b'), lead('S-3', 'standard', 'rep-a')],
    events: [],
    clocks: [
      {
        campaignId: seededId,
        leadId: 'S-1',
        clock: 'firstTouch',
        startedAt: at,
        deadline: '2026-03-09T10:00:20Z',
        metAt: '2026-03-09T10:00:12Z',
        elapsedWallMs: 12_000,
      },
      {
        campaignId: seededId,
        leadId: 'S-2',
        clock: 'firstTouch',
        startedAt: at,
        deadline: '2026-03-09T10:00:45Z',
        breachedAt: '2026-03-09T10:00:45Z',
      },
      {
        campaignId: seededId,
        leadId: 'S-3',
        clock: 'firstTouch',
        startedAt: at,
        deadline: '2026-03-09T10:00:45Z',
        metAt: '2026-03-09T10:00:30Z',
        elapsedWallMs: 30_000,
      },
    ],
  });
}

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  worker?.worker.shutdown();
  await workerRun;
  await env?.teardown();
  await db?.drop();
});

describe('dashboard in a browser', () => {
  it('shows the ledger figures of a running sandbox campaign and draws both charts', async () => {
    const queries = new LedgerQueries(db.pool);
    await expect
      .poll(async () => (await queries.snapshots(campaignId)).length, { timeout: 30_000, interval: 500 })
      .toBeGreaterThanOrEqual(3);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${dashboard.url}/?campaign=${campaignId}`);
    await page.getByTestId('kpi-spend').filter({ hasNotText: '-' }).waitFor({ timeout: 15_000 });

    const shown = {
      spend: await page.getByTestId('kpi-spend').textContent(),
      conversions: await page.getByTestId('kpi-conversions').textContent(),
      source: await page.getByTestId('data-source').textContent(),
      // Evaluated in the page (this project compiles without DOM types): points drawn per chart.
      points: await page.evaluate<number[]>(
        `[Chart.getChart(document.getElementById('burn')).data.datasets[0].data.length,
          Chart.getChart(document.getElementById('cpl')).data.datasets[2].data.length,
          Chart.getChart(document.getElementById('pacing')).data.datasets[3].data.length]`,
      ),
      // Read in the same tick as the chart lengths, so both describe the same poll.
      pacing: await page.evaluate<string[]>(
        `['pacing-spent', 'pacing-elapsed', 'pacing-status', 'pacing-projected'].map(
          (id) => document.querySelector('[data-testid="' + id + '"]').textContent)`,
      ),
    };
    const snapshots = await queries.snapshots(campaignId);
    // The page shows the ledger as of its last poll (the ledger may have moved on since): its charts
    // hold the first N snapshots and its figures are the Nth's.
    expect(shown.points[0]).toBeGreaterThanOrEqual(3);
    expect(shown.points[1]).toBe(shown.points[0]);
    expect(shown.points[2]).toBe(shown.points[0]);
    const shownSnapshot = snapshots[shown.points[0] - 1];
    expect(shown.spend).toBe((shownSnapshot.spendMicros / 1e6).toFixed(2));
    expect(shown.conversions).toBe(String(shownSnapshot.conversions));
    expect(shown.source).toBe('workflow');
    // Pacing of the snapshot shown, by sla/pacing over the campaign's window and default band.
    const pace = pacing({
      spend: shownSnapshot.spendMicros / 1e6,
      budget: shownSnapshot.budgetMicros / 1e6,
      windowStart: Date.parse('2026-01-01T00:00:00Z'),
      windowEnd: Date.parse('2027-12-31T00:00:00Z'),
      now: Date.parse(shownSnapshot.at),
    });
    expect(shown.pacing).toEqual([
      `${pace.spentPct.toFixed(1)}%`,
      `${pace.elapsedPct.toFixed(1)}%`,
      pace.status,
      pace.projectedSpend!.toFixed(2),
    ]);
    expect(await page.getByTestId('empty-state').isHidden()).toBe(true);
    expect(await page.getByTestId('compliance-row').count()).toBe(2);
    // The org's API usage from the campaign's latest poll (the sandbox org allows 15,000 calls a day).
    const live = await env.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(slaStateQuery);
    expect(live.crmApiUsage).toMatchObject({ max: 15_000 });
    expect(live.crmApiUsage!.used).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('api-budget').textContent()).toMatch(
      /^Salesforce API: [\d,]+ of 15,000 calls used in the org's rolling 24 h \(\d+\.\d%\), as of /,
    );
    // Google Ads operations the worker sent (the sandbox counts them as the real adapter does), Basic access's limit.
    expect(live.adsApiUsage).toMatchObject({ limit: 15_000 });
    expect(live.adsApiUsage!.used).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('ads-budget').textContent()).toMatch(
      /^Google Ads API: [\d,]+ operations sent by the worker in the rolling 24 h of the developer token's 15,000 \(\d+\.\d%\), as of /,
    );
    // Routing of the live roster: every rep in rotation (the sandbox deactivates nobody).
    expect(await page.getByTestId('rep-row').filter({ hasText: 'demo-rep-1' }).locator('td').last().textContent()).toBe(
      'in rotation',
    );

    // Let a few sandbox leads breach their 20 s / 45 s clocks before the screenshot.
    await expect
      .poll(async () => (await queries.breaches(campaignId)).length, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThan(0);
    await page.getByTestId('breach-row').first().waitFor({ timeout: 10_000 });
    const ledgerBreachLeads = new Set((await queries.breaches(campaignId)).map((b) => b.leadId));
    const shownLead = await page.getByTestId('breach-row').first().locator('td').first().textContent();
    expect(ledgerBreachLeads.has(shownLead!)).toBe(true);

    // The demo's milestones, as the ledger counts them at the page's poll: between a read before and one after
    // (started, met, breached and stopped only grow), and adding up on the page.
    // (A milestone appears once its first clock starts: opportunity-3m with the first lead.)
    await expect
      .poll(async () => (await queries.milestones(campaignId)).map((m) => m.name), { timeout: 30_000, interval: 500 })
      .toContain('opportunity-3m');
    const before = await queries.milestones(campaignId);
    await page.reload(); // the page's figures are then read after `before`
    await page.getByTestId('milestone-row').first().waitFor({ timeout: 15_000 });
    const rows = (await page.getByTestId('milestone-row').all()).map((row) => row.locator('td').allTextContents());
    const after = await queries.milestones(campaignId);
    const shownMilestones = (await Promise.all(rows)).map(([name, started, met, breached, stopped, pending]) => ({
      name,
      started: Number(started),
      met: Number(met),
      breached: Number(breached),
      stopped: Number(stopped),
      pending: Number(pending.split(' ')[0]),
    }));
    expect(shownMilestones.length).toBeGreaterThan(0);
    for (const m of shownMilestones) {
      expect(m.started).toBe(m.met + m.breached + m.stopped + m.pending);
      const [low, high] = [before, after].map((figures) => figures.find((f) => f.name === m.name));
      for (const k of ['started', 'met', 'breached', 'stopped'] as const) {
        expect(m[k]).toBeGreaterThanOrEqual(low?.[k] ?? 0);
        expect(m[k]).toBeLessThanOrEqual(high?.[k] ?? 0);
      }
    }
    expect(after.find((m) => m.name === 'opportunity-3m')?.started).toBeGreaterThan(0);

    await mkdir(path.join(projectRoot, '.artifacts'), { recursive: true });
    await page
      .getByTestId('milestone-table')
      .screenshot({ path: path.join(projectRoot, '.artifacts', 'dashboard-milestones.png') });
    await page.screenshot({ path: path.join(projectRoot, '.artifacts', 'dashboard.png'), fullPage: true });
    await page
      .getByTestId('pacing-view')
      .screenshot({ path: path.join(projectRoot, '.artifacts', 'dashboard-pacing.png') });
  });

  it('lists every ledger campaign in the portfolio and clicks through to per-owner figures equal to the ledger', async () => {
    const queries = new LedgerQueries(db.pool);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(dashboard.url);
    await page.getByTestId('portfolio-row').first().waitFor({ timeout: 15_000 });
    const rows = page.getByTestId('portfolio-row');
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(
      (await queries.listCampaigns()).map((c) => c.campaignId),
    );
    const seededRow = rows.filter({ hasText: seededId });
    // No workflow, no velocity checks: health unknown, pacing empty, nothing pending.
    expect(await seededRow.locator('td').allTextContents()).toEqual([
      seededId,
      'unknown',
      '-',
      'no velocity checks yet',
      '20s: 33.3% / 80.0%, 45s: 66.7% / 95.0%',
      '0',
    ]);
    await mkdir(path.join(projectRoot, '.artifacts'), { recursive: true });
    await page
      .getByTestId('portfolio-view')
      .screenshot({ path: path.join(projectRoot, '.artifacts', 'dashboard-portfolio.png') });

    await seededRow.getByRole('link').click();
    await page.waitForURL(`**/?campaign=${seededId}`);
    await page.getByTestId('owner-row').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('campaign-select').inputValue()).toBe(seededId);
    const ledger = await queries.responseCompliance(seededId, {
      from: '2026-01-01T00:00:00Z',
      to: new Date().toISOString(),
      targets: [
        { withinMs: 20_000, target: 0.8 },
        { withinMs: 45_000, target: 0.95 },
      ],
    });
    const shownOwners = await Promise.all(
      (await page.getByTestId('owner-row').all()).map((row) => row.locator('td').allTextContents()),
    );
    expect(shownOwners.map((r) => [r[0], Number(r[1]), Number(r[2]), r[4]])).toEqual(
      Object.entries(ledger.byOwner).map(([owner, g]) => [
        owner,
        g.leads,
        g.breached,
        g.acceptanceRate === null ? 'n/a' : `${(g.acceptanceRate * 100).toFixed(1)}%`,
      ]),
    );
    expect(shownOwners.map((r) => r[0])).toEqual(['rep-a', 'rep-b']);
    expect(await page.getByTestId('tier-row').locator('td:first-child').allTextContents()).toEqual(
      Object.keys(ledger.byTier).sort(),
    );
    expect(await page.getByTestId('daily-row').locator('td').allTextContents()).toEqual([
      '2026-03-09',
      String(ledger.leads),
      String(ledger.breached),
      '20s: 33.3% / 80.0%, 45s: 66.7% / 95.0%',
    ]);
    expect(await page.getByTestId('rep-row').filter({ hasText: 'demo-rep-4' }).locator('td').allTextContents()).toEqual(
      ['demo-rep-4', 'inbound', '- / 20', 'yes', '-'],
    );
    // Empty states of a campaign without velocity checks.
    expect(await page.getByTestId('team-capacity').textContent()).toBe('team capacity: no live check yet');
    expect(await page.getByTestId('pacing-status').textContent()).toBe('no velocity checks yet');
    expect(await page.getByTestId('empty-state').isHidden()).toBe(false);
    await page.getByTestId('sla-view').screenshot({ path: path.join(projectRoot, '.artifacts', 'dashboard-sla.png') });

    // The page refreshes itself: a lead recorded now shows up without a reload.
    await new PgLedger(db.pool).recordLeadActivity({
      leads: [
        {
          campaignId: seededId,
          leadId: 'S-4',
          tier: 'standard',
          ownerId: 'rep-c',
          createdAt: '2026-03-09T11:00:00Z',
          configVersion: 1,
        },
      ],
      events: [],
      clocks: [
        {
          campaignId: seededId,
          leadId: 'S-4',
          clock: 'firstTouch',
          startedAt: '2026-03-09T11:00:00Z',
          deadline: '2026-03-09T11:00:45Z',
          metAt: '2026-03-09T11:00:05Z',
          elapsedWallMs: 5_000,
        },
      ],
    });
    await page.getByTestId('owner-row').filter({ hasText: 'rep-c' }).waitFor({ timeout: 15_000 });
  });
});

describe('dashboard/main.ts', () => {
  /** Runs the entry point as `npm run dashboard` does, collecting stdout and stderr. */
  function runMain(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'dashboard/main.ts', ...args], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      },
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output, exited };
  }

  it('serves the ledger and live state, and stops cleanly on SIGTERM', async () => {
    const { child, output, exited } = runMain(['--port', '0']);
    await expect.poll(() => output.stdout, { timeout: 30_000, interval: 250 }).toMatch(/Ctrl-C stops\)\n$/);
    const url = /^dashboard: (http:\/\/127\.0\.0\.1:\d+) \(read-only, no login; Ctrl-C stops\)$/m.exec(
      output.stdout,
    )?.[1];
    expect(url).toBeDefined();
    const campaigns = (await (await fetch(`${url}/api/campaigns`)).json()) as CampaignListEntry[];
    expect(campaigns.find((c) => c.campaignId === campaignId)?.live).toMatchObject({ campaignId, status: 'RUNNING' });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.stderr).toBe('');
  });

  it('refuses a bad --port with one line and exit code 1', async () => {
    const { output, exited } = runMain(['--port', 'eighty']);
    expect(await exited).toBe(1);
    expect(output.stderr).toBe('dashboard: --port: expected a TCP port (0-65535), got "eighty"\n');
  });
});
