// Admission's clocks on the lead row (migration 0012): the `clocks` view must read exactly as if every clock had
// its own row, whatever batches the rows came in, and only clocks that merely started may move onto the lead row.
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLedger } from '../activities/ledger/pgLedger';
import { foldStartedClocks } from '../sla/startedClocks';
import { decodeLeadActivity, encodeLeadActivity } from '../sla/recordColumns';
import { LedgerQueries } from '../reports/ledgerQueries';
import type { ClockOutcomeRecord, LeadActivityBatch, LeadRecord } from '../sla/records';
import { createTestDatabase, type TestDatabase } from './support/postgres';

let db: TestDatabase;
let ledger: PgLedger;
let queries: LedgerQueries;

beforeAll(async () => {
  db = await createTestDatabase();
  ledger = new PgLedger(db.pool);
  queries = new LedgerQueries(db.pool);
});
afterAll(() => db.drop());

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.UTC(2027, 0, 4, 9) + ms).toISOString();

function lead(campaignId: string, leadId: string, createdMs = 0): LeadRecord {
  return { campaignId, leadId, tier: 'standard', ownerId: 'rep-a', createdAt: at(createdMs), configVersion: 1 };
}

function started(campaignId: string, leadId: string, createdMs = 0): ClockOutcomeRecord[] {
  return [
    { campaignId, leadId, clock: 'firstTouch', startedAt: at(createdMs), deadline: at(createdMs + HOUR) },
    { campaignId, leadId, clock: 'followUp', startedAt: at(createdMs), deadline: at(createdMs + 336 * HOUR) },
  ];
}

const CLOCK_COLUMNS = `lead_id, clock, iso_utc(started_at) AS started_at, iso_utc(deadline) AS deadline,
  iso_utc(warned_at) AS warned_at, iso_utc(met_at) AS met_at, iso_utc(breached_at) AS breached_at,
  elapsed_business_ms::float8 AS elapsed_business_ms, elapsed_wall_ms::float8 AS elapsed_wall_ms,
  iso_utc(met_recorded_at) AS met_recorded_at, iso_utc(breach_retracted_at) AS breach_retracted_at,
  iso_utc(paused_at) AS paused_at, paused_ms::float8 AS paused_ms, iso_utc(stopped_at) AS stopped_at`;

async function viewOf(campaignId: string) {
  const { rows } = await db.pool.query(
    `SELECT ${CLOCK_COLUMNS} FROM clocks WHERE campaign_id = $1 ORDER BY lead_id, clock`,
    [campaignId],
  );
  return rows;
}

async function clockRowCount(campaignId: string): Promise<number> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM clock_outcomes WHERE campaign_id = $1', [
    campaignId,
  ]);
  return rows[0].n;
}

