import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerQueries } from '../reports/ledgerQueries';
import { mergeClockOutcomes, PgLedger } from '../activities/ledger/pgLedger';
import type {
  BudgetChangeRecord,
  ClockOutcomeRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  LeadEventRecord,
  LeadRecord,
  ProposalRecord,
  VelocitySnapshotRecord,
} from '../sla/records';
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
    const { rows } = await db.pool.query('SELECT latest_config_version FROM campaigns WHERE campaign_id = $1', [
      'c-cfg',
    ]);
    expect(rows).toEqual([{ latest_config_version: 2 }]);
  });

  it('refuses a different config under an already recorded version', async () => {
    const record = { campaignId: 'c-cfg2', configVersion: 1, config: { a: 1 }, recordedAt: '2027-01-01T00:00:00Z' };
    await ledger.recordConfigVersion(record);
    await expect(ledger.recordConfigVersion({ ...record, config: { a: 2 } })).rejects.toThrow(
      'config version 1 of campaign c-cfg2 is already recorded with a different config',
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
       FROM clocks WHERE campaign_id = 'c-lead' AND lead_id = $1`,
      [leadId],
    );
    return rows;
  }

  it('writes leads, events and clocks idempotently: a repeated batch adds no rows', async () => {
    const batch: LeadActivityBatch = {
      leads: [
        {
          campaignId: 'c-lead',
          leadId: 'L1',
          tier: 'hot',
          ownerId: 'o1',
          createdAt: '2027-01-04T09:00:00Z',
          configVersion: 1,
        },
      ],
      events: [
        {
          campaignId: 'c-lead',
          leadId: 'L1',
          eventId: 'e1',
          kind: 'contact',
          at: '2027-01-04T09:50:00Z',
          detail: { channel: 'call' },
        },
      ],
      clocks: [met],
    };
    await ledger.recordLeadActivity(batch);
    await ledger.recordLeadActivity(batch);
    expect(await count('leads', "campaign_id = 'c-lead'")).toBe(1);
    expect(await count('lead_events', "campaign_id = 'c-lead'")).toBe(1);
    expect(await count('clocks', "campaign_id = 'c-lead'")).toBe(1);
  });

  it('accepts an event before its lead row (retry order) ', async () => {
    await ledger.recordLeadActivity({
      leads: [],
      events: [
        {
          campaignId: 'c-lead',
          leadId: 'L-late',
          eventId: 'e-late',
          kind: 'warning',
          at: '2027-01-04T09:00:00Z',
          detail: {},
        },
      ],
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
    await ledger.recordLeadActivity({
      leads: [],
      events: [],
      clocks: reversed.map((c) => ({ ...c, leadId: 'order-c' })),
    });
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

  it('withdraws a breach when a touch on time is reported late, in separate batches or merged in one', async () => {
    const breached = { ...clockBase, breachedAt: '2027-01-04T10:00:00.000Z' };
    const retracted = {
      ...clockBase,
      metAt: '2027-01-04T09:58:00.000Z',
      metRecordedAt: '2027-01-04T10:03:00.000Z',
      breachRetractedAt: '2027-01-04T10:03:00.000Z',
      elapsedBusinessMs: 3_480_000,
      elapsedWallMs: 3_480_000,
    };
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...breached, leadId: 'late-a' }] });
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...retracted, leadId: 'late-a' }] });
    await ledger.recordLeadActivity({
      leads: [],
      events: [],
      clocks: [breached, retracted].map((c) => ({ ...c, leadId: 'late-b' })),
    });
    // A retry of the breach after its withdrawal never brings it back.
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...breached, leadId: 'late-a' }] });
    for (const leadId of ['late-a', 'late-b']) {
      const { rows } = await db.pool.query(
        `SELECT met_at, met_recorded_at, breached_at, breach_retracted_at FROM clocks WHERE lead_id = $1`,
        [leadId],
      );
      expect(rows).toEqual([
        {
          met_at: new Date('2027-01-04T09:58:00Z'),
          met_recorded_at: new Date('2027-01-04T10:03:00Z'),
          breached_at: null,
          breach_retracted_at: new Date('2027-01-04T10:03:00Z'),
        },
      ]);
    }
  });

  it('writes a 5,000-lead batch in one go', async () => {
    const n = 5000;
    const batch: LeadActivityBatch = { leads: [], events: [], clocks: [] };
    for (let i = 0; i < n; i++) {
      const leadId = `bulk-${i}`;
      const createdAt = new Date(Date.UTC(2027, 0, 4, 9) + i * 1000).toISOString();
      batch.leads.push({
        campaignId: 'c-bulk',
        leadId,
        tier: i % 2 ? 'hot' : 'warm',
        ownerId: `o${i % 7}`,
        createdAt,
        configVersion: 1,
      });
      batch.events.push({
        campaignId: 'c-bulk',
        leadId,
        eventId: `ev-${i}`,
        kind: 'contact',
        at: createdAt,
        detail: { i },
      });
      batch.clocks.push({
        campaignId: 'c-bulk',
        leadId,
        clock: 'firstTouch',
        startedAt: createdAt,
        deadline: createdAt,
      });
    }
    const started = performance.now();
    await ledger.recordLeadActivity(batch);
    const elapsedMs = performance.now() - started;
    expect(await count('leads', "campaign_id = 'c-bulk'")).toBe(n);
    expect(await count('lead_events', "campaign_id = 'c-bulk'")).toBe(n);
    expect(await count('clocks', "campaign_id = 'c-bulk'")).toBe(n);
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('rolls back the whole batch when one row is rejected', async () => {
    await expect(
      ledger.recordLeadActivity({
        leads: [
          {
            campaignId: 'c-atomic',
            leadId: 'A1',
            tier: 't',
            ownerId: 'o',
            createdAt: '2027-01-04T09:00:00Z',
            configVersion: 1,
          },
        ],
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
      ledger.recordLeadActivity({
        leads: [],
        events: [],
        clocks: [{ ...clockBase, startedAt: '2027-01-04T09:00:00' }],
      }),
    ).rejects.toThrow('clocks[0].startedAt');
    const lead = {
      campaignId: 'c-bad',
      leadId: 'L',
      tier: 'standard',
      ownerId: 'rep-a',
      createdAt: '2027-01-04T09:00:00Z',
      configVersion: 1,
    };
    await expect(
      ledger.recordLeadActivity({ leads: [lead, { ...lead, configVersion: -1 }], events: [], clocks: [] }),
    ).rejects.toThrow('leads[1].configVersion: -1 is not an integer >= 0');
    // A deadline folded onto a lead row (format 2) is checked like any timestamp.
    await expect(
      ledger.recordLeadActivity({ leads: [{ ...lead, followUpDeadline: 'tomorrow' }], events: [], clocks: [] }),
    ).rejects.toThrow('leads[0].followUpDeadline: "tomorrow" is not an ISO timestamp with an offset');
    const event = {
      campaignId: 'c-bad',
      eventId: 'e-1',
      leadId: 'L',
      kind: 'contact' as const,
      at: lead.createdAt,
      detail: {},
    };
    await expect(
      ledger.recordLeadActivity({ leads: [], events: [event, { ...event, eventId: '' }], clocks: [] }),
    ).rejects.toThrow('events[1].eventId: must be a non-empty string');
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

  it('merges exactly the rows of one campaign, lead and clock, whatever characters their IDs hold', () => {
    const id = fc.string({
      minLength: 1,
      maxLength: 6,
      unit: fc.constantFrom('a', ':', '1', '2', '"', '\\', '\u0000'),
    });
    const row = fc.record({ campaignId: id, leadId: id, clock: fc.constantFrom('firstTouch', 'acceptance', 'm:a1') });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (keys) => {
        const records = keys.map((k) => ({
          ...k,
          startedAt: '2027-01-04T09:00:00Z',
          deadline: '2027-01-05T09:00:00Z',
        }));
        const distinct = new Set(keys.map((k) => JSON.stringify([k.campaignId, k.leadId, k.clock])));
        const merged = mergeClockOutcomes(records);
        expect(merged).toHaveLength(distinct.size);
        expect(new Set(merged.map((k) => JSON.stringify([k.campaignId, k.leadId, k.clock])))).toEqual(distinct);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps apart IDs that spell the same text split differently between campaign and lead', () => {
    const splits = fc
      .string({ minLength: 3, maxLength: 8, unit: fc.constantFrom('a', ':', '1', '2') })
      .chain((text) =>
        fc
          .uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { minLength: 2, maxLength: 2 })
          .map((at) => at.map((i) => ({ campaignId: text.slice(0, i), leadId: text.slice(i) }))),
      );
    fc.assert(
      fc.property(splits, ([a, b]) => {
        const clock = {
          clock: 'firstTouch' as const,
          startedAt: '2027-01-04T09:00:00Z',
          deadline: '2027-01-05T09:00:00Z',
        };
        expect(
          mergeClockOutcomes([
            { ...a, ...clock },
            { ...b, ...clock },
          ]),
        ).toHaveLength(2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('PgLedger milestone clocks', () => {
  const C = 'c-milestones';
  const base = { campaignId: C, clock: 'm:opportunity-7d' as const, startedAt: '2027-01-04T10:00:00.000Z' };
  // A clock paused on day 1, resumed on day 3 (deadline moved by 2 days), then met on day 8.
  const paused: Omit<ClockOutcomeRecord, 'leadId'> = {
    ...base,
    deadline: '2027-01-11T10:00:00.000Z',
    pausedAt: '2027-01-05T10:00:00.000Z',
  };
  const resumed: Omit<ClockOutcomeRecord, 'leadId'> = {
    ...base,
    deadline: '2027-01-13T10:00:00.000Z',
    pausedMs: 172_800_000,
  };
  const met: Omit<ClockOutcomeRecord, 'leadId'> = {
    ...resumed,
    metAt: '2027-01-12T10:00:00.000Z',
    elapsedWallMs: 691_200_000,
  };
  const orders = [
    [paused, resumed, met],
    [met, paused, resumed],
    [resumed, met, paused],
    [paused, met, resumed],
  ];
  const lead = (leadId: string): LeadRecord => ({
    campaignId: C,
    leadId,
    tier: 'high-intent',
    ownerId: 'rep-a',
    createdAt: base.startedAt,
    configVersion: 1,
  });
  const write = (clocks: ClockOutcomeRecord[], leads: LeadRecord[] = [], events: LeadEventRecord[] = []) =>
    ledger.recordLeadActivity({ leads, events, clocks });

  it('ends at the latest pause state whatever order the writes land in, one by one or in one batch', async () => {
    for (const [i, order] of orders.entries()) {
      await write([], [lead(`one-${i}`), lead(`batch-${i}`)]);
      for (const record of order) await write([{ ...record, leadId: `one-${i}` }]);
      await write(order.map((record) => ({ ...record, leadId: `batch-${i}` })));
    }
    const { rows } = await db.pool.query(
      `SELECT lead_id, iso_utc(deadline) AS deadline, paused_at, paused_ms::int AS paused_ms, iso_utc(met_at) AS met_at
       FROM clocks WHERE campaign_id = $1 ORDER BY lead_id`,
      [C],
    );
    expect(rows).toHaveLength(2 * orders.length);
    for (const row of rows)
      expect(row).toMatchObject({
        deadline: '2027-01-13T10:00:00.000Z',
        paused_at: null,
        paused_ms: 172_800_000,
        met_at: '2027-01-12T10:00:00.000Z',
      });
  });

  it('reports each milestone by outcome, the same definitions as the workflow, and keeps re-engaged leads polled', async () => {
    await write(
      [
        { ...base, leadId: 'f-breached', deadline: '2027-01-11T10:00:00.000Z', breachedAt: '2027-01-11T10:00:00.000Z' },
        {
          ...base,
          leadId: 'f-late',
          deadline: '2027-01-11T10:00:00.000Z',
          breachedAt: '2027-01-11T10:00:00.000Z',
          metAt: '2027-01-12T10:00:00.000Z',
        },
        { ...base, leadId: 'f-stopped', deadline: '2027-01-11T10:00:00.000Z', stoppedAt: '2027-01-06T10:00:00.000Z' },
        { ...paused, leadId: 'f-paused' },
        {
          campaignId: C,
          leadId: 'f-stopped',
          clock: 'm:re-engage',
          startedAt: '2027-01-06T10:00:00.000Z',
          deadline: '2027-02-05T10:00:00.000Z',
        },
      ],
      ['f-breached', 'f-late', 'f-stopped', 'f-paused'].map(lead),
      [
        {
          campaignId: C,
          leadId: 'f-stopped',
          eventId: 'r-1',
          kind: 'reject',
          at: '2027-01-06T10:00:00.000Z',
          detail: { reason: 'Not ICP', route: 'recycle' },
        },
        {
          campaignId: C,
          leadId: 'f-paused',
          eventId: 's-1',
          kind: 'status',
          at: paused.pausedAt as string,
          detail: {},
        },
      ],
    );
    const figures = await new LedgerQueries(db.pool).milestones(C);
    expect(figures).toEqual([
      {
        name: 'opportunity-7d',
        started: 12,
        met: 8,
        breached: 2,
        stopped: 1,
        pending: 1,
        pausedNow: 1,
        paused: 9,
        pausedMs: 8 * 172_800_000,
        share: 0.8,
      },
      {
        name: 're-engage',
        started: 1,
        met: 0,
        breached: 0,
        stopped: 0,
        pending: 1,
        pausedNow: 0,
        paused: 0,
        pausedMs: 0,
        share: null,
      },
    ]);
    // The recycled lead is polled for its re-engagement; its stopped first milestone no longer counts as open.
    expect(await ledger.openLeadIds(C, 100)).toEqual(expect.arrayContaining(['f-stopped', 'f-paused', 'f-breached']));
    expect(await ledger.openLeadIds(C, 100)).not.toContain('one-0');
  });

  it('refuses a clock name that is not a built-in clock or m:<milestone>, as the database does', async () => {
    await expect(
      write([{ ...base, leadId: 'bad', clock: 'm:bad name' as 'm:x', deadline: base.startedAt }], [lead('bad')]),
    ).rejects.toThrow(/clock_outcomes_clock_check/);
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

  it('records a superseded step with the lead activity, and never over a step that really ran', async () => {
    const ran: EscalationStepRecord = {
      campaignId: 'c-sup',
      leadId: 'L1',
      clock: 'firstTouch',
      stepIndex: 0,
      step: 'notify-owner',
      at: '2027-01-04T10:00:00Z',
      outcome: { ownerId: 'rep-a' },
    };
    const superseded = (stepIndex: number, step: EscalationStepRecord['step']): EscalationStepRecord => ({
      ...ran,
      stepIndex,
      step,
      at: '2027-01-04T10:05:00Z',
      outcome: { superseded: true, handledAt: '2027-01-04T10:04:00Z', failedAttempts: 1 },
    });
    await ledger.recordEscalationStep(ran);
    // A step whose activity wrote its row but whose result was lost, then superseded: the real row stays.
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [], steps: [superseded(0, 'notify-owner')] });
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [], steps: [superseded(1, 'reassign')] });
    // A batch from a workflow that predates superseded steps has no steps field.
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [] });
    const { rows } = await db.pool.query(
      `SELECT step_index, outcome FROM escalation_steps WHERE campaign_id = 'c-sup' ORDER BY step_index`,
    );
    expect(rows).toEqual([
      { step_index: 0, outcome: { ownerId: 'rep-a' } },
      { step_index: 1, outcome: { superseded: true, handledAt: '2027-01-04T10:04:00Z', failedAttempts: 1 } },
    ]);
    await expect(
      ledger.recordLeadActivity({ leads: [], events: [], clocks: [], steps: [{ ...ran, leadId: '' }] }),
    ).rejects.toThrow(/leadId/);
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
    await ledger.recordDecision({
      ...decision,
      decision: 'approve',
      approver: 'ops@example',
      at: '2027-01-05T15:00:00Z',
    });
    expect(await count('decisions', "proposal_id = 'p2'")).toBe(2);

    const change: BudgetChangeRecord = {
      changeId: 'p2',
      campaignId: 'c-prop',
      proposalId: 'p2',
      source: 'proposal',
      at: '2027-01-05T15:01:00Z',
      before: {
        budgetResourceName: 'customers/1/campaignBudgets/2',
        period: 'CUSTOM_PERIOD',
        amountMicros: 100,
        status: 'ENABLED',
      },
      after: {
        budgetResourceName: 'customers/1/campaignBudgets/2',
        period: 'CUSTOM_PERIOD',
        amountMicros: 70,
        status: 'ENABLED',
      },
      operation: 'campaign_budget.update',
      validateOnly: false,
      changed: true,
    };
    await ledger.recordBudgetChange(change);
    await ledger.recordBudgetChange(change);
    await ledger.recordBudgetChange({
      ...change,
      changeId: 'external:check-9',
      proposalId: null,
      source: 'external',
      before: null,
    });
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
    const report = {
      campaignId: 'c-q',
      quarter: '2027-Q1',
      createdAt: '2027-04-01T00:00:00Z',
      report: { breaches: 3 },
    };
    expect(await ledger.recordQuarterReport(report)).toEqual({ inserted: true });
    expect(await ledger.recordQuarterReport({ ...report, report: { breaches: 4 } })).toEqual({ inserted: false });
    const { rows } = await db.pool.query("SELECT report FROM quarter_reports WHERE campaign_id = 'c-q'");
    expect(rows).toEqual([{ report: { breaches: 3 } }]);
    await expect(ledger.recordQuarterReport({ ...report, quarter: '2027-Q5' })).rejects.toThrow(
      'quarterReport.quarter: "2027-Q5" is not a quarter like 2027-Q1',
    );
  });

  it('leases an alert key to one of many concurrent senders, frees it on failure, and dedupes only after delivery', async () => {
    const key = 'breach:c:L1:firstTouch';
    const leases = await Promise.all(
      Array.from({ length: 8 }, () => ledger.leaseAlert(key, { severity: 'warning' }, 60_000)),
    );
    expect(leases.filter((l) => l.lease === 'leased')).toHaveLength(1);
    expect(leases.filter((l) => l.lease === 'busy')).toHaveLength(7);
    await ledger.releaseAlert(key, 'HTTP 503');
    expect(await ledger.leaseAlert(key, {}, 60_000)).toEqual({ lease: 'leased', attempts: 2 });
    await ledger.markAlertsDelivered([key]);
    expect(await ledger.leaseAlert(key, {}, 60_000)).toEqual({ lease: 'delivered', attempts: 2 });
    expect(await ledger.leaseAlert(`${key}:2`, {}, 60_000)).toEqual({ lease: 'leased', attempts: 1 });
    // An expired lease (the worker died mid-post) is taken over.
    expect(await ledger.leaseAlert('breach:c:L9:firstTouch', {}, 1)).toMatchObject({ lease: 'leased' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ledger.leaseAlert('breach:c:L9:firstTouch', {}, 60_000)).toEqual({ lease: 'leased', attempts: 2 });
  });

  it('leases, releases and delivers an alert whose key is far larger than an index entry may be', async () => {
    // A "CRM poll failed" key names the poll's watermark: up to 2,000 record keys, tens of KB.
    const key = `c:crm-poll:${JSON.stringify({ seen: Array.from({ length: 2_000 }, (_, i) => `00Q${i}`) })}`;
    const sibling = `${key.slice(0, -2)}x}`; // the same first characters, another key
    expect(await ledger.leaseAlert(key, { title: 'CRM poll failed' }, 60_000)).toEqual({
      lease: 'leased',
      attempts: 1,
    });
    expect(await ledger.leaseAlert(sibling, {}, 60_000)).toEqual({ lease: 'leased', attempts: 1 });
    await ledger.releaseAlert(key, 'HTTP 503');
    expect(await ledger.leaseAlert(key, {}, 60_000)).toEqual({ lease: 'leased', attempts: 2 });
    await ledger.markAlertsDelivered([key]);
    expect(await ledger.leaseAlert(key, {}, 60_000)).toEqual({ lease: 'delivered', attempts: 2 });
    expect(await ledger.leaseAlert(sibling, {}, 60_000)).toEqual({ lease: 'busy', attempts: 1 });
    const stored = await db.pool.query(
      `SELECT dedupe_key FROM alerts_sent WHERE dedupe_key LIKE 'c:crm-poll:%' ORDER BY dedupe_key`,
    );
    expect(stored.rows.map((r: { dedupe_key: string }) => r.dedupe_key.length)).toEqual([232, 232]);
    expect(stored.rows[0].dedupe_key).toMatch(/^c:crm-poll:\{"seen":\["00Q0",.*…sha256:[0-9a-f]{64}$/);
  });
});

describe('PgLedger: text from outside systems that Postgres JSON refuses', () => {
  it('stores a NUL and unpaired surrogates in JSON values as U+FFFD instead of failing every retry', async () => {
    // E.g. a CRM error message cut at 500 characters through a surrogate pair, echoed in a step's outcome.
    const hostile = `a\u0000b\ud83dc\ude00d\\u0000e😀`;
    const outcome = { error: hostile, [`k\ud800`]: 1 };
    await ledger.recordEscalationStep({
      campaignId: 'c-text',
      leadId: 'L1',
      clock: 'firstTouch',
      stepIndex: 0,
      step: 'notify-owner',
      at: '2027-01-05T10:00:00Z',
      outcome,
    });
    await ledger.leaseAlert('c-text:alert', { title: hostile }, 60_000);
    const step = await db.pool.query(`SELECT outcome FROM escalation_steps WHERE campaign_id = 'c-text'`);
    expect(step.rows[0].outcome).toEqual({ error: 'a\ufffdb\ufffdc\ufffdd\\u0000e😀', 'k\ufffd': 1 });
    const alert = await db.pool.query(`SELECT payload FROM alerts_sent WHERE dedupe_key = 'c-text:alert'`);
    expect(alert.rows[0].payload).toEqual({ title: 'a\ufffdb\ufffdc\ufffdd\\u0000e😀' });
  });
});

// The read side, on its own database holding a hand-built campaign with known answers.
describe('LedgerQueries', () => {
  // A hand-built campaign with known answers. Window: the week of 2027-01-04 (UTC).
  const C = 'c-report';
  const FROM = '2027-01-04T00:00:00.000Z';
  const TO = '2027-01-11T00:00:00.000Z';
  const MIN = 60_000;
  const HOUR = 60 * MIN;

  const at = (day: number, minutes = 0) => new Date(Date.UTC(2027, 0, 4 + day, 9) + minutes * MIN).toISOString();

  interface Spec {
    leadId: string;
    tier: string;
    ownerId: string;
    day: number;
    /** Time to first touch; undefined = never touched. */
    elapsedMs?: number;
    breached?: boolean;
    /** Record met_at only (no elapsed), so the query falls back to wall time. */
    noElapsed?: boolean;
  }

  const specs: Spec[] = [
    { leadId: 'L1', tier: 'hot', ownerId: 'A', day: 0, elapsedMs: 10 * MIN },
    { leadId: 'L2', tier: 'hot', ownerId: 'A', day: 0, elapsedMs: 30 * MIN },
    { leadId: 'L3', tier: 'hot', ownerId: 'A', day: 1, elapsedMs: 90 * MIN, breached: true }, // late touch
    { leadId: 'L4', tier: 'hot', ownerId: 'A', day: 1, breached: true }, // never touched
    { leadId: 'L5', tier: 'warm', ownerId: 'B', day: 2, elapsedMs: 2 * HOUR },
    { leadId: 'L6', tier: 'warm', ownerId: 'B', day: 2, elapsedMs: 20 * HOUR },
    { leadId: 'L7', tier: 'warm', ownerId: 'B', day: 3 }, // still open
    { leadId: 'L8', tier: 'warm', ownerId: 'A', day: 3, elapsedMs: HOUR }, // exactly on the 1 h boundary
    { leadId: 'L9', tier: 'hot', ownerId: 'A', day: 7, elapsedMs: MIN }, // starts at TO + 9 h: outside
    { leadId: 'L10', tier: 'hot', ownerId: 'B', day: 4, elapsedMs: 5 * MIN, noElapsed: true },
    { leadId: 'L12', tier: 'hot', ownerId: 'B', day: -2 }, // before the window, still untouched
    { leadId: 'L13', tier: 'hot', ownerId: 'B', day: -3 }, // before the window; contact event, clock not yet met
  ];

  function lead(s: Spec): LeadRecord {
    return {
      campaignId: C,
      leadId: s.leadId,
      tier: s.tier,
      ownerId: s.ownerId,
      createdAt: at(s.day),
      configVersion: 1,
    };
  }

  function firstTouchClock(s: Spec): ClockOutcomeRecord {
    const startedAt = at(s.day);
    const clock: ClockOutcomeRecord = {
      campaignId: C,
      leadId: s.leadId,
      clock: 'firstTouch',
      startedAt,
      deadline: at(s.day, 60),
    };
    if (s.elapsedMs !== undefined) {
      clock.metAt = new Date(Date.parse(startedAt) + s.elapsedMs).toISOString();
      if (!s.noElapsed) Object.assign(clock, { elapsedBusinessMs: s.elapsedMs, elapsedWallMs: s.elapsedMs });
    }
    if (s.breached) clock.breachedAt = at(s.day, 60);
    return clock;
  }

  function event(
    leadId: string,
    eventId: string,
    kind: LeadEventRecord['kind'],
    day: number,
    detail: Record<string, unknown> = {},
  ): LeadEventRecord {
    return { campaignId: C, leadId, eventId, kind, at: at(day, 600), detail };
  }

  function snapshot(checkId: string, day: number, cpl: number | null): VelocitySnapshotRecord {
    return {
      campaignId: C,
      checkId,
      at: at(day),
      spendMicros: 1_000_000_000 * (day + 1),
      budgetMicros: 10_000_000_000,
      burnPct: 10 * (day + 1),
      conversions: 4 * (day + 1),
      forecastLinear: 5 * (day + 1),
      forecastCurve: 4.5 * (day + 1),
      velocityPct: 80,
      cpl,
      cplLow: 160,
      cplHigh: 240,
      responseCompliance: { within1h: 0.5 },
      detail: {},
    };
  }

  let reportDb: TestDatabase;
  let queries: LedgerQueries;

  beforeAll(async () => {
    reportDb = await createTestDatabase();
    queries = new LedgerQueries(reportDb.pool);
    const ledger = new PgLedger(reportDb.pool);
    await ledger.recordConfigVersion({
      campaignId: C,
      configVersion: 1,
      config: {},
      recordedAt: '2027-01-01T00:00:00Z',
    });
    await ledger.recordConfigVersion({
      campaignId: 'c-other',
      configVersion: 3,
      config: {},
      recordedAt: '2027-01-02T00:00:00Z',
    });
    await ledger.recordLeadActivity({
      leads: specs.map(lead),
      clocks: [
        ...specs.map(firstTouchClock),
        // Acceptance clocks: one breached in the window, one breached but started before it.
        { campaignId: C, leadId: 'L1', clock: 'acceptance', startedAt: at(0, 10), deadline: at(1), breachedAt: at(1) },
        { campaignId: C, leadId: 'L12', clock: 'acceptance', startedAt: at(-2), deadline: at(-1), breachedAt: at(-1) },
      ],
      events: [
        event('L1', 'e1', 'accept', 0),
        event('L2', 'e2', 'reject', 0, { reason: 'Not ICP' }),
        event('L3', 'e3a', 'reject', 1, { reason: 'Not ICP' }),
        event('L3', 'e3b', 'accept', 2), // the latest disposition wins
        event('L4', 'e4', 'nurture', 2, { reason: 'breach escalation' }),
        event('L5', 'e5', 'accept', 3),
        event('L6', 'e6', 'reject', 3),
        event('L10', 'e10', 'contact', 4, { channel: 'email' }),
        event('L13', 'e13', 'contact', -3, { channel: 'call' }),
      ],
    });
    // Steps recorded out of order; the breach view lists them by step index.
    for (const [stepIndex, step] of [
      [1, 'reassign'],
      [0, 'notify-owner'],
    ] as const) {
      await ledger.recordEscalationStep({
        campaignId: C,
        leadId: 'L4',
        clock: 'firstTouch',
        stepIndex,
        step,
        at: at(1, 60 + stepIndex * 30),
        outcome: { stepIndex },
      });
    }
    await ledger.recordSnapshot(snapshot('chk-0', 0, null));
    await ledger.recordSnapshot(snapshot('chk-2', 2, 250));
    await ledger.recordSnapshot(snapshot('chk-1', 1, 200));
    const proposalBase = {
      campaignId: C,
      expiresAt: at(3),
      rule: 'velocity-below-floor',
      reason: 'velocity 55%',
      figures: { velocityPct: 55 },
    };
    await ledger.recordProposal({
      ...proposalBase,
      proposalId: 'p-applied',
      createdAt: at(2),
      action: 'reduce',
      targetAmountMicros: 7_000_000_000,
      status: 'pending',
    });
    await ledger.recordProposal({
      ...proposalBase,
      proposalId: 'p-applied',
      createdAt: at(2),
      action: 'reduce',
      targetAmountMicros: 7_000_000_000,
      status: 'applied',
    });
    await ledger.recordProposal({
      ...proposalBase,
      proposalId: 'p-pending',
      createdAt: at(3),
      action: 'pause',
      targetAmountMicros: null,
      status: 'pending',
    });
    await ledger.recordDecision({
      proposalId: 'p-applied',
      campaignId: C,
      decision: 'approve',
      approver: 'ops-1',
      reason: 'agreed',
      at: at(2, 30),
      figures: {},
    });
    await ledger.recordDecision({
      proposalId: 'p-applied',
      campaignId: C,
      decision: 'timeout-escalate',
      approver: 'system',
      reason: 'no answer',
      at: at(2, 10),
      figures: {},
    });
    const budget = {
      budgetResourceName: 'customers/1/campaignBudgets/9',
      period: 'CUSTOM_PERIOD' as const,
      status: 'ENABLED' as const,
    };
    await ledger.recordBudgetChange({
      changeId: 'p-applied',
      campaignId: C,
      proposalId: 'p-applied',
      source: 'proposal',
      at: at(2, 31),
      before: { ...budget, amountMicros: 10_000_000_000 },
      after: { ...budget, amountMicros: 7_000_000_000 },
      operation: 'update total_amount_micros',
      validateOnly: false,
      changed: true,
    });
    await ledger.recordQuarterReport({
      campaignId: C,
      quarter: '2027-Q1',
      createdAt: '2027-04-01T00:00:00Z',
      report: { breaches: 2 },
    });
  });
  afterAll(() => reportDb.drop());

  describe('LedgerQueries.responseCompliance', () => {
    const targets = [
      { withinMs: HOUR, target: 0.8 },
      { withinMs: 2 * HOUR, target: 0.5 },
      { withinMs: 24 * HOUR, target: 0.95 },
    ];

    // As of the window's end: L7 (day 3, never touched) is past every target.
    const asOf = TO;

    it('classifies every first-touch clock once: started = met + breached + pending + closed untouched', async () => {
      const report = await queries.responseCompliance(C, { from: FROM, to: TO, targets, asOf });
      // In the window: L1-L8 and L10. Touched after the 1 h deadline (L3, L5, L6) or never (L4, L7): breached.
      expect(report).toMatchObject({
        leads: 9,
        met: 4,
        breached: 5,
        pending: 0,
        closedUntouched: 0,
        touched: 7,
        neverTouched: 2,
        rescues: 0,
        asOf,
      });
      // Nearest-rank median of 5m, 10m, 30m, 60m, 90m, 2h, 20h, within the histogram's 2%.
      expect(report.medianFirstTouchMs! / HOUR).toBeCloseTo(1, 1);
      expect(report.targets).toEqual([
        { withinMs: HOUR, target: 0.8, within: 4, missed: 5, pending: 0, sample: 9, actual: 4 / 9, met: false },
        { withinMs: 2 * HOUR, target: 0.5, within: 6, missed: 3, pending: 0, sample: 9, actual: 6 / 9, met: true },
        { withinMs: 24 * HOUR, target: 0.95, within: 7, missed: 2, pending: 0, sample: 9, actual: 7 / 9, met: false },
      ]);
    });

    it('keeps an open lead pending until its target has elapsed', async () => {
      const early = await queries.responseCompliance(C, { from: FROM, to: TO, targets, asOf: at(3, 30) });
      // At day 3 + 30 min, L7 (started day 3, never touched) is inside its hour: pending, out of the sample.
      expect(early.targets[0]).toMatchObject({ within: 4, missed: 4, pending: 1, sample: 8 });
      expect(early).toMatchObject({ pending: 1, breached: 4, leads: 9 });
    });

    it('breaks the same figures down by tier and by owner, each adding up', async () => {
      const report = await queries.responseCompliance(C, { from: FROM, to: TO, targets, asOf });
      expect(Object.keys(report.byTier)).toEqual(['hot', 'warm']);
      expect(report.byTier.hot).toMatchObject({ leads: 5, met: 3, breached: 2 });
      expect(report.byTier.warm).toMatchObject({ leads: 4, met: 1, breached: 3 });
      expect(report.byOwner.A).toMatchObject({ leads: 5, met: 3, breached: 2, touched: 4 });
      expect(report.byOwner.B).toMatchObject({ leads: 4, met: 1, breached: 3, touched: 3 });
      for (const g of [...Object.values(report.byTier), ...Object.values(report.byOwner)]) {
        expect(g.met + g.breached + g.pending + g.closedUntouched).toBe(g.leads);
      }
    });

    it('reports breaches per clock, acceptance rate and the disposition mix', async () => {
      const report = await queries.responseCompliance(C, { from: FROM, to: TO, targets: [], asOf });
      expect(report.breaches).toEqual({ firstTouch: 5, acceptance: 1, followUp: 0 });
      // Each lead's disposition as the workflow applied it (the first); nurture is an escalation, not a disposition.
      expect(report).toMatchObject({ accepted: 2, rejected: 3, acceptanceRate: 0.4 });
      expect(report.dispositions).toEqual({ accept: 2, 'Not ICP': 2, reject: 1 });
    });

    it('returns empty figures for an empty window and rejects bad input by name', async () => {
      const report = await queries.responseCompliance(C, {
        from: '2030-01-01T00:00:00Z',
        to: '2030-01-02T00:00:00Z',
        targets: [{ withinMs: HOUR, target: 0.8 }],
      });
      expect(report).toMatchObject({
        leads: 0,
        met: 0,
        medianFirstTouchMs: null,
        p95FirstTouchMs: null,
        acceptanceRate: null,
      });
      expect(report.byTier).toEqual({});
      expect(report.targets).toEqual([
        { withinMs: HOUR, target: 0.8, within: 0, missed: 0, pending: 0, sample: 0, actual: null, met: true },
      ]);
      await expect(queries.responseCompliance(C, { from: 'yesterday', to: TO, targets: [] })).rejects.toThrow(
        'from: "yesterday"',
      );
      await expect(
        queries.responseCompliance(C, { from: FROM, to: TO, targets: [{ withinMs: HOUR, target: 80 }] }),
      ).rejects.toThrow('targets[0].target must be a share within [0, 1], got 80');
    });
  });

  describe('LedgerQueries dashboard and CLI views', () => {
    it('lists campaigns with their latest config and snapshot time', async () => {
      expect(await queries.listCampaigns()).toEqual([
        {
          campaignId: 'c-other',
          latestConfigVersion: 3,
          firstRecordedAt: '2027-01-02T00:00:00.000Z',
          lastSnapshotAt: null,
        },
        { campaignId: C, latestConfigVersion: 1, firstRecordedAt: '2027-01-01T00:00:00.000Z', lastSnapshotAt: at(2) },
      ]);
    });

    it('gives a campaign overview with the latest snapshot and open work', async () => {
      const overview = await queries.campaignOverview(C);
      // Open clocks: L7, L12 and L13. Breached: L3, L4 first touch; L1, L12 acceptance.
      expect(overview).toMatchObject({
        campaignId: C,
        latestConfigVersion: 1,
        openClocks: 3,
        breachedClocks: 4,
        pendingProposals: 1,
      });
      expect(overview.latestSnapshot).toMatchObject({
        checkId: 'chk-2',
        at: at(2),
        spendMicros: 3_000_000_000,
        cpl: 250,
        cplInBand: false,
      });
      expect(await queries.campaignOverview('unknown')).toMatchObject({
        latestConfigVersion: null,
        latestSnapshot: null,
        openClocks: 0,
      });
    });

    it('returns the snapshot time series in time order, optionally from a point in time', async () => {
      const all = await queries.snapshots(C);
      expect(all.map((s) => [s.checkId, s.cplInBand])).toEqual([
        ['chk-0', null],
        ['chk-1', true],
        ['chk-2', false],
      ]);
      expect((await queries.snapshots(C, at(1))).map((s) => s.checkId)).toEqual(['chk-1', 'chk-2']);
    });

    it('lists breaches with their escalation steps in step order', async () => {
      const breaches = await queries.breaches(C, FROM);
      expect(breaches.map((b) => [b.leadId, b.clock])).toEqual([
        ['L1', 'acceptance'],
        ['L3', 'firstTouch'],
        ['L4', 'firstTouch'],
      ]);
      expect(breaches[2]).toMatchObject({ tier: 'hot', ownerId: 'A', metAt: null, breachedAt: at(1, 60) });
      expect(breaches[2].steps).toEqual([
        { stepIndex: 0, step: 'notify-owner', at: at(1, 60), outcome: { stepIndex: 0 } },
        { stepIndex: 1, step: 'reassign', at: at(1, 90), outcome: { stepIndex: 1 } },
      ]);
      expect(await queries.breaches(C)).toHaveLength(4);
    });

    it('lists proposals with their decisions and budget changes, filtered by status', async () => {
      const all = await queries.proposals(C);
      expect(all.map((p) => [p.proposalId, p.status])).toEqual([
        ['p-applied', 'applied'],
        ['p-pending', 'pending'],
      ]);
      expect(all[0]).toMatchObject({
        action: 'reduce',
        targetAmountMicros: 7_000_000_000,
        figures: { velocityPct: 55 },
      });
      expect(all[0].decisions.map((d) => [d.decision, d.at])).toEqual([
        ['timeout-escalate', at(2, 10)],
        ['approve', at(2, 30)],
      ]);
      expect(all[0].budgetChanges).toEqual([
        expect.objectContaining({
          changeId: 'p-applied',
          at: at(2, 31),
          changed: true,
          after: expect.objectContaining({ amountMicros: 7_000_000_000 }),
        }),
      ]);
      expect(all[1]).toMatchObject({ targetAmountMicros: null, decisions: [], budgetChanges: [] });
      expect((await queries.proposals(C, 'pending')).map((p) => p.proposalId)).toEqual(['p-pending']);
    });

    it('returns a stored quarter report, or null', async () => {
      expect(await queries.quarterReport(C, '2027-Q1')).toEqual({
        campaignId: C,
        quarter: '2027-Q1',
        createdAt: '2027-04-01T00:00:00.000Z',
        report: { breaches: 2 },
      });
      expect(await queries.quarterReport(C, '2027-Q2')).toBeNull();
    });

    it('builds the weekly scorecard: breaches, owners and corrective actions of the week', async () => {
      const card = await queries.weeklyScorecard(C, '2027-01-04T00:00:00Z');
      expect(card).toMatchObject({ weekStart: FROM, weekEnd: TO });
      expect(card.breaches.map((b) => b.leadId)).toEqual(['L1', 'L3', 'L4']);
      expect(card.correctiveActions.escalationSteps.map((s) => [s.leadId, s.stepIndex, s.step, s.ownerId])).toEqual([
        ['L4', 0, 'notify-owner', 'A'],
        ['L4', 1, 'reassign', 'A'],
      ]);
      expect(card.correctiveActions.decisions.map((d) => [d.proposalId, d.decision, d.action])).toEqual([
        ['p-applied', 'timeout-escalate', 'reduce'],
        ['p-applied', 'approve', 'reduce'],
      ]);
      const empty = await queries.weeklyScorecard(C, '2027-02-01T00:00:00Z');
      expect(empty).toMatchObject({
        breaches: [],
        correctiveActions: { escalationSteps: [], decisions: [] },
      });
    });
  });

  describe('PgLedger.openLeadIds', () => {
    it('lists leads with an unmet clock that were not rejected or nurtured, oldest first, up to the limit', async () => {
      const ledger = new PgLedger(reportDb.pool);
      // L4 breached but returned to nurture (closed); L13 was contacted but its clock is not met; L1's
      // acceptance clock breached and stays unmet (reps still work it); oldest clock first.
      expect(await ledger.openLeadIds(C, 10)).toEqual(['L13', 'L12', 'L1', 'L7']);
      expect(await ledger.openLeadIds(C, 1)).toEqual(['L13']);
      await expect(ledger.openLeadIds(C, 0)).rejects.toThrow('limit: 0 is not an integer >= 1');
    });
  });
});
