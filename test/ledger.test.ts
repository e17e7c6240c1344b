import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeClockOutcomes, PgLedger } from '../activities/ledger/pgLedger';
import type {
  BudgetChangeRecord,
  ClockOutcomeRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  ProposalRecord,
  VelocitySnapshotRecord,
} from '../activities/ports';
import { createTestDatabase, type TestDatabase } from './support/postgres';

let db: TestDatabase;
let ledger: PgLedger;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = new PgLedger(db.pool);
});
afterAll(() => db.drop());

async function count(table: string, where = 'TRUE', params: unknown[] = []): Promise<number> {
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return rows[0].n;
}

function proposal(id: string, overrides: Partial<ProposalRecord> = {}): ProposalRecord {
  return {
    proposalId: id,
    campaignId: 'c-prop',
    createdAt: '2027-01-05T10:00:00Z',
    expiresAt: '2027-01-06T10:00:00Z',
    action: 'reduce',
    rule: 'velocity-below-floor',
    reason: 'velocity 55% of forecast',
    targetAmountMicros: 70_000_000_000,
    figures: { velocityPct: 55 },
    status: 'pending',
    ...overrides,
  };
}

describe('PgLedger config versions', () => {
  it('records a config version once and tracks the latest version per campaign', async () => {
    const v1 = { campaignId: 'c-cfg', configVersion: 1, config: { tiers: ['A'] }, recordedAt: '2027-01-01T00:00:00Z' };
    await ledger.recordConfigVersion(v1);
    await ledger.recordConfigVersion(v1);
    await ledger.recordConfigVersion({ ...v1, configVersion: 2, config: { tiers: ['A', 'B'] } });
    // A late retry of version 1 must not move the campaign back.
    await ledger.recordConfigVersion(v1);

    expect(await count('campaign_config_versions', 'campaign_id = $1', ['c-cfg'])).toBe(2);
    const { rows } = await db.pool.query('SELECT latest_config_version FROM campaigns WHERE campaign_id = $1', ['c-cfg']);
    expect(rows).toEqual([{ latest_config_version: 2 }]);
  });

  it('refuses a different config under an already recorded version', async () => {
    const record = { campaignId: 'c-cfg2', configVersion: 1, config: { a: 1 }, recordedAt: '2027-01-01T00:00:00Z' };
    await ledger.recordConfigVersion(record);
    await expect(ledger.recordConfigVersion({ ...record, config: { a: 2 } })).rejects.toThrow(
      'Config version 1 of campaign c-cfg2 is already recorded with a different config',
    );
  });
});

