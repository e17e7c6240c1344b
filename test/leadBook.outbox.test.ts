// Draining the lead book's outbox into ledger writes of bounded size: every row once, in order, leads before
// anything that refers to them, and no write over the bound unless a single row is larger. Runs recorded before
// coalesced writes bound the rows' JSON; coalesced writes bound the columnar encoding the activity carries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  drainEncodedOutbox,
  drainOutbox,
  emptyLeadBook,
  MAX_LEDGER_WRITE_BYTES,
  outboxSize,
  returnToOutbox,
} from '../sla/leadBook';
import { decodeLeadActivity } from '../sla/recordColumns';
import { jsonSizeBytes } from '../sla/inputLimits';
import type { LeadActivityBatch } from '../sla/records';

const row = (id: string, pad: number) => ({ campaignId: 'c', leadId: id, note: 'x'.repeat(pad) });

const outboxArb = fc.record({
  leads: fc.array(fc.nat({ max: 3_000 }), { maxLength: 60 }),
  events: fc.array(fc.nat({ max: 3_000 }), { maxLength: 60 }),
  clocks: fc.array(fc.nat({ max: 3_000 }), { maxLength: 60 }),
  steps: fc.option(fc.array(fc.nat({ max: 3_000 }), { maxLength: 20 }), { nil: undefined }),
});

/** One write taken from the book, with the size its bound applies to. */
type Drain = (book: ReturnType<typeof emptyLeadBook>, maxBytes: number, maxRows: number) => DrainedWrite;
interface DrainedWrite {
  rows: LeadActivityBatch;
  boundBytes: number;
}

const drains: [string, Drain][] = [
  [
    "on the rows' JSON (drainOutbox)",
    (book, maxBytes) => {
      const rows = drainOutbox(book, maxBytes);
      const all = [...rows.leads, ...rows.events, ...rows.clocks, ...(rows.steps ?? [])];
      return { rows, boundBytes: all.reduce((sum, r) => sum + jsonSizeBytes(r) + 1, 0) };
    },
  ],
  [
    'on the encoding and a row count (drainEncodedOutbox)',
    (book, maxBytes, maxRows) => {
      const { rows, encoded } = drainEncodedOutbox(book, maxRows, maxBytes, { foldAdmissionClocks: false });
      // What the activity carries decodes to exactly the rows taken.
      expect(decodeLeadActivity(encoded)).toEqual(rows);
      const count = rows.leads.length + rows.events.length + rows.clocks.length + (rows.steps?.length ?? 0);
      expect(count).toBeLessThanOrEqual(maxRows);
      return { rows, boundBytes: jsonSizeBytes(encoded) };
    },
  ],
  [
    // What the folded form decodes to is recordColumns.test.ts's; the bound and the rows taken are the same rules.
    'on the folded encoding and a row count (drainEncodedOutbox, admission-clocks-on-lead-rows)',
    (book, maxBytes, maxRows) => {
      const { rows, encoded } = drainEncodedOutbox(book, maxRows, maxBytes, { foldAdmissionClocks: true });
      const count = rows.leads.length + rows.events.length + rows.clocks.length + (rows.steps?.length ?? 0);
      expect(count).toBeLessThanOrEqual(maxRows);
      return { rows, boundBytes: jsonSizeBytes(encoded) };
    },
  ],
];

