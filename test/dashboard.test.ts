// The dashboard's HTTP API against a seeded ledger, with Temporal unreachable (ledger fallback).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PgLedger } from '../activities/ledger/pgLedger';
import { startDashboard, type RunningDashboard } from '../dashboard/server';
import type { CampaignDetail, CampaignListEntry, PortfolioRow } from '../reports/campaignView';
import { parseCampaignConfigText } from '../runtime/campaignFile';
import { recordDecisionAttempt } from '../reports/decisionAudit';
import { createTestDatabase, type TestDatabase } from './support/postgres';

const NOW = new Date('2026-03-10T12:00:00Z');
let db: TestDatabase;
let dashboard: RunningDashboard;
let connection: Connection;

async function recordConfig(ledger: PgLedger, id: string): Promise<void> {
  const demo = await readFile(path.resolve(__dirname, '..', 'examples', 'demo.yaml'), 'utf8');
  const config = parseCampaignConfigText(demo.replace('id: sandbox-demo', `id: ${id}`), `${id}.yaml`);
  await ledger.recordConfigVersion({ campaignId: id, configVersion: 1, config, recordedAt: '2026-03-01T00:00:00Z' });
}

async function seed(ledger: PgLedger): Promise<void> {
  const campaignId = 'dash-seeded';
  await recordConfig(ledger, campaignId);
  await recordConfig(ledger, 'dash-empty');
  const lead = (leadId: string, tier: string, ownerId: string) => ({
    campaignId,
    leadId,
    tier,
    ownerId,
    createdAt: '2026-03-09T10:00:00Z',
    configVersion: 1,
  });
  await ledger.recordLeadActivity({
    leads: [
      lead('L-1', 'high-intent', 'demo-rep-1'),
      lead('L-2', 'standard', 'demo-rep-2'),
      lead('L-3', 'standard', 'demo-rep-3'),
    ],
    events: [],
    clocks: [
      {
        campaignId,
        leadId: 'L-1',
        clock: 'firstTouch',
        startedAt: '2026-03-09T10:00:00Z',
        deadline: '2026-03-09T10:00:20Z',
        metAt: '2026-03-09T10:00:10Z',
        elapsedWallMs: 10_000,
      },
      {
        campaignId,
        leadId: 'L-2',
        clock: 'firstTouch',
        startedAt: '2026-03-09T10:00:00Z',
        deadline: '2026-03-09T10:00:45Z',
        breachedAt: '2026-03-09T10:00:45Z',
      },
      {
        campaignId,
        leadId: 'L-3',
        clock: 'firstTouch',
        startedAt: '2026-03-09T10:00:00Z',
        deadline: '2026-03-11T10:00:45Z',
      },
    ],
  });
  await ledger.recordEscalationStep({
    campaignId,
    leadId: 'L-2',
    clock: 'firstTouch',
    stepIndex: 0,
    step: 'notify-owner',
    at: '2026-03-09T10:00:45Z',
    outcome: { ownerId: 'demo-rep-2' },
  });
  const snapshot = (checkId: string, at: string, spend: number, conversions: number, forecast: number) => ({
    campaignId,
    checkId,
    at,
    spendMicros: spend * 1e6,
    budgetMicros: 50_000e6,
    burnPct: (spend / 50_000) * 100,
    conversions,
    forecastLinear: forecast,
    forecastCurve: forecast,
    velocityPct: (conversions / forecast) * 100,
    cpl: spend / conversions,
    cplLow: 8,
    cplHigh: 12,
    responseCompliance: {},
    detail: {},
  });
  await ledger.recordSnapshot(snapshot('c1', '2026-03-09T00:00:00Z', 1000, 100, 110));
  await ledger.recordSnapshot(snapshot('c2', '2026-03-10T00:00:00Z', 2400, 160, 220));
  await ledger.recordProposal({
    proposalId: 'dash-seeded-p1',
    campaignId,
    createdAt: '2026-03-10T00:00:00Z',
    expiresAt: '2026-03-10T00:10:00Z',
    action: 'pause',
    rule: 'velocity-below',
    reason: 'velocity 72.7% below 70%',
    targetAmountMicros: null,
    figures: {},
    status: 'pending',
  });
}