describe('PgLedger lead activity', () => {
  const clockBase: ClockOutcomeRecord = {
    campaignId: 'c-lead',
    leadId: 'L1',
    clock: 'firstTouch',
    startedAt: '2027-01-04T09:00:00Z',
    deadline: '2027-01-04T10:00:00Z',
  };
  const warned: ClockOutcomeRecord = { ...clockBase, warnedAt: '2027-01-04T09:45:00Z' };
  const met: ClockOutcomeRecord = {
    ...clockBase,
    metAt: '2027-01-04T09:50:00Z',
    elapsedBusinessMs: 3_000_000,
    elapsedWallMs: 3_000_000,
  };

  async function clockRow(leadId: string) {
    const { rows } = await db.pool.query(
      `SELECT warned_at, met_at, breached_at, elapsed_business_ms::float8 AS business, elapsed_wall_ms::float8 AS wall
       FROM clock_outcomes WHERE campaign_id = 'c-lead' AND lead_id = $1`,
      [leadId],
    );
    return rows;
  }

  it('writes leads, events and clocks idempotently: a repeated batch adds no rows', async () => {
    const batch: LeadActivityBatch = {
      leads: [
        { campaignId: 'c-lead', leadId: 'L1', tier: 'hot', ownerId: 'o1', createdAt: '2027-01-04T09:00:00Z', configVersion: 1 },
      ],
      events: [
        { campaignId: 'c-lead', leadId: 'L1', eventId: 'e1', kind: 'contact', at: '2027-01-04T09:50:00Z', detail: { channel: 'call' } },
      ],
      clocks: [met],
    };
    await ledger.recordLeadActivity(batch);
    await ledger.recordLeadActivity(batch);
    expect(await count('leads', "campaign_id = 'c-lead'")).toBe(1);
    expect(await count('lead_events', "campaign_id = 'c-lead'")).toBe(1);
    expect(await count('clock_outcomes', "campaign_id = 'c-lead'")).toBe(1);
  });

  it('accepts an event before its lead row (retry order) ', async () => {
    await ledger.recordLeadActivity({
      leads: [],
      events: [{ campaignId: 'c-lead', leadId: 'L-late', eventId: 'e-late', kind: 'warning', at: '2027-01-04T09:00:00Z', detail: {} }],
      clocks: [],
    });
    expect(await count('lead_events', "event_id = 'e-late'")).toBe(1);
  });

  it('fills clock milestones the same way whatever order the writes arrive in', async () => {
    const inOrder = [warned, met];
    const reversed = [met, warned];
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...inOrder[0], leadId: 'order-a' }] });
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...inOrder[1], leadId: 'order-a' }] });
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...reversed[0], leadId: 'order-b' }] });
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...reversed[1], leadId: 'order-b' }] });
    // Both milestones in one batch: merged before the insert.
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: reversed.map((c) => ({ ...c, leadId: 'order-c' })) });
    // A retry of the bare start must not erase anything.
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...clockBase, leadId: 'order-a' }] });

    const expected = [
      {
        warned_at: new Date('2027-01-04T09:45:00Z'),
        met_at: new Date('2027-01-04T09:50:00Z'),
        breached_at: null,
        business: 3_000_000,
        wall: 3_000_000,
      },
    ];
    expect(await clockRow('order-a')).toEqual(expected);
    expect(await clockRow('order-b')).toEqual(expected);
    expect(await clockRow('order-c')).toEqual(expected);
  });

  it('writes a 5,000-lead batch in one go', async () => {
    const n = 5000;
    const batch: LeadActivityBatch = { leads: [], events: [], clocks: [] };
    for (let i = 0; i < n; i++) {
      const leadId = `bulk-${i}`;
      const createdAt = new Date(Date.UTC(2027, 0, 4, 9) + i * 1000).toISOString();
      batch.leads.push({ campaignId: 'c-bulk', leadId, tier: i % 2 ? 'hot' : 'warm', ownerId: `o${i % 7}`, createdAt, configVersion: 1 });
      batch.events.push({ campaignId: 'c-bulk', leadId, eventId: `ev-${i}`, kind: 'contact', at: createdAt, detail: { i } });
      batch.clocks.push({ campaignId: 'c-bulk', leadId, clock: 'firstTouch', startedAt: createdAt, deadline: createdAt });
    }
    const started = performance.now();
    await ledger.recordLeadActivity(batch);
    const elapsedMs = performance.now() - started;
    expect(await count('leads', "campaign_id = 'c-bulk'")).toBe(n);
    expect(await count('lead_events', "campaign_id = 'c-bulk'")).toBe(n);
    expect(await count('clock_outcomes', "campaign_id = 'c-bulk'")).toBe(n);
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('rolls back the whole batch when one row is rejected', async () => {
    await expect(
      ledger.recordLeadActivity({
        leads: [{ campaignId: 'c-atomic', leadId: 'A1', tier: 't', ownerId: 'o', createdAt: '2027-01-04T09:00:00Z', configVersion: 1 }],
        events: [],
        // Not a clock kind: the CHECK constraint fails after the lead insert has run.
        clocks: [{ ...clockBase, campaignId: 'c-atomic', clock: 'bogus' as ClockOutcomeRecord['clock'] }],
      }),
    ).rejects.toThrow(/clock_outcomes_clock_check/);
    expect(await count('leads', "campaign_id = 'c-atomic'")).toBe(0);
  });

  it('names the bad field of a bad record', async () => {
    await expect(
      ledger.recordLeadActivity({ leads: [], events: [], clocks: [clockBase, { ...clockBase, deadline: 'tomorrow' }] }),
    ).rejects.toThrow('clocks[1].deadline: "tomorrow" is not an ISO timestamp with an offset');
    await expect(
      ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...clockBase, elapsedWallMs: 1.5 }] }),
    ).rejects.toThrow('clocks[0].elapsedWallMs: 1.5 is not an integer >= 0');
    await expect(
      ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...clockBase, startedAt: '2027-01-04T09:00:00' }] }),
    ).rejects.toThrow('clocks[0].startedAt');
  });
});