describe('clocks started at admission', () => {
  it('writes one row per admitted lead and reads both clocks through the view', async () => {
    const c = 'c-fold';
    const batch = { leads: [lead(c, 'L1'), lead(c, 'L2', 60_000)], events: [], clocks: [...started(c, 'L1')] };
    batch.clocks.push(...started(c, 'L2', 60_000));
    await ledger.recordLeadActivity(batch);
    await ledger.recordLeadActivity(batch); // an activity retry
    expect(await clockRowCount(c)).toBe(0);
    const view = await viewOf(c);
    expect(view).toHaveLength(4);
    expect(view[0]).toMatchObject({
      lead_id: 'L1',
      clock: 'firstTouch',
      started_at: at(0),
      deadline: at(HOUR),
      met_at: null,
      breached_at: null,
    });
    expect(view[3]).toMatchObject({ lead_id: 'L2', clock: 'followUp', started_at: at(60_000) });
    expect((await queries.campaignOverview(c)).openClocks).toBe(4);
    expect(await ledger.openLeadIds(c, 10)).toEqual(['L1', 'L2']);
  });

  it('gives a clock its own row once something happens to it, and the view shows that row alone', async () => {
    const c = 'c-fold-met';
    await ledger.recordLeadActivity({ leads: [lead(c, 'L1')], events: [], clocks: started(c, 'L1') });
    const [firstTouch] = started(c, 'L1');
    await ledger.recordLeadActivity({
      leads: [],
      events: [],
      clocks: [{ ...firstTouch, metAt: at(20 * 60_000), elapsedBusinessMs: 1_200_000, elapsedWallMs: 1_200_000 }],
    });
    expect(await clockRowCount(c)).toBe(1);
    const view = await viewOf(c);
    expect(view.map((r) => [r.clock, r.met_at])).toEqual([
      ['firstTouch', at(20 * 60_000)],
      ['followUp', null],
    ]);
    expect((await queries.campaignOverview(c)).openClocks).toBe(1);
  });

  it('keeps as clock rows what is more than a start at the lead creation', async () => {
    const c = 'c-no-fold';
    const [firstTouch, followUp] = started(c, 'L1');
    const clocks: ClockOutcomeRecord[] = [
      { ...firstTouch, warnedAt: at(45 * 60_000) }, // warned within the same write
      { ...followUp, startedAt: at(1) }, // started a millisecond after the lead was created
      { campaignId: c, leadId: 'L1', clock: 'acceptance', startedAt: at(0), deadline: at(HOUR) },
      { campaignId: c, leadId: 'L1', clock: 'm:opportunity-7d', startedAt: at(0), deadline: at(168 * HOUR) },
      ...started(c, 'L2'), // its lead row is not in this batch
    ];
    const folded = foldStartedClocks([lead(c, 'L1')], clocks);
    expect(folded.clocks).toEqual(clocks);
    expect(folded.leads).toEqual([{ lead: lead(c, 'L1'), firstTouch: null, followUp: null }]);

    // A pause, a stop or an elapsed time is something that happened, even when zero.
    for (const extra of [{ pausedMs: 0 }, { stoppedAt: at(0) }, { elapsedWallMs: 0 }, { breachRetractedAt: at(0) }])
      expect(foldStartedClocks([lead(c, 'L1')], [{ ...firstTouch, ...extra }]).clocks).toHaveLength(1);

    await ledger.recordLeadActivity({ leads: [lead(c, 'L1')], events: [], clocks });
    expect(await clockRowCount(c)).toBe(6);
    expect(await viewOf(c)).toHaveLength(6);
  });

  it('folds by instant, not by spelling, and keeps a lead repeated in one batch once', async () => {
    const c = 'c-spelling';
    const [firstTouch, followUp] = started(c, 'L1');
    const folded = foldStartedClocks(
      [
        { ...lead(c, 'L1'), createdAt: '2027-01-04T10:00:00+01:00' },
        { ...lead(c, 'L1'), createdAt: at(5), ownerId: 'rep-b' },
      ],
      [firstTouch, followUp],
    );
    expect(folded.clocks).toEqual([]);
    expect(folded.leads).toEqual([
      {
        lead: { ...lead(c, 'L1'), createdAt: '2027-01-04T10:00:00+01:00' },
        firstTouch: firstTouch.deadline,
        followUp: followUp.deadline,
      },
    ]);
    // The repeat in one statement is what Postgres refuses for an upsert ("cannot affect row a second time").
    await ledger.recordLeadActivity({
      leads: [lead(c, 'L1'), { ...lead(c, 'L1'), ownerId: 'rep-b' }],
      events: [],
      clocks: [firstTouch, followUp],
    });
    expect(await viewOf(c)).toHaveLength(2);
  });

  it('reads leads written before 0012 (clock rows, no deadlines on the lead row) and a later fold adds no copy', async () => {
    const c = 'c-legacy';
    await db.pool.query(
      `INSERT INTO leads (campaign_id, lead_id, tier, owner_id, created_at, config_version)
       VALUES ($1, 'L1', 'standard', 'rep-a', $2, 1)`,
      [c, at(0)],
    );
    await db.pool.query(
      `INSERT INTO clock_outcomes (campaign_id, lead_id, clock, started_at, deadline) VALUES
         ($1, 'L1', 'firstTouch', $2, $3), ($1, 'L1', 'followUp', $2, $4)`,
      [c, at(0), at(HOUR), at(336 * HOUR)],
    );
    const before = await viewOf(c);
    expect(before).toHaveLength(2);
    // The same admission again (an outbox returned after a failed write, say): its started clocks fold onto the
    // existing lead row, and the view still shows each clock once.
    await ledger.recordLeadActivity({ leads: [lead(c, 'L1')], events: [], clocks: started(c, 'L1') });
    expect(await viewOf(c)).toEqual(before);
    const { rows } = await db.pool.query(
      'SELECT iso_utc(first_touch_deadline) AS ft FROM leads WHERE campaign_id = $1',
      [c],
    );
    expect(rows).toEqual([{ ft: at(HOUR) }]);
  });

  it('gives every clock its own row with the rollback script, and the view reads the same after it', async () => {
    const c = 'c-rollback';
    await ledger.recordLeadActivity({ leads: [lead(c, 'L1'), lead(c, 'L2')], events: [], clocks: started(c, 'L1') });
    const [firstTouch] = started(c, 'L2');
    await ledger.recordLeadActivity({ leads: [], events: [], clocks: [{ ...firstTouch, warnedAt: at(60_000) }] });
    const before = await viewOf(c);
    expect(before).toHaveLength(3);
    expect(await clockRowCount(c)).toBe(1);
    const script = await readFile(new URL('../db/rollback/0012_clock_rows_for_older_releases.sql', import.meta.url));
    await db.pool.query(script.toString());
    await db.pool.query(script.toString());
    expect(await clockRowCount(c)).toBe(3);
    expect(await viewOf(c)).toEqual(before);
  });

  it('keys leads by their exact IDs: prototype names and IDs that run into the campaign ID stay apart', async () => {
    const leads = [
      lead('c-a', '1:b'),
      lead('c-a1', ':b'),
      lead('c-proto', '__proto__'),
      lead('c-proto', 'constructor'),
      lead('c-proto', 'hasOwnProperty'),
    ];
    const clocks = leads.flatMap((l) => started(l.campaignId, l.leadId));
    const folded = foldStartedClocks(leads, clocks);
    expect(folded.clocks).toEqual([]);
    expect(folded.leads.map((r) => [r.lead.campaignId, r.lead.leadId, r.firstTouch])).toEqual(
      leads.map((l) => [l.campaignId, l.leadId, at(HOUR)]),
    );
    await ledger.recordLeadActivity({ leads, events: [], clocks });
    expect((await viewOf('c-proto')).map((r) => `${r.lead_id}/${r.clock}`)).toEqual([
      '__proto__/firstTouch',
      '__proto__/followUp',
      'constructor/firstTouch',
      'constructor/followUp',
      'hasOwnProperty/firstTouch',
      'hasOwnProperty/followUp',
    ]);
  });
});