describe.each(drains)('ledger writes bounded %s', (_, drain) => {
  it('splits the outbox into writes under the bound, every row once and in order, leads first', () => {
    fc.assert(
      fc.property(
        outboxArb,
        fc.integer({ min: 200, max: 20_000 }),
        fc.integer({ min: 1, max: 100 }),
        (sizes, maxBytes, maxRows) => {
          const book = emptyLeadBook();
          const make = (list: string, pads: number[]) => pads.map((pad, i) => row(`${list}-${i}`, pad));
          const original = {
            leads: make('lead', sizes.leads),
            events: make('event', sizes.events),
            clocks: make('clock', sizes.clocks),
            ...(sizes.steps ? { steps: make('step', sizes.steps) } : {}),
          } as unknown as LeadActivityBatch;
          book.outbox = structuredClone(original);
          const writes: LeadActivityBatch[] = [];
          while (outboxSize(book) > 0 && writes.length < 1_000) {
            const { rows: write, boundBytes } = drain(book, maxBytes, maxRows);
            const rows = [...write.leads, ...write.events, ...write.clocks, ...(write.steps ?? [])];
            expect(rows.length).toBeGreaterThan(0);
            if (rows.length > 1) expect(boundBytes).toBeLessThanOrEqual(maxBytes);
            writes.push(write);
          }
          expect(outboxSize(book)).toBe(0);
          const lists = ['leads', 'events', 'clocks', 'steps'] as const;
          const rowsOf = (batch: LeadActivityBatch, list: (typeof lists)[number]): unknown[] => batch[list] ?? [];
          for (const list of lists) expect(writes.flatMap((w) => rowsOf(w, list))).toEqual(rowsOf(original, list));
          // A write takes from a later list only once every earlier list is written, in it or before it.
          writes.forEach((write, i) => {
            lists.forEach((list, k) => {
              if (rowsOf(write, list).length === 0) return;
              for (const earlier of lists.slice(0, k))
                expect(writes.slice(0, i + 1).flatMap((w) => rowsOf(w, earlier)).length).toBe(
                  rowsOf(original, earlier).length,
                );
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a cancelled ledger write', () => {
  it('goes back in front of the rows queued since, so the outbox is as if it had never been taken', () => {
    fc.assert(
      fc.property(outboxArb, outboxArb, fc.integer({ min: 1, max: 100 }), (before, queuedSince, maxRows) => {
        const make = (prefix: string, sizes: typeof before): LeadActivityBatch => {
          const list = (name: string, pads: number[]) => pads.map((pad, i) => row(`${prefix}-${name}-${i}`, pad % 40));
          return {
            leads: list('lead', sizes.leads),
            events: list('event', sizes.events),
            clocks: list('clock', sizes.clocks),
            ...(sizes.steps?.length ? { steps: list('step', sizes.steps) } : {}),
          } as unknown as LeadActivityBatch;
        };
        const book = emptyLeadBook();
        book.outbox = make('a', before);
        const later = make('b', queuedSince);
        const { rows } = drainEncodedOutbox(book, maxRows, MAX_LEDGER_WRITE_BYTES, { foldAdmissionClocks: true });
        // Rows queued while the write was in flight, then the write comes back cancelled.
        for (const list of ['leads', 'events', 'clocks'] as const) book.outbox[list].push(...(later[list] as never[]));
        if (later.steps) (book.outbox.steps ??= []).push(...later.steps);
        returnToOutbox(book, rows);
        const expected = make('a', before);
        for (const list of ['leads', 'events', 'clocks'] as const)
          expect(book.outbox[list]).toEqual([...expected[list], ...later[list]]);
        const steps = [...(expected.steps ?? []), ...(later.steps ?? [])];
        expect(book.outbox.steps).toEqual(steps.length ? steps : undefined);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ledger writes', () => {
  it('drains everything at once without a bound, as runs recorded before bounded writes did', () => {
    const book = emptyLeadBook();
    book.outbox.leads = Array.from({ length: 3 }, (_, i) => row(`l-${i}`, 10)) as never;
    book.outbox.clocks = Array.from({ length: 5 }, (_, i) => row(`c-${i}`, 10)) as never;
    const all = drainOutbox(book);
    expect([all.leads.length, all.events.length, all.clocks.length]).toEqual([3, 0, 5]);
    expect(outboxSize(book)).toBe(0);
  });

  it('bounds writes well under the 512 KB payload warning', () => {
    expect(MAX_LEDGER_WRITE_BYTES).toBeLessThanOrEqual((512 * 1024) / 2);
  });
});