describe('mergeClockOutcomes', () => {
  it('keeps the first value of each milestone per lead clock', () => {
    const base: ClockOutcomeRecord = {
      campaignId: 'c',
      leadId: 'L',
      clock: 'acceptance',
      startedAt: '2027-01-04T09:00:00Z',
      deadline: '2027-01-05T09:00:00Z',
    };
    const merged = mergeClockOutcomes([
      { ...base, breachedAt: '2027-01-05T09:00:00Z' },
      { ...base, leadId: 'other' },
      { ...base, breachedAt: '2027-01-06T00:00:00Z', metAt: '2027-01-05T10:00:00Z' },
    ]);
    expect(merged).toEqual([
      { ...base, breachedAt: '2027-01-05T09:00:00Z', metAt: '2027-01-05T10:00:00Z' },
      { ...base, leadId: 'other' },
    ]);
  });
});

describe('PgLedger escalation, snapshots, proposals, decisions, budget changes', () => {
  it('records an escalation step once per (campaign, lead, clock, step index)', async () => {
    const step: EscalationStepRecord = {
      campaignId: 'c-esc',
      leadId: 'L1',
      clock: 'firstTouch',
      stepIndex: 0,
      step: 'notify-owner',
      at: '2027-01-04T10:00:00Z',
      outcome: { delivered: true },
    };
    await ledger.recordEscalationStep(step);
    await ledger.recordEscalationStep(step);
    await ledger.recordEscalationStep({ ...step, stepIndex: 1, step: 'reassign' });
    expect(await count('escalation_steps', "campaign_id = 'c-esc'")).toBe(2);
  });

  it('records a velocity snapshot once per check', async () => {
    const snapshot: VelocitySnapshotRecord = {
      campaignId: 'c-snap',
      checkId: 'check-1',
      at: '2027-01-05T00:00:00Z',
      spendMicros: 9_007_199_254_740_991,
      budgetMicros: 100_000_000_000,
      burnPct: 12.5,
      conversions: 40,
      forecastLinear: 50,
      forecastCurve: 45.5,
      velocityPct: 80,
      cpl: null,
      cplLow: 160,
      cplHigh: 240,
      responseCompliance: { hot: 0.9 },
      detail: { note: 'x' },
    };
    await ledger.recordSnapshot(snapshot);
    await ledger.recordSnapshot({ ...snapshot, conversions: 41 });
    const { rows } = await db.pool.query(
      "SELECT spend_micros, conversions, cpl FROM velocity_snapshots WHERE campaign_id = 'c-snap'",
    );
    // bigint round-trips exactly (as a string from pg) even at the largest safe integer.
    expect(rows).toEqual([{ spend_micros: '9007199254740991', conversions: 40, cpl: null }]);
    await expect(ledger.recordSnapshot({ ...snapshot, checkId: 'c2', burnPct: Number.NaN })).rejects.toThrow(
      'snapshot.burnPct: NaN is not a finite number',
    );
  });

  it('creates a proposal once and only moves its status forward', async () => {
    await ledger.recordProposal(proposal('p1'));
    await ledger.recordProposal(proposal('p1', { status: 'approved', reason: 'changed reason is ignored' }));
    await ledger.recordProposal(proposal('p1', { status: 'pending' })); // a late retry
    await ledger.recordProposal(proposal('p1', { status: 'applied' }));
    const { rows } = await db.pool.query("SELECT status, reason FROM proposals WHERE proposal_id = 'p1'");
    expect(rows).toEqual([{ status: 'applied', reason: 'velocity 55% of forecast' }]);
  });

  it('rejects a pause proposal that carries a target amount', async () => {
    await expect(ledger.recordProposal(proposal('p-bad', { action: 'pause' }))).rejects.toThrow(
      /proposals_target_only_without_pause/,
    );
  });

  it('records decisions and budget changes once, and only for recorded proposals', async () => {
    await ledger.recordProposal(proposal('p2'));
    const decision: DecisionRecord = {
      proposalId: 'p2',
      campaignId: 'c-prop',
      decision: 'timeout-escalate',
      approver: 'system',
      reason: 'no answer in 4h',
      at: '2027-01-05T14:00:00Z',
      figures: {},
    };
    await ledger.recordDecision(decision);
    await ledger.recordDecision(decision);
    await ledger.recordDecision({ ...decision, decision: 'approve', approver: 'ops@example', at: '2027-01-05T15:00:00Z' });
    expect(await count('decisions', "proposal_id = 'p2'")).toBe(2);

    const change: BudgetChangeRecord = {
      changeId: 'p2',
      campaignId: 'c-prop',
      proposalId: 'p2',
      source: 'proposal',
      at: '2027-01-05T15:01:00Z',
      before: { budgetResourceName: 'customers/1/campaignBudgets/2', period: 'CUSTOM_PERIOD', amountMicros: 100, status: 'ENABLED' },
      after: { budgetResourceName: 'customers/1/campaignBudgets/2', period: 'CUSTOM_PERIOD', amountMicros: 70, status: 'ENABLED' },
      operation: 'campaign_budget.update',
      validateOnly: false,
      changed: true,
    };
    await ledger.recordBudgetChange(change);
    await ledger.recordBudgetChange(change);
    await ledger.recordBudgetChange({ ...change, changeId: 'external:check-9', proposalId: null, source: 'external', before: null });
    expect(await count('budget_changes', "campaign_id = 'c-prop'")).toBe(2);

    await expect(ledger.recordDecision({ ...decision, proposalId: 'nope' })).rejects.toThrow(
      'Cannot record decision timeout-escalate: proposal nope is not in the ledger; record the proposal first',
    );
    await expect(ledger.recordBudgetChange({ ...change, changeId: 'x', proposalId: 'nope' })).rejects.toThrow(
      'Cannot record budget change x: proposal nope is not in the ledger',
    );
  });
});

