// The ledger write's columnar activity input: lossless for every batch the lead book writes, smaller for the
// batches that matter (intake), readable from runs that still schedule plain rows, and refusing what it did not write.
// Format 2 folds admission's clocks onto the lead rows: the ledger must write exactly the rows it wrote from format 1.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admitLeads, drainOutbox, emptyLeadBook } from '../sla/leadBook';
import type { LeadActivityBatch } from '../sla/records';
import { decodeLeadActivity, encodeLeadActivity, fromColumns, toColumns } from '../sla/recordColumns';
import { foldStartedClocks } from '../sla/startedClocks';
import { mergeClockOutcomes } from '../activities/ledger/pgLedger';
import { bookContext, DAY, iso, MONDAY_10AM, seedConfig } from './support/leadBook';

const id = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string());
const at = fc.integer({ min: 0, max: 4_102_444_800_000 }).map(iso);
/** Timestamps, and strings that only look like one (no such day, a year past ISO's four digits, not a time). */
const atOrNot = fc.oneof(
  at,
  fc.constantFrom('2026-02-30T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', 'tomorrow', '2026-03-02T15:00:00Z'),
);
const clockRecord = fc.record(
  {
    campaignId: fc.constantFrom('c-1', 'c-2'),
    leadId: id,
    clock: fc.constantFrom('firstTouch', 'followUp', 'acceptance', 'm:demo'),
    startedAt: at,
    deadline: atOrNot,
    warnedAt: atOrNot,
    metAt: at,
    elapsedWallMs: fc.integer({ min: 0 }),
    pausedMs: fc.integer({ min: 0 }),
  },
  { requiredKeys: ['campaignId', 'leadId', 'clock', 'startedAt', 'deadline'] },
);
const eventRecord = fc.record({
  campaignId: fc.constant('c-1'),
  leadId: id,
  eventId: id,
  kind: fc.constantFrom('contact', 'accept', 'status'),
  at,
  detail: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
});
const leadRecord = fc.record({
  campaignId: fc.constant('c-1'),
  leadId: id,
  tier: fc.constantFrom('standard', 'high-intent'),
  ownerId: id,
  createdAt: at,
  configVersion: fc.constantFrom(1, 2),
});
const stepRecord = fc.record({
  campaignId: fc.constant('c-1'),
  leadId: id,
  clock: fc.constant('firstTouch'),
  stepIndex: fc.nat(5),
  step: fc.constantFrom('notify-owner', 'reassign'),
  at,
  outcome: fc.dictionary(fc.string(), fc.string()),
});
const batch = fc.record(
  {
    leads: fc.array(leadRecord, { maxLength: 8 }),
    events: fc.array(eventRecord, { maxLength: 8 }),
    clocks: fc.array(clockRecord, { maxLength: 8 }),
    steps: fc.array(stepRecord, { minLength: 1, maxLength: 4 }),
  },
  { requiredKeys: ['leads', 'events', 'clocks'] },
) as fc.Arbitrary<LeadActivityBatch>;

/** What the activity receives: the encoded batch after the payload converter's JSON round trip. */
const throughHistory = (b: LeadActivityBatch, foldAdmissionClocks = false) =>
  decodeLeadActivity(JSON.parse(JSON.stringify(encodeLeadActivity(b, { foldAdmissionClocks }))));

/** The rows PgLedger.recordLeadActivity writes for a batch: its clocks merged, then folded onto the lead rows. */
function ledgerRows(b: LeadActivityBatch) {
  const { leads, clocks } = foldStartedClocks(b.leads, mergeClockOutcomes(b.clocks));
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
  return plain({
    leads: leads.map(({ lead, firstTouch, followUp }) => {
      const { firstTouchDeadline: _f, followUpDeadline: _u, ...record } = lead;
      return { record, firstTouch, followUp };
    }),
    clocks,
    events: b.events,
    steps: b.steps ?? [],
  });
}

/** Leads and clocks over a few IDs, started at their lead's creation or not, some with an outcome, some repeated. */
const LEAD_IDS = ['L1', 'L2', '__proto__', 'constructor'];
const admittedBatch = fc
  .record({
    leads: fc.array(fc.record({ leadId: fc.constantFrom(...LEAD_IDS), createdMs: fc.nat(3) }), { maxLength: 5 }),
    clocks: fc.array(
      fc.record({
        leadId: fc.constantFrom(...LEAD_IDS, 'L9'),
        clock: fc.constantFrom('firstTouch', 'followUp', 'acceptance'),
        startedMs: fc.nat(3),
        warned: fc.boolean(),
        campaignId: fc.constantFrom('c-1', 'c-1', 'c-2'),
      }),
      { maxLength: 10 },
    ),
  })
  .map(({ leads, clocks }): LeadActivityBatch => {
    const t = (ms: number) => iso(MONDAY_10AM + ms * 60_000);
    return {
      leads: leads.map((l) => ({
        campaignId: 'c-1',
        leadId: l.leadId,
        tier: 'standard',
        ownerId: 'rep-a',
        createdAt: t(l.createdMs),
        configVersion: 1,
      })),
      events: [],
      clocks: clocks.map((c) => ({
        campaignId: c.campaignId,
        leadId: c.leadId,
        clock: c.clock,
        startedAt: t(c.startedMs),
        deadline: t(c.startedMs + 60),
        ...(c.warned ? { warnedAt: t(c.startedMs + 45) } : {}),
      })),
    };
  });