/** The demo's flight is 2026-01-01 to 2027-12-31 (729 days), $50,000, default band 25% -> 1%. */
function pacingAt(spend: number, dayOfFlight: number) {
  const elapsed = dayOfFlight / 729;
  const bandPct = 25 - 24 * elapsed;
  return {
    spentPct: (spend / 50_000) * 100,
    elapsedPct: expect.closeTo(elapsed * 100, 9),
    ratio: expect.closeTo(spend / 50_000 / elapsed, 9),
    bandPct: expect.closeTo(bandPct, 9),
    status: 'under',
    projectedSpend: expect.closeTo(spend / elapsed, 6),
    budgetRunsOutAt: null,
  };
}

async function getJson<T>(pathname: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${dashboard.url}${pathname}`);
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(new PgLedger(db.pool));
  // Nothing listens on port 1: every live lookup fails and the dashboard falls back to the ledger.
  connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
  dashboard = await startDashboard({ pool: db.pool, client: new Client({ connection }), port: 0, now: () => NOW });
});

afterAll(async () => {
  await dashboard?.close();
  await connection?.close();
  await db?.drop();
});

describe('dashboard API', () => {
  it('lists the campaigns recorded in the ledger', async () => {
    const { status, body } = await getJson<CampaignListEntry[]>('/api/campaigns');
    expect(status).toBe(200);
    expect(body.map((c) => [c.campaignId, c.lastSnapshotAt, c.live])).toEqual([
      ['dash-empty', null, null],
      ['dash-seeded', '2026-03-10T00:00:00.000Z', null],
    ]);
  });

  it('returns the burn, CPL and compliance series with breaches, open clocks and pending proposals', async () => {
    const { status, body } = await getJson<CampaignDetail>('/api/campaigns/dash-seeded');
    expect(status).toBe(200);
    expect(body.source).toBe('ledger');
    expect(body.series).toEqual([
      {
        at: '2026-03-09T00:00:00.000Z',
        spend: 1000,
        budget: 50000,
        burnPct: 2,
        conversions: 100,
        forecast: 110,
        cpl: 10,
        cplLow: 8,
        cplHigh: 12,
        pacing: pacingAt(1000, 67),
      },
      {
        at: '2026-03-10T00:00:00.000Z',
        spend: 2400,
        budget: 50000,
        burnPct: 4.8,
        conversions: 160,
        forecast: 220,
        cpl: 15,
        cplLow: 8,
        cplHigh: 12,
        pacing: pacingAt(2400, 68),
      },
    ]);
    // Per owner and tier, and per day, as sla/compliance counts them (L-3 is past both 20 s and 45 s, untouched).
    // Medians come from sla/compliance's histogram (a bucket's value, within about 1%).
    expect(body.byOwner.map((g) => [g.key, g.leads, g.met, g.breached, g.medianFirstTouchMs])).toEqual([
      ['demo-rep-1', 1, 1, 0, expect.closeTo(10_000, -3)],
      ['demo-rep-2', 1, 0, 1, null],
      ['demo-rep-3', 1, 0, 0, null],
    ]);
    // The roster of the recorded config; team capacity is the workflow's own figure, absent from the ledger.
    expect(body.reps.map((r) => [r.repId, r.pool, r.capacity, r.outOfOffice])).toEqual([
      ['demo-rep-1', 'inbound', 20, false],
      ['demo-rep-2', 'inbound', 20, false],
      ['demo-rep-3', 'inbound', 20, false],
      ['demo-rep-4', 'inbound', 20, true],
      ['demo-rep-5', 'overflow', 10, false],
      ['demo-rep-6', 'overflow', 10, false],
      ['demo-rep-7', 'overflow', 10, true],
    ]);
    // Without a live read, nobody's open leads are known.
    expect(body.reps.every((r) => r.held === null && !r.overCapacity)).toBe(true);
    expect(body.teamCapacity).toBeNull();
    expect(body.byTier.map((g) => [g.key, g.leads, g.breached])).toEqual([
      ['high-intent', 1, 0],
      ['standard', 2, 1],
    ]);
    expect(body.daily.map((d) => [d.day, d.leads, d.breached, d.targets.map((t) => t.actual)])).toEqual([
      ['2026-03-09', 3, 1, [1 / 3, 1 / 3]],
    ]);
    // One met within 10 s, one breached, one never touched and long past both targets: 1 of 3 within each.
    expect(body.compliance.map((t) => [t.withinMs, t.target, t.actual, t.sample, t.met])).toEqual([
      [20_000, 0.8, 1 / 3, 3, false],
      [45_000, 0.95, 1 / 3, 3, false],
    ]);
    expect(body.openClockCount).toBe(1);
    expect(body.openClocks.map((c) => [c.leadId, c.clock, c.ownerId])).toEqual([['L-3', 'firstTouch', 'demo-rep-3']]);
    expect(body.recentBreaches.map((b) => [b.leadId, b.ownerId, b.steps.map((s) => s.step)])).toEqual([
      ['L-2', 'demo-rep-2', ['notify-owner']],
    ]);
    expect(body.pendingProposals).toEqual([
      {
        proposalId: 'dash-seeded-p1',
        action: 'pause',
        rule: 'velocity-below',
        reason: 'velocity 72.7% below 70%',
        expiresAt: '2026-03-10T00:10:00.000Z',
        approveCommand: 'campaign-sla approve dash-seeded dash-seeded-p1 --as <approver> --reason "<why>"',
      },
    ]);
  });

  it('shows the latest decision attempts of every channel, newest first, refusals included', async () => {
    const attempt = (approver: string, channel: 'cli' | 'slack', outcome: 'accepted' | 'refused', detail: string) =>
      recordDecisionAttempt(db.pool, {
        campaignId: 'dash-seeded',
        proposalId: 'dash-seeded-p1',
        decision: 'approve',
        approver,
        channel,
        outcome,
        detail,
      });
    await attempt('slack:U0STRANGER', 'slack', 'refused', 'not mapped');
    await attempt('ops-lead-1', 'cli', 'accepted', 'proposal approved');
    const body = (await (await fetch(`${dashboard.url}/api/campaigns/dash-seeded`)).json()) as CampaignDetail;
    expect(body.decisionAttempts.map((a) => [a.approver, a.channel, a.outcome, a.detail])).toEqual([
      ['ops-lead-1', 'cli', 'accepted', 'proposal approved'],
      ['slack:U0STRANGER', 'slack', 'refused', 'not mapped'],
    ]);
    const empty = (await (await fetch(`${dashboard.url}/api/campaigns/dash-empty`)).json()) as CampaignDetail;
    expect(empty.decisionAttempts).toEqual([]);
  });

  it('puts every campaign in the portfolio with pacing, compliance and pending approvals', async () => {
    const { status, body } = await getJson<PortfolioRow[]>('/api/portfolio');
    expect(status).toBe(200);
    expect(body.map((r) => [r.campaignId, r.health, r.pendingProposals, r.compliance.map((t) => t.actual)])).toEqual([
      ['dash-empty', null, 0, [null, null]],
      ['dash-seeded', null, 1, [1 / 3, 1 / 3]],
    ]);
    expect(body[0].pacing).toBeNull();
    expect(body[1].pacing).toEqual(pacingAt(2400, 68));
  });

  it('shows a campaign without velocity checks as empty, not as an error', async () => {
    const { status, body } = await getJson<CampaignDetail>('/api/campaigns/dash-empty');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      series: [],
      openClockCount: 0,
      openClocks: [],
      recentBreaches: [],
      pendingProposals: [],
      byOwner: [],
      byTier: [],
      milestones: [],
      daily: [],
    });
    expect(body.compliance.every((t) => t.actual === null && t.met)).toBe(true);
  });

  it('answers 404 for an unknown campaign or page', async () => {
    expect(await getJson('/api/campaigns/ghost')).toEqual({
      status: 404,
      body: { error: 'campaign "ghost" has nothing recorded in the ledger' },
    });
    expect((await getJson('/nope')).status).toBe(404);
  });

  it('answers 400 with a short message for IDs that cannot be campaigns, before the ledger sees them', async () => {
    for (const [segment, error] of [
      ['%00', 'not a campaign ID'],
      ['dash-seeded%00', 'not a campaign ID'],
      ['%0Aghost', 'not a campaign ID'],
      ['a%20b', 'not a campaign ID'],
      ['x'.repeat(129), 'not a campaign ID'],
      ['%E0%A4%A', 'malformed percent-encoding in the campaign ID'],
      ['%', 'malformed percent-encoding in the campaign ID'],
      ['%C0%80', 'malformed percent-encoding in the campaign ID'],
    ]) {
      expect(await getJson(`/api/campaigns/${segment}`), segment).toEqual({ status: 400, body: { error } });
    }
    // Encoded but valid: still found.
    expect((await getJson('/api/campaigns/dash%2Dseeded')).status).toBe(200);
  });

  it('answers 500 without the internal error when the ledger fails', async () => {
    const failing = {
      query: () => Promise.reject(new Error('password authentication failed for user "campaign_sla"')),
    } as unknown as pg.Pool;
    const broken = await startDashboard({ pool: failing, client: new Client({ connection }), port: 0, now: () => NOW });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const response = await fetch(`${broken.url}/api/campaigns/dash-seeded`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'internal error' });
      expect(String(stderr.mock.calls[0]?.[0])).toContain('password authentication failed');
    } finally {
      stderr.mockRestore();
      await broken.close();
    }
  });

  it('sends security headers on every response, and no-store on the API', async () => {
    for (const pathname of ['/', '/app.js', '/vendor/chart.js', '/api/campaigns', '/api/campaigns/%00', '/nope']) {
      const response = await fetch(`${dashboard.url}${pathname}`);
      await response.arrayBuffer();
      expect(Object.fromEntries(response.headers), pathname).toMatchObject({
        'content-security-policy': expect.stringMatching(/^default-src 'self';.*frame-ancestors 'none'/),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      if (pathname.startsWith('/api/')) expect(response.headers.get('cache-control'), pathname).toBe('no-store');
    }
    // The page needs nothing the policy forbids: no inline script or style, no other origin.
    const page = await (await fetch(`${dashboard.url}/`)).text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=")|<style|\sstyle="|\son[a-z]+="|https?:\/\//);
  });

  it('serves the page with stable test ids and the vendored Chart.js', async () => {
    const page = await (await fetch(`${dashboard.url}/`)).text();
    for (const id of [
      'chart-burn',
      'chart-cpl',
      'compliance-table',
      'proposals-table',
      'decisions-table',
      'open-clocks-table',
      'breaches-table',
      'empty-state',
      'portfolio-table',
      'chart-pacing',
      'daily-table',
      'owner-table',
      'tier-table',
      'milestone-table',
      'rep-table',
      'team-capacity',
      'api-budget',
      'ads-budget',
    ]) {
      expect(page).toContain(`data-testid="${id}"`);
    }
    const chart = await fetch(`${dashboard.url}/vendor/chart.js`);
    expect(chart.headers.get('content-type')).toContain('javascript');
    expect(await chart.text()).toContain('Chart.js v4');
  });

  it('names DASHBOARD_PORT when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDashboard({ pool: db.pool, client: new Client({ connection }), port })).rejects.toThrow(
        `dashboard port ${port} is already in use; set DASHBOARD_PORT to another port`,
      );
    } finally {
      blocker.close();
    }
  });
});