/** One lead's clock records in the order the workflow writes them, from admission on. */
const leadStory = fc.record({
  warned: fc.boolean(),
  firstTouch: fc.constantFrom('met', 'breached', 'breach-retracted', 'open'),
  followUp: fc.constantFrom('met', 'stopped', 'open'),
  milestone: fc.boolean(),
});

type LeadStory = typeof leadStory extends fc.Arbitrary<infer T> ? T : never;

function storyRecords(c: string, leadId: string, createdMs: number, story: LeadStory) {
  const [firstTouch, followUp] = started(c, leadId, createdMs);
  const records: ClockOutcomeRecord[] = [firstTouch, followUp];
  const t = (ms: number) => at(createdMs + ms);
  if (story.milestone)
    records.push({ campaignId: c, leadId, clock: 'm:demo', startedAt: t(0), deadline: t(168 * HOUR) });
  if (story.warned) records.push({ ...firstTouch, warnedAt: t(45 * 60_000) });
  const met = { metAt: t(50 * 60_000), elapsedBusinessMs: 3_000_000, elapsedWallMs: 3_000_000 };
  if (story.firstTouch === 'met') records.push({ ...firstTouch, ...met, metRecordedAt: t(50 * 60_000) });
  if (story.firstTouch !== 'met' && story.firstTouch !== 'open') records.push({ ...firstTouch, breachedAt: t(HOUR) });
  if (story.firstTouch === 'breach-retracted')
    records.push({ ...firstTouch, ...met, metRecordedAt: t(HOUR + 60_000), breachRetractedAt: t(HOUR + 60_000) });
  if (story.firstTouch !== 'open')
    records.push({ campaignId: c, leadId, clock: 'acceptance', startedAt: t(50 * 60_000), deadline: t(5 * HOUR) });
  if (story.followUp === 'met') records.push({ ...followUp, metAt: t(30 * HOUR), elapsedWallMs: 30 * HOUR });
  if (story.followUp === 'stopped') records.push({ ...followUp, stoppedAt: t(20 * HOUR) });
  return records;
}