describe('lead activity columns', () => {
  it('give back every batch exactly, outside IDs named like Object.prototype members included', () => {
    fc.assert(
      fc.property(batch, (b) => {
        expect(throughHistory(b)).toEqual(JSON.parse(JSON.stringify(b)));
        expect(ledgerRows(throughHistory(b, true))).toEqual(ledgerRows(b));
      }),
      { numRuns: 300 },
    );
  });

  it("fold admission's clocks onto their leads so the ledger writes exactly the rows it wrote from every clock", () => {
    fc.assert(
      fc.property(admittedBatch, (b) => {
        expect(ledgerRows(throughHistory(b, true))).toEqual(ledgerRows(b));
      }),
      { numRuns: 500 },
    );
  });

  it('carry an intake of 500 leads in well under half the bytes of plain rows', () => {
    const book = emptyLeadBook();
    const ctx = bookContext(seedConfig(), MONDAY_10AM + DAY);
    const leads = Array.from({ length: 500 }, (_, i) => ({
      leadId: `00Q5e000001${String(i).padStart(4, '0')}`,
      tier: i % 3 ? 'standard' : 'high-intent',
      ownerId: `005${String(i % 7).padStart(12, '0')}`,
      createdAt: iso(MONDAY_10AM + i * 1_000),
    }));
    admitLeads(book, leads, ctx);
    const rows = drainOutbox(book);
    expect(rows.clocks).toHaveLength(1_000);
    const plain = JSON.stringify(rows).length;
    const columns = JSON.stringify(encodeLeadActivity(rows, { foldAdmissionClocks: false })).length;
    expect(columns / plain).toBeLessThan(0.4);
    expect(throughHistory(rows)).toEqual(rows);
    // Folded: one row per lead, its two deadlines on it, and about half the bytes again.
    const folded = encodeLeadActivity(rows, { foldAdmissionClocks: true });
    expect(folded.clocks.rows).toHaveLength(0);
    expect(folded.leads.rows).toHaveLength(500);
    expect(JSON.stringify(folded).length / columns).toBeLessThan(0.6);
    const decoded = throughHistory(rows, true);
    expect(decoded.leads[7]).toEqual({
      ...rows.leads[7],
      firstTouchDeadline: rows.clocks.find((c) => c.leadId === rows.leads[7].leadId && c.clock === 'firstTouch')
        ?.deadline,
      followUpDeadline: rows.clocks.find((c) => c.leadId === rows.leads[7].leadId && c.clock === 'followUp')?.deadline,
    });
    expect(ledgerRows(decoded)).toEqual(ledgerRows(rows));
  });

  it('pass plain rows through, as runs recorded before columns schedule them', () => {
    const rows: LeadActivityBatch = { leads: [], events: [], clocks: [] };
    expect(decodeLeadActivity(rows)).toBe(rows);
  });

  it('refuse a form they do not know and a field that would reach the prototype', () => {
    expect(() =>
      decodeLeadActivity({
        ...encodeLeadActivity({ leads: [], events: [], clocks: [] }, { foldAdmissionClocks: true }),
        format: 'columns-9',
      } as never),
    ).toThrow('unknown form "columns-9"');
    // Folded rows carry a format number a worker that cannot read their deadlines refuses, as it refuses this one.
    const empty = { leads: [], events: [], clocks: [] };
    expect(encodeLeadActivity(empty, { foldAdmissionClocks: true }).format).toBe('columns-2');
    expect(encodeLeadActivity(empty, { foldAdmissionClocks: false }).format).toBe('columns-1');
    const hostile = JSON.parse('{"shared":{},"keys":["__proto__"],"rows":[[{"polluted":true}]]}');
    expect(() => fromColumns(hostile)).toThrow('field name "__proto__" refused');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(toColumns([])).toEqual({ shared: {}, keys: [], rows: [] });
  });

  it('decode rows into objects without a prototype, so a field named like an Object.prototype member is only data', () => {
    const hostile = JSON.parse(
      '{"shared":{"toString":"shared"},"keys":["hasOwnProperty","valueOf"],"rows":[["a",1],["b",null]]}',
    );
    const rows = fromColumns<Record<string, unknown>>(hostile);
    expect(rows.map((row) => Object.getPrototypeOf(row))).toEqual([null, null]);
    const expected: Record<string, unknown>[] = [
      { toString: 'shared', hasOwnProperty: 'a', valueOf: 1 },
      { toString: 'shared', hasOwnProperty: 'b' },
    ];
    expect(rows.map((row) => ({ ...row }))).toEqual(expected);
    expect(JSON.stringify(rows[1])).toBe('{"toString":"shared","hasOwnProperty":"b"}');
  });
});
