// The weekly scorecard from a seeded ledger: compliance vs targets, breaches by owner and tier,
// escalation steps and budget decisions, as CSV and markdown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerQueries } from '../reports/ledgerQueries';
import { PgLedger } from '../activities/ledger/pgLedger';
import { buildScorecard, scorecardCsv, scorecardMarkdown, weekStartOf, type Scorecard } from '../reports/scorecard';
import { createTestDatabase, type TestDatabase } from './support/postgres';

const campaignId = 'scorecard';
let db: TestDatabase;
let card: Scorecard;

async function scorecardFor(id: string, week: string | undefined, now: Date): Promise<Scorecard> {
  const found = await buildScorecard(new LedgerQueries(db.pool), id, { week, now });
  if (!found) throw new Error(`no scorecard for ${id}`);
  return found;
}

// Stored configs are parsed: durations in ms. Only the fields the scorecard reads matter here.
const recordedConfig = {
  campaign: {
    id: campaignId,
    timezone: 'America/New_York',
    window: { start: '2026-01-01T00:00:00Z', end: '2026-12-31T00:00:00Z' },
  },
  responseSla: { compliance: [{ within: 3_600_000, target: 0.8 }] },
};

async function seed(ledger: PgLedger): Promise<void> {
  await ledger.recordConfigVersion({
    campaignId,
    configVersion: 1,
    config: recordedConfig,
    recordedAt: '2026-03-01T00:00:00Z',
  });
  const lead = (leadId: string, tier: string, ownerId: string, createdAt: string) => ({
    campaignId,
    leadId,
    tier,
    ownerId,
    createdAt,
    configVersion: 1,
  });
  const start = (at: string, minutes: number) => new Date(Date.parse(at) + minutes * 60_000).toISOString();
  // Week of Monday 2026-03-02 (New York). L-4 falls in the week before and must not count.
  await ledger.recordLeadActivity({
    leads: [
      lead('L-1', 'high-intent', 'rep-a', '2026-03-03T15:00:00Z'),
      lead('L-2', 'high-intent', 'rep-b', '2026-03-03T15:00:00Z'),
      lead('L-3', 'standard', 'rep-b', '2026-03-04T15:00:00Z'),
      lead('L-4', 'standard', 'rep-b', '2026-02-25T15:00:00Z'),
    ],
    events: [],
    clocks: [
      {
        campaignId,
        leadId: 'L-1',
        clock: 'firstTouch',
        startedAt: '2026-03-03T15:00:00Z',
        deadline: start('2026-03-03T15:00:00Z', 60),
        metAt: start('2026-03-03T15:00:00Z', 20),
        elapsedWallMs: 20 * 60_000,
      },
      {
        campaignId,
        leadId: 'L-2',
        clock: 'firstTouch',
        startedAt: '2026-03-03T15:00:00Z',
        deadline: start('2026-03-03T15:00:00Z', 60),
        breachedAt: start('2026-03-03T15:00:00Z', 60),
      },
      {
        campaignId,
        leadId: 'L-3',
        clock: 'firstTouch',
        startedAt: '2026-03-04T15:00:00Z',
        deadline: start('2026-03-04T15:00:00Z', 60),
        breachedAt: start('2026-03-04T15:00:00Z', 60),
      },
      {
        campaignId,
        leadId: 'L-4',
        clock: 'firstTouch',
        startedAt: '2026-02-25T15:00:00Z',
        deadline: start('2026-02-25T15:00:00Z', 60),
        breachedAt: start('2026-02-25T15:00:00Z', 60),
      },
    ],
  });
  await ledger.recordEscalationStep({
    campaignId,
    leadId: 'L-2',
    clock: 'firstTouch',
    stepIndex: 1,
    step: 'reassign',
    at: '2026-03-03T16:05:00Z',
    outcome: { from: 'rep-b', to: 'rep-a' },
  });
  await ledger.recordProposal({
    proposalId: 'scorecard-p1',
    campaignId,
    createdAt: '2026-03-05T00:00:00Z',
    expiresAt: '2026-03-05T01:00:00Z',
    action: 'reduce',
    rule: 'cpl-above-band',
    reason: 'CPL 260 above band, reduce 20%',
    targetAmountMicros: 80_000e6,
    figures: {},
    status: 'approved',
  });
  await ledger.recordDecision({
    proposalId: 'scorecard-p1',
    campaignId,
    decision: 'approve',
    approver: 'ops-lead',
    reason: 'agreed, "CPL" too high',
    at: '2026-03-05T00:30:00Z',
    figures: {},
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(new PgLedger(db.pool));
  card = await scorecardFor(campaignId, '2026-03-04', new Date('2026-03-10T00:00:00Z'));
});

afterAll(async () => {
  await db?.drop();
});

describe('weekly scorecard', () => {
  it('starts the week on Monday midnight in the campaign time zone', () => {
    expect(weekStartOf('2026-03-04', 'America/New_York', new Date())).toBe('2026-03-02T05:00:00.000Z');
    expect(weekStartOf(undefined, 'UTC', new Date('2026-03-08T23:00:00Z'))).toBe('2026-03-02T00:00:00.000Z');
    expect(() => weekStartOf('March 4', 'UTC', new Date())).toThrow(
      '--week: expected a date like 2026-03-02, got "March 4"',
    );
  });

  it('counts only the week: compliance against targets, breaches by owner and tier, corrective actions', () => {
    expect(card.weekStart).toBe('2026-03-02T05:00:00.000Z');
    expect(card.compliance.targets).toEqual([
      { withinMs: 3_600_000, target: 0.8, within: 1, missed: 2, pending: 0, sample: 3, actual: 1 / 3, met: false },
    ]);
    expect(card.breaches).toEqual([
      { ownerId: 'rep-b', tier: 'high-intent', clock: 'firstTouch', breaches: 1 },
      { ownerId: 'rep-b', tier: 'standard', clock: 'firstTouch', breaches: 1 },
    ]);
    expect(card.owners.map((o) => [o.ownerId, o.leads, o.breached, o.targets[0].actual])).toEqual([
      ['rep-a', 1, 0, 1],
      ['rep-b', 2, 2, 0],
    ]);
    expect(card.escalationSteps.map((s) => [s.leadId, s.step, s.ownerId])).toEqual([['L-2', 'reassign', 'rep-b']]);
    expect(card.decisions.map((d) => [d.proposalId, d.decision, d.approver, d.action])).toEqual([
      ['scorecard-p1', 'approve', 'ops-lead', 'reduce'],
    ]);
  });

  it('exports a long-format CSV with quoted text', () => {
    const lines = scorecardCsv(card).trimEnd().split('\n');
    expect(lines[0]).toBe('section,subject,metric,value');
    expect(lines).toContain('compliance,all,within 1h (target 80.0%),33.3%');
    expect(lines).toContain('compliance,all,within 1h (target 80.0%) met,no');
    expect(lines).toContain('breaches,rep-b/standard,firstTouch,1');
    expect(lines).toContain('escalation,L-2,firstTouch step 2 reassign,2026-03-03T16:05:00.000Z');
    expect(lines).toContain('decision,scorecard-p1,approve reduce by ops-lead,"agreed, ""CPL"" too high"');
  });

  it('renders markdown sections for the review meeting', () => {
    const md = scorecardMarkdown(card);
    expect(md).toContain('# SLA scorecard: scorecard');
    expect(md).toContain('| within 1h (target 80.0%) | 33.3% | NO |');
    expect(md).toContain('| rep-b | high-intent | firstTouch | 1 |');
    // owner, started, met, breached, pending, closed untouched, rescues, share
    expect(md).toContain('| rep-a | 1 | 1 | 0 | 0 | 0 | 0 | 100.0% |');
    expect(md).toContain('3 first-touch clocks started = 1 met + 2 breached + 0 pending + 0 closed untouched');
    expect(md).toContain(
      '| 2026-03-05T00:30:00.000Z | scorecard-p1 | reduce | cpl-above-band | approve | ops-lead | agreed, "CPL" too high |',
    );
  });

  it('says so when a week has nothing in it', async () => {
    const empty = await scorecardFor(campaignId, '2026-06-01', new Date());
    expect(empty.breaches).toEqual([]);
    expect(scorecardMarkdown(empty)).toContain('_no breaches this week_');
    expect(await buildScorecard(new LedgerQueries(db.pool), 'ghost', { now: new Date() })).toBeNull();
  });
});