describe('PgLedger quarter reports and alert claims', () => {
  it('inserts a quarter report once', async () => {
    const report = { campaignId: 'c-q', quarter: '2027-Q1', createdAt: '2027-04-01T00:00:00Z', report: { breaches: 3 } };
    expect(await ledger.recordQuarterReport(report)).toEqual({ inserted: true });
    expect(await ledger.recordQuarterReport({ ...report, report: { breaches: 4 } })).toEqual({ inserted: false });
    const { rows } = await db.pool.query("SELECT report FROM quarter_reports WHERE campaign_id = 'c-q'");
    expect(rows).toEqual([{ report: { breaches: 3 } }]);
    await expect(ledger.recordQuarterReport({ ...report, quarter: '2027-Q5' })).rejects.toThrow(
      'quarterReport.quarter: "2027-Q5" is not a quarter like 2027-Q1',
    );
  });

  it('lets exactly one of many concurrent claimers send an alert, and a released claim be taken again', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => ledger.tryClaimAlert('breach:c:L1:firstTouch', { severity: 'warning' })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await ledger.tryClaimAlert('breach:c:L1:firstTouch', {})).toBe(false);
    await ledger.releaseAlertClaim('breach:c:L1:firstTouch');
    expect(await ledger.tryClaimAlert('breach:c:L1:firstTouch', {})).toBe(true);
  });
});