/** A batch as the ledger activity receives it from a workflow that folds admission's clocks (format 2). */
const throughHistory = (rows: LeadActivityBatch) =>
  decodeLeadActivity(JSON.parse(JSON.stringify(encodeLeadActivity(rows, { foldAdmissionClocks: true }))));

describe('the clocks view against a clock row for every clock', () => {
  let run = 0;

  it('reads the same whatever batches, retries and folds the rows went through', async () => {
    const foldedPerRun: number[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(leadStory, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(20), { maxLength: 3 }),
        async (stories, cuts, retries) => {
          run += 1;
          const [folded, encoded, perClock] = [`c-prop-f${run}`, `c-prop-e${run}`, `c-prop-r${run}`];
          // encoded: each batch as the activity receives it from a workflow that folds before it encodes.
          const write = async (c: string, withLeads: boolean, encoded = false) => {
            // Leads in the stream at admission, each just before its clocks; the reference run writes them apart.
            const stream: (LeadRecord | ClockOutcomeRecord)[] = stories.flatMap((story, i) => [
              ...(withLeads ? [lead(c, `L${i}`, i * 60_000)] : []),
              ...storyRecords(c, `L${i}`, i * 60_000, story),
            ]);
            if (!withLeads)
              await ledger.recordLeadActivity({
                leads: stories.map((_, i) => lead(c, `L${i}`, i * 60_000)),
                events: [],
                clocks: [],
              });
            const batches: LeadActivityBatch[] = [];
            for (let from = 0, k = 0; from < stream.length; k++) {
              const part = stream.slice(from, from + cuts[k % cuts.length]);
              from += part.length;
              batches.push({
                leads: part.filter((r): r is LeadRecord => 'tier' in r),
                events: [],
                clocks: part.filter((r): r is ClockOutcomeRecord => 'clock' in r),
              });
            }
            for (const [k, rows] of batches.entries()) {
              const batch = encoded ? throughHistory(rows) : rows;
              await ledger.recordLeadActivity(batch);
              if (retries.includes(k)) await ledger.recordLeadActivity(batch);
            }
          };
          await write(folded, true);
          await write(encoded, true, true);
          await write(perClock, false);
          expect(await viewOf(folded)).toEqual(await viewOf(perClock));
          expect(await viewOf(encoded)).toEqual(await viewOf(perClock));
          const [a, b] = await Promise.all([queries.campaignOverview(folded), queries.campaignOverview(perClock)]);
          expect({ ...a, campaignId: '' }).toEqual({ ...b, campaignId: '' });
          expect(await ledger.openLeadIds(folded, 100)).toEqual(await ledger.openLeadIds(perClock, 100));
          foldedPerRun.push((await clockRowCount(perClock)) - (await clockRowCount(folded)));
        },
      ),
      { numRuns: 60, seed: 12 },
    );
    // Not vacuous: many runs folded clocks onto lead rows, and many folded none (cut or merged with an outcome).
    expect(foldedPerRun.filter((n) => n > 0).length).toBeGreaterThanOrEqual(10);
    expect(foldedPerRun.filter((n) => n === 0).length).toBeGreaterThanOrEqual(10);
  });
});
