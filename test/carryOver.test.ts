// The compact continue-as-new form of a lead book: a decoded book behaves exactly like the original,
// 10,000 open leads fit well under Temporal's 2 MB payload limit, and bad carry-overs are named precisely.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import {
  CARRIED_CLOSED_LEAD_IDS,
  CARRIED_HISTORY_ENTRIES,
  compactLeadSchema,
  decodeCarryOver,
  decodeLeadBook,
  encodeCarryOver,
  encodeLeadBook,
  isCompactLead,
  MAX_UNPACKED_CARRY_OVER_BYTES,
  packCarryOver,
} from '../sla/carryOver';
import { zlibSync } from 'fflate';
import { salesforceId } from '../activities/crm/salesforceIds';
import { seededText } from '../scripts/bench/carryOverSize';
import { startedWith } from '../scripts/bench/startedWith';
import {
  MAX_CARRIED_OPEN_LEADS,
  MAX_CARRY_OVER_BYTES,
  newLeadsRefusal,
  refusesNewLeads,
} from '../workflows/campaignSla/continueAsNew';
import type { CampaignRun } from '../workflows/campaignSla/run';
import { crmPollInput } from '../workflows/campaignSla/crmPoll';
import { jsonSizeBytes } from '../sla/inputLimits';
import { collectDueConfirmed } from './support/dueSteps';
import { parseCampaignConfig } from '../sla/config';
import {
  admitLeads,
  applyLeadEvents,
  drainOutbox,
  emptyLeadBook,
  knownLead,
  nextDueAt,
  type BookContext,
  type LeadBook,
  type LeadState,
} from '../sla/leadBook';
import type { LeadEvent, NewLead } from '../sla/leadEvents';
import { campaignSla } from '../workflows/campaignSla';
import {
  admitLeadsUpdate,
  campaignWorkflowId,
  leadQuery,
  recordLeadEventsUpdate,
  slaStateQuery,
} from '../workflows/messages';
import { seedTermsConfig } from './support/campaignConfig';
import { terminateWhenIdle, useCampaignHarness } from './support/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Monday 09:00 New York, with milliseconds, so offsets must stay exact to the millisecond.
const T0 = Date.parse('2026-03-02T14:00:00.123Z');
const iso = (ms: number) => new Date(ms).toISOString();

const config = parseCampaignConfig(seedTermsConfig({ id: 'carry' }));
const ctxAt = (now: number): BookContext => ({ campaignId: 'carry', now, configs: { 1: config }, currentVersion: 1 });

const lead = (leadId: string, tier: string, ownerId: string, createdAt: number): NewLead => ({
  leadId,
  tier,
  ownerId,
  createdAt: iso(createdAt),
});
const contact = (leadId: string, eventId: string, at: number): LeadEvent => ({
  type: 'contact',
  leadId,
  eventId,
  channel: 'call',
  at: iso(at),
});

/** A book at T0 + 61 min holding every kind of lead state the engine produces. */
function scenarioBook(): { book: LeadBook; now: number } {
  const book = emptyLeadBook();
  admitLeads(
    book,
    [
      lead('U-std', 'standard', 'rep-a', T0),
      lead('U-std-late', 'standard', 'rep-c', T0 + 7 * MINUTE + 7),
      lead('W-hi', 'high-intent', 'rep-b', T0 + 10 * MINUTE),
      lead('B-hi', 'high-intent', 'rep-b', T0),
      lead('T-hi', 'high-intent', 'rep-a', T0),
      lead('A-std', 'standard', 'rep-c', T0),
      lead('N-std', 'standard', 'rep-a', T0),
      lead('S-std', 'standard', 'rep-a', T0),
    ],
    ctxAt(T0 + 20 * MINUTE),
  );
  applyLeadEvents(
    book,
    [
      contact('T-hi', 'T-call-1', T0 + 10 * MINUTE + 1),
      contact('T-hi', 'T-call-2', T0 + 12 * MINUTE),
      contact('A-std', 'A-call-1', T0 + 5 * MINUTE),
      { type: 'disposition', leadId: 'A-std', eventId: 'A-accept', decision: 'accept', at: iso(T0 + 6 * MINUTE) },
      { type: 'stage', leadId: 'A-std', eventId: 'A-mql', stage: 'MQL', at: iso(T0 + 8 * MINUTE) },
      { type: 'stage', leadId: 'S-std', eventId: 'S-sql', stage: 'SQL', at: iso(T0 + 9 * MINUTE) },
      contact('N-std', 'N-call-1', T0 + 3 * MINUTE),
      {
        type: 'disposition',
        leadId: 'N-std',
        eventId: 'N-reject',
        decision: 'reject',
        reason: 'No response',
        at: iso(T0 + 4 * MINUTE),
      },
    ],
    ctxAt(T0 + 20 * MINUTE),
  );
  // B-hi warns at 45 min, breaches at 60 and gets notify-owner (reassign is next); W-hi warns at 55.
  const now = T0 + 61 * MINUTE;
  collectDueConfirmed(book, ctxAt(T0 + 46 * MINUTE));
  collectDueConfirmed(book, ctxAt(now));
  drainOutbox(book);
  return { book, now };
}

const roundTrip = (book: LeadBook): LeadBook => decodeLeadBook(JSON.parse(JSON.stringify(encodeLeadBook(book))));

const trimmed = (lead: LeadState): LeadState => ({ ...lead, history: lead.history.slice(-CARRIED_HISTORY_ENTRIES) });
const leadViews = (book: LeadBook) => Object.values(book.leads).map(trimmed);

describe('carry-over round trip', () => {
  it('covers the lead states it claims to: untouched, touched, warned, escalating, accepted, staged, nurtured', () => {
    const { book } = scenarioBook();
    const b = book.leads;
    expect(b['U-std'].clocks.firstTouch?.warnedAt).toBeUndefined();
    expect(b['T-hi'].clocks.firstTouch?.metAt).toBe(T0 + 10 * MINUTE + 1);
    expect(b['T-hi'].clocks.acceptance?.startedAt).toBe(T0 + 10 * MINUTE + 1);
    expect(b['W-hi'].clocks.firstTouch).toMatchObject({ warnedAt: T0 + 55 * MINUTE, deadline: T0 + 70 * MINUTE });
    expect(b['W-hi'].clocks.firstTouch?.breachedAt).toBeUndefined();
    expect(b['B-hi'].clocks.firstTouch).toMatchObject({
      breachedAt: T0 + HOUR,
      nextStep: 1,
      // Seen at 61 min: notify-owner ran then, and reassign keeps its 15 min spacing from it.
      nextStepAt: T0 + 76 * MINUTE,
    });
    expect(b['A-std']).toMatchObject({ status: 'accepted', stage: 'MQL' });
    expect(b['S-std'].stage).toBe('SQL');
    expect(b['N-std']).toBeUndefined();
    expect(knownLead(book, 'N-std')).toBe('closed');
  });

  it('decodes to the same leads (history trimmed), closed IDs, owner load, round-robin and next due time', () => {
    const { book } = scenarioBook();
    const decoded = roundTrip(book);
    expect(leadViews(decoded)).toEqual(leadViews(book));
    expect(Object.keys(decoded.leads)).toEqual(Object.keys(book.leads));
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds);
    expect(decoded.ownerLoad).toEqual(book.ownerLoad);
    expect(decoded.roundRobin).toEqual(book.roundRobin);
    expect(nextDueAt(decoded)).toBe(nextDueAt(book));
    expect(knownLead(decoded, 'N-std')).toBe('closed');
    expect(book.leads['A-std'].history.length).toBeGreaterThan(CARRIED_HISTORY_ENTRIES);
    expect(decoded.leads['A-std'].history).toEqual(book.leads['A-std'].history.slice(-CARRIED_HISTORY_ENTRIES));
  });

  it('behaves identically afterwards: the same effects, ledger writes and leads at every later wake-up', () => {
    const { book, now } = scenarioBook();
    const decoded = roundTrip(book);
    // Wake up as the workflow would, at the earlier next due time of either book, for twelve days: B-hi's and
    // W-hi's escalation chains, the acceptance and standard first-touch clocks, the 10-day follow-ups.
    // The original also wakes for entries gone stale (clocks met since they were queued); the rebuilt
    // queue has none of those, so its next due time may be later, never earlier, and nothing differs.
    let fired = 0;
    let wakeUps = 0;
    for (;;) {
      const original = nextDueAt(book);
      const rebuilt = nextDueAt(decoded);
      if (original === undefined) break;
      expect(rebuilt === undefined || rebuilt >= original).toBe(true);
      if (original > now + 12 * DAY) break;
      const expected = collectDueConfirmed(book, ctxAt(original));
      expect(collectDueConfirmed(decoded, ctxAt(original))).toEqual(expected);
      expect(drainOutbox(decoded)).toEqual(drainOutbox(book));
      expect(leadViews(decoded)).toEqual(leadViews(book));
      fired += expected.length;
      wakeUps++;
    }
    expect(nextDueAt(decoded)).toBeUndefined();
    expect(wakeUps).toBeGreaterThan(5);
    expect(fired).toBeGreaterThan(10);
    expect(decoded.ownerLoad).toEqual(book.ownerLoad);
    expect(decoded.roundRobin).toEqual(book.roundRobin);
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds);
  });

  it('keeps recent event IDs, so an event repeated after continue-as-new is still a no-op', () => {
    const { book, now } = scenarioBook();
    const decoded = roundTrip(book);
    const repeat = [contact('T-hi', 'T-call-2', T0 + 12 * MINUTE), contact('T-hi', 'T-call-3', now)];
    expect(applyLeadEvents(decoded, repeat, ctxAt(now))).toEqual(applyLeadEvents(book, repeat, ctxAt(now)));
    expect(decoded.leads['T-hi'].attempts).toBe(3);
    expect(drainOutbox(decoded)).toEqual(drainOutbox(book));
  });

  it('carries unflushed ledger writes and leaves them out when there are none', () => {
    const { book, now } = scenarioBook();
    expect(encodeLeadBook(book).outbox).toBeUndefined();
    admitLeads(book, [lead('late-arrival', 'standard', 'rep-b', now)], ctxAt(now));
    const pending = structuredClone(book.outbox);
    expect(pending.leads).toHaveLength(1);
    expect(roundTrip(book).outbox).toEqual(pending);
  });

  it('is stable: encoding a decoded book gives the same compact form', () => {
    const { book } = scenarioBook();
    const once = encodeLeadBook(book);
    expect(encodeLeadBook(roundTrip(book))).toEqual(once);
  });

  it('round-trips the rest of the workflow state as is', () => {
    const { book } = scenarioBook();
    const state = {
      book,
      quarter: '2026-Q1',
      breachedLeads: 1,
      spend: { checks: 3, history: [{ at: T0, spend: 12.5 }] },
    };
    const decoded = decodeCarryOver<typeof state>(JSON.parse(JSON.stringify(encodeCarryOver(state))));
    expect({ ...decoded, book: undefined }).toEqual({ ...state, book: undefined });
    expect(leadViews(decoded.book)).toEqual(leadViews(book));
  });

  it('keeps the most recent closed lead IDs only', () => {
    const book = emptyLeadBook();
    const total = CARRIED_CLOSED_LEAD_IDS + 50;
    for (let i = 0; i < total; i += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => `closed-${i + j}`);
      admitLeads(
        book,
        batch.map((id) => lead(id, 'standard', 'rep-a', T0)),
        ctxAt(T0),
      );
      applyLeadEvents(
        book,
        batch.map((id): LeadEvent => ({
          type: 'disposition',
          leadId: id,
          eventId: `r-${id}`,
          decision: 'reject',
          reason: 'Not ICP',
          at: iso(T0),
        })),
        ctxAt(T0),
      );
    }
    expect(book.closedLeadIds).toHaveLength(total);
    const decoded = roundTrip(book);
    expect(decoded.closedLeadIds).toEqual(book.closedLeadIds.slice(-CARRIED_CLOSED_LEAD_IDS));
    expect(knownLead(decoded, `closed-${total - 1}`)).toBe('closed');
    expect(knownLead(decoded, 'closed-0')).toBe('unknown');
  });
});

describe('carry-over size', () => {
  it('encodes 10,000 untouched and 1,000 touched open leads plus 5,000 closed IDs in under 1.5 MB', () => {
    const book = emptyLeadBook();
    const owners = ['rep-a', 'rep-b', 'rep-c'];
    const total = 11_000;
    for (let i = 0; i < total; i += 500) {
      const created = T0 + i * 1_000 + 137;
      admitLeads(
        book,
        Array.from({ length: 500 }, (_, j) => lead(`intake-${i + j}`, 'standard', owners[(i + j) % 3], created)),
        ctxAt(created),
      );
    }
    const touchAt = T0 + total * 1_000 + 5 * MINUTE + 3;
    const touched = Array.from({ length: 1_000 }, (_, i) => contact(`intake-${i}`, `call-intake-${i}`, touchAt));
    applyLeadEvents(book, touched, ctxAt(touchAt));
    drainOutbox(book);
    book.closedLeadIds = Array.from({ length: 20_000 }, (_, i) => `closed-lead-${i}`);

    const plainBytes = jsonSizeBytes(book);
    const compact = encodeLeadBook(book);
    const bytes = jsonSizeBytes(compact);
    const untouchedLeadBytes = jsonSizeBytes(compact.leads.slice(1_000)) / 10_000;
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    expect(untouchedLeadBytes).toBeLessThan(120);
    expect(plainBytes).toBeGreaterThan(5 * bytes);
    expect(roundTrip(book).leads['intake-10999']).toEqual(trimmed(book.leads['intake-10999']));
  });

  /** n open leads with 18-character Salesforce IDs over 25 reps, created over the hour before `now`; `touched` logs a call on each. */
  function salesforceBook(n: number, ids: (i: number) => string, touched: boolean): LeadBook {
    const book = emptyLeadBook();
    const now = T0 + HOUR;
    const owners = Array.from({ length: 25 }, (_, i) => salesforceId('005', i + 1));
    admitLeads(
      book,
      Array.from({ length: n }, (_, i) =>
        lead(ids(i), i % 2 ? 'standard' : 'high-intent', owners[i % 25], T0 + Math.floor((i / n) * HOUR)),
      ),
      ctxAt(now),
    );
    if (touched) {
      const calls = Object.keys(book.leads).map((leadId, i) => contact(leadId, salesforceId('00T', i + 1), now));
      applyLeadEvents(book, calls, ctxAt(now));
    }
    drainOutbox(book);
    return book;
  }
  it('packs 50,000 open leads under the guard: touched with Salesforce-sequential IDs, untouched with random ones', () => {
    const sequential = salesforceBook(50_000, (i) => salesforceId('00Q', i + 1), true);
    const touched = packCarryOver({ book: sequential });
    expect(touched.marker).toMatchObject({ format: 6, openLeads: 50_000, packedBytes: touched.packed.byteLength });
    expect(touched.packed.byteLength).toBeLessThan(MAX_CARRY_OVER_BYTES);
    // The same state as plain compact JSON would not fit four times over.
    expect(touched.marker.unpackedBytes).toBeGreaterThan(4 * MAX_CARRY_OVER_BYTES);
    const random = seededText(7);
    const untouched = packCarryOver({ book: salesforceBook(50_000, () => `00Q${random(12)}AAA`, false) });
    expect(untouched.packed.byteLength).toBeLessThan(MAX_CARRY_OVER_BYTES);
    const decoded = decodeCarryOver<{ book: LeadBook }>(touched.marker, touched.packed).book;
    expect(leadViews(decoded)).toEqual(leadViews(sequential));
  });

  it('counts JSON size in UTF-8 bytes', () => {
    expect(jsonSizeBytes('a')).toBe(3);
    expect(jsonSizeBytes('é')).toBe(4);
    expect(jsonSizeBytes('€')).toBe(5);
    expect(jsonSizeBytes('😀')).toBe(6);
    expect(jsonSizeBytes({ k: [1, null] })).toBe('{"k":[1,null]}'.length);
  });
});

describe('carry-over validation', () => {
  const encoded = () => JSON.parse(JSON.stringify(encodeLeadBook(scenarioBook().book)));

  it('checks every lead the encoder writes by the quick predicate, which passes no lead zod refuses', () => {
    const leads = encoded().leads as unknown[][];
    expect(leads.length).toBeGreaterThanOrEqual(7);
    for (const lead of leads) expect(isCompactLead(lead)).toBe(true);
    const anyValue = fc.oneof(
      fc.constantFrom(undefined, null, -1, 0, 1, 2, 4, 99, 0.5, -0.5, 2 ** 53, -(2 ** 53), '', '0', [], [0], [0, 0]),
      fc.jsonValue(),
    );
    const clockLike = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(null), anyValue), {
      maxLength: 18,
    });
    /** An encoded lead with positions replaced, dropped or added, clocks included. */
    const mutated = fc
      .tuple(
        fc.constantFrom(...leads),
        fc.array(fc.tuple(fc.nat({ max: 19 }), fc.oneof(anyValue, clockLike)), { maxLength: 3 }),
        fc.integer({ min: -3, max: 3 }),
      )
      .map(([lead, changes, resize]) => {
        const copy: unknown[] = structuredClone(lead);
        for (const [at, value] of changes) copy[at] = value;
        copy.length = Math.max(0, copy.length + resize);
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, anyValue), (lead) => {
        if (isCompactLead(lead)) expect(compactLeadSchema.safeParse(lead).success).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('names a field of the wrong type by its path', () => {
    const bad = encoded();
    bad.leads[2][3] = 'soon';
    expect(() => decodeLeadBook(bad)).toThrow(/carryOver\.book\.leads\[2\]\[3\]: .*expected number/);
  });

  it('names a string index outside the table', () => {
    const bad = encoded();
    bad.leads[1][2] = bad.strings.length + 5;
    expect(() => decodeLeadBook(bad)).toThrow(
      `carryOver.book.leads[1][2]: string index ${bad.strings.length + 5} is outside the string table`,
    );
  });

  it('names a lead carried twice', () => {
    const bad = encoded();
    bad.leads.push(bad.leads[0]);
    expect(() => decodeLeadBook(bad)).toThrow(
      `carryOver.book.leads[${bad.leads.length - 1}][0]: lead "U-std" appears twice`,
    );
  });

  it('names a missing part of the book', () => {
    const bad = encoded();
    delete bad.closedLeadIds;
    expect(() => decodeLeadBook(bad)).toThrow(/carryOver\.book\.closedLeadIds: /);
  });

  it('refuses a carry-over in another format, such as the uncompacted state', () => {
    const { book } = scenarioBook();
    expect(() => decodeCarryOver({ book } as never)).toThrow(
      'carryOver.format: expected one of 1, 2, 3, 4, 5, 6, got undefined; this worker cannot read that carry-over',
    );
  });
});

describe('new leads while a run cannot hand over', () => {
  const runWith = (tooLargeAt: number) => {
    const { book } = scenarioBook();
    return {
      campaignId: 'carry',
      state: { book },
      carryOverGuard: { tooLargeAt, reported: true },
    } as unknown as CampaignRun;
  };

  it('takes every lead until the hand-over is refused as too large', () => {
    expect(refusesNewLeads(runWith(Infinity))).toBe(false);
    expect(newLeadsRefusal(runWith(Infinity), [lead('new-1', 'standard', 'rep-a', T0)])).toBeNull();
  });

  it('then refuses a batch with any lead it does not know, naming the open leads, the refusal point and the count', () => {
    const run = runWith(7);
    expect(refusesNewLeads(run)).toBe(true);
    const refusal = newLeadsRefusal(run, [
      lead('U-std', 'standard', 'rep-a', T0),
      lead('new-1', 'standard', 'rep-a', T0),
    ]);
    expect(refusal).toBe(
      'campaign carry takes no new leads: its 7 open leads are more than one run can hand over (refused at 7), ' +
        'so 1 new lead is refused until enough leads close for the run to hand over; admit them into another campaign',
    );
    // Prototype-named IDs are new leads like any other, not members of the book's objects.
    expect(newLeadsRefusal(run, [{ leadId: '__proto__' }, { leadId: 'constructor' }])).toContain(
      '2 new leads are refused',
    );
  });

  it('has the CRM poll leave new leads in the CRM meanwhile, its watermark where it was', () => {
    const pollRun = (tooLargeAt: number) =>
      ({
        campaignId: 'carry',
        state: { crmWatermark: 'w-1' },
        carryOverGuard: { tooLargeAt, reported: tooLargeAt !== Infinity },
        config: () => config,
        ctx: () => ctxAt(T0),
        windowEnd: () => T0 + DAY,
      }) as unknown as CampaignRun;
    expect(crmPollInput(pollRun(Infinity), T0)).toMatchObject({ watermark: 'w-1', acceptNewLeads: true });
    expect(crmPollInput(pollRun(7), T0)).toMatchObject({ watermark: 'w-1', acceptNewLeads: false });
    expect(crmPollInput(pollRun(Infinity), T0 + DAY).acceptNewLeads).toBe(false);
  });

  it('answers a retried batch of leads it already holds, open or closed, as before', () => {
    const run = runWith(7);
    expect(knownLead(run.state.book, 'N-std')).toBe('closed');
    expect(newLeadsRefusal(run, [{ leadId: 'U-std' }, { leadId: 'N-std' }, { leadId: 'B-hi' }])).toBeNull();
  });
});

describe('packed carry-over (format 6)', () => {
  const packed = () => packCarryOver({ ...scenarioBook(), continuedAsNew: 3 });
  const marker = () => packed().marker;

  it('decodes to the same state as the compact form it packs', () => {
    const { book, now } = scenarioBook();
    const { marker, packed } = packCarryOver({ book, now, continuedAsNew: 3 });
    expect(marker).toEqual({
      format: 6,
      openLeads: Object.keys(book.leads).length,
      packedBytes: packed.byteLength,
      unpackedBytes: jsonSizeBytes(encodeCarryOver({ book, now, continuedAsNew: 3 })),
    });
    const fromPacked = decodeCarryOver<{ book: LeadBook; now: number; continuedAsNew: number }>(marker, packed);
    const fromCompact = decodeCarryOver<{ book: LeadBook; now: number; continuedAsNew: number }>(
      JSON.parse(JSON.stringify(encodeCarryOver({ book, now, continuedAsNew: 3 }))),
    );
    expect(fromPacked).toEqual(fromCompact);
    expect(fromPacked).toMatchObject({ now, continuedAsNew: 3 });
  });

  it('reads the bytes from a Buffer view on a larger buffer, as a binary payload may arrive', () => {
    const { marker: m, packed: bytes } = packed();
    const host = Buffer.alloc(bytes.byteLength + 16, 0xff);
    host.set(bytes, 8);
    const view = host.subarray(8, 8 + bytes.byteLength);
    expect(decodeCarryOver<{ book: LeadBook }>(m, view).book.leads['T-hi'].attempts).toBe(2);
  });

  it('refuses a marker without its bytes, and bytes that are not zlib data', () => {
    expect(() => decodeCarryOver(marker())).toThrow(/format 6 needs the packed carry-over .* it is missing/);
    expect(() => decodeCarryOver(marker(), 'eJzLSM3JyQcABiwCFQ==')).toThrow(/it is missing/);
    expect(() => decodeCarryOver(marker(), new Uint8Array([1, 2, 3, 4, 5, 6]))).toThrow(
      /^carryOver: the packed carry-over is not zlib data/,
    );
    const truncated = packed().packed.subarray(0, 100);
    expect(() => decodeCarryOver(marker(), truncated)).toThrow(/^carryOver: the packed carry-over is not zlib data/);
  });

  it('refuses bytes that inflate past the 64 MB cap: a zlib bomb of under 100 KB', () => {
    const bomb = zlibSync(new Uint8Array(MAX_UNPACKED_CARRY_OVER_BYTES + 1_000_000).fill(0x20));
    expect(bomb.byteLength).toBeLessThan(100_000);
    expect(() => decodeCarryOver(marker(), bomb)).toThrow(
      `carryOver: the packed carry-over inflates past ${MAX_UNPACKED_CARRY_OVER_BYTES} bytes; refused`,
    );
  });

  it('refuses packed content that is not JSON, not a format-5 carry-over, or itself a marker', () => {
    const text = (s: string) => zlibSync(new TextEncoder().encode(s));
    expect(() => decodeCarryOver(marker(), text('{"format":5,'))).toThrow(
      /^carryOver: the packed carry-over is not JSON/,
    );
    for (const content of ['null', '[]', '"x"', '{"format":6,"openLeads":1}', '{"__proto__":{"format":5}}']) {
      expect(() => decodeCarryOver(marker(), text(content))).toThrow(/must hold a format 5 carry-over/);
    }
    const inner = JSON.parse(JSON.stringify(encodeCarryOver(scenarioBook())));
    inner.book.leads[0][1] = 'high';
    expect(() => decodeCarryOver(marker(), text(JSON.stringify(inner)))).toThrow(/carryOver\.book\.leads\[0\]\[1\]/);
  });
});

describe('campaign workflow continue-as-new with thousands of open leads (time-skipping)', () => {
  const TASK_QUEUE = 'campaign-sla-carry-over-test';

  const h = useCampaignHarness({ server: 'time-skipping', taskQueue: TASK_QUEUE });

  it(
    'carries 4,000 open leads (1,493 touched) into the next run, whose clocks still breach on time',
    { timeout: 600_000 },
    async () => {
      // 4,000 leads were ~2.8 MB as plain state: continue-as-new failed with TMPRL1103 and wedged the workflow.
      const config = seedTermsConfig({ id: 'carry-4000' });
      const wf = await h.env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('carry-4000'),
        args: [{ config, publishSearchAttributes: false }],
      });
      const t0 = Number(await h.env.currentTimeMs());
      const leadIds = Array.from({ length: 4_000 }, (_, i) => `lead-${i}`);
      // Ten high-intent leads (1h wall clock) breach after the continue-as-new; the rest are standard.
      const tierOf = (i: number) => (i >= 3_990 ? 'high-intent' : 'standard');
      for (let i = 0; i < leadIds.length; i += 500) {
        const leads = leadIds.slice(i, i + 500).map((leadId, j) => lead(leadId, tierOf(i + j), 'rep-a', t0));
        await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads }] });
      }
      // One contact per Update, 25 Updates at a time, until the run has taken 1,501 Updates (the workflow
      // continues as new after 1,500, or earlier when the server suggests it: on a loaded machine fewer Updates
      // share a workflow task and the history grows faster). The time-skipping server leaves an Update sent
      // while the run closes waiting forever, so each waits 30 s at most and is sent again, to the new run;
      // the contact's event ID makes a repeat a no-op.
      const touched = leadIds.slice(0, 1_501 - leadIds.length / 500);
      const touch = async (leadId: string): Promise<void> => {
        const events = [contact(leadId, `call-${leadId}`, t0)];
        for (let attempt = 1; ; attempt++) {
          try {
            await h.env.client.withDeadline(Date.now() + 30_000, () =>
              wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events }] }),
            );
            return;
          } catch (err) {
            if (attempt === 3) throw err;
          }
        }
      };
      for (let i = 0; i < touched.length - 1; i += 25)
        await Promise.all(touched.slice(i, Math.min(i + 25, touched.length - 1)).map(touch));
      await touch(touched[touched.length - 1]);
      let state = await wf.query(slaStateQuery);
      for (let tries = 0; state.run.continuedAsNew < 1 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        state = await wf.query(slaStateQuery);
      }
      expect(state.run.continuedAsNew).toBeGreaterThanOrEqual(1);
      expect(state.openLeads).toBe(4_000);

      const firstRun = await h.env.client.workflow.getHandle(wf.workflowId, wf.firstExecutionRunId).describe();
      expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
      expect(firstRun.historyLength).toBeLessThan(10_240);
      const latest = await wf.describe();
      expect(latest.runId).not.toBe(wf.firstExecutionRunId);
      // The new run's state came packed, as its second argument: a binary payload far below the 2 MB limit.
      const [started] = (await wf.fetchHistory()).events ?? [];
      const { carryOver: marker, encodings, bytes } = startedWith(started);
      expect(marker).toMatchObject({ format: 6, openLeads: 4_000, packedBytes: bytes[1] });
      expect(encodings[1]).toBe('binary/plain');
      expect(marker?.packedBytes).toBeLessThan((marker?.unpackedBytes ?? 0) / 4);

      // A touched lead kept its clocks and event IDs: the same contact again is a no-op.
      const touchedLead = await wf.query(leadQuery, 'lead-7');
      expect(touchedLead).toMatchObject({ attempts: 1, firstTouchAt: iso(t0), status: 'open' });
      expect(touchedLead?.clocks.acceptance?.startedAt).toBe(iso(t0));
      const repeat = await wf.executeUpdate(recordLeadEventsUpdate, {
        args: [{ events: [contact('lead-7', 'call-lead-7', t0)] }],
      });
      expect(repeat).toEqual([{ eventId: 'call-lead-7', leadId: 'lead-7', result: 'duplicate', status: 'open' }]);

      // The high-intent leads breach exactly at their 1h deadline, in the new run.
      await h.env.sleep(t0 + HOUR + 2 * MINUTE - Number(await h.env.currentTimeMs()));
      state = await wf.query(slaStateQuery);
      const breaches = state.recentBreaches.filter((b) => b.clock === 'firstTouch');
      expect(breaches.map((b) => b.leadId).sort()).toEqual(leadIds.slice(3_990).sort());
      expect(breaches.every((b) => b.at === iso(t0 + HOUR))).toBe(true);
      expect(state.openLeads).toBe(4_000);
      expect(h.handle.alerts.some((a) => a.dedupeKey.includes('carry-over-too-large'))).toBe(false);
      await terminateWhenIdle(wf, 'test done');
    },
  );
  it(
    'hands over once the run passes 2,000 events (patch earlier-continue-as-new), long before the server suggests it',
    { timeout: 300_000 },
    async () => {
      const t0 = Number(await h.env.currentTimeMs());
      const wf = await h.env.client.workflow.start(campaignSla, {
        taskQueue: TASK_QUEUE,
        workflowId: campaignWorkflowId('carry-early'),
        args: [
          {
            config: seedTermsConfig({ id: 'carry-early', window: { start: iso(t0 - DAY), end: iso(t0 + 400 * DAY) } }),
            publishSearchAttributes: false,
          },
        ],
      });
      await wf.executeUpdate(admitLeadsUpdate, { args: [{ leads: [lead('early-1', 'standard', 'rep-a', t0)] }] });
      // An idle campaign writes about 65 events a day (timers, ledger flushes): some 30 days to 2,000.
      for (let days = 0; (await wf.describe()).runId === wf.firstExecutionRunId; days += 5) {
        if (days > 200) throw new Error('carry-early never continued as new');
        await h.env.sleep(5 * DAY);
      }
      const history = await h.env.client.workflow.getHandle(wf.workflowId, wf.firstExecutionRunId).fetchHistory();
      const events = history.events ?? [];
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      // Past 2,000 events, with the few a hand-over takes (in-flight activities land, one short timer).
      expect(events.length).toBeGreaterThan(2_000);
      expect(events.length).toBeLessThan(2_200);
      expect(events.some((e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew)).toBe(false);
      const patches = events
        .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data)
        .filter((data): data is Uint8Array => data instanceof Uint8Array)
        .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id);
      expect(patches).toContain('earlier-continue-as-new');
      await expect.poll(async () => (await wf.query(slaStateQuery)).run.continuedAsNew).toBe(1);
      await terminateWhenIdle(wf, 'test done');
    },
  );
  /**
   * Grows a campaign to `leads` open leads (IDs from `leadId`), then touches enough of them to pass the 1,500-Update
   * hand-over threshold; the hand-over must be refused with one alert, and the run must go on taking Updates.
   */
  async function refusedHandOver(id: string, leads: number, leadId: (prefix: string, i: number) => string) {
    const wf = await h.env.client.workflow.start(campaignSla, {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId(id),
      args: [{ config: seedTermsConfig({ id }), publishSearchAttributes: false }],
    });
    const t0 = Number(await h.env.currentTimeMs());
    const leadIds = Array.from({ length: leads }, (_, i) => leadId('lead', i));
    for (let i = 0; i < leadIds.length; i += 500) {
      await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: leadIds.slice(i, i + 500).map((lid) => lead(lid, 'standard', 'rep-a', t0)) }],
      });
    }
    const touched = leadIds.slice(0, 1_501 - leadIds.length / 500);
    const touch = (i: number) =>
      wf.executeUpdate(recordLeadEventsUpdate, { args: [{ events: [contact(leadIds[i], leadId('call', i), t0)] }] });
    for (let i = 0; i < touched.length; i += 25)
      await Promise.all(touched.slice(i, i + 25).map((_, j) => touch(i + j)));

    const tooLarge = () => h.handle.alerts.filter((a) => a.dedupeKey.startsWith(`${id}:carry-over-too-large:`));
    for (let tries = 0; tooLarge().length === 0 && tries < 100; tries++)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tooLarge()).toHaveLength(1);
    const [alert] = tooLarge();
    expect(alert.severity).toBe('critical');
    expect(alert.text).toMatch(
      new RegExp(
        `^campaign ${id} holds \\d+ open leads, too many to carry over .*\\. It keeps running .* takes no new leads`,
      ),
    );

    // An earlier run may have continued as new (history size), but this one stays: it keeps taking Updates for
    // the leads it holds (no workflow task failing on an oversized payload), refuses new ones, and does not alert again.
    const run = await wf.describe();
    const { continuedAsNew, handOverRefusedAt } = (await wf.query(slaStateQuery)).run;
    expect(handOverRefusedAt).toBeGreaterThan(0);
    expect(handOverRefusedAt).toBeLessThanOrEqual(leads);
    await touch(Math.floor(leads / 2));
    const refused = await wf
      .executeUpdate(admitLeadsUpdate, { args: [{ leads: [lead('one-more', 'high-intent', 'rep-b', t0)] }] })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('CampaignAtCapacity');
    expect(cause.message).toContain(`campaign ${id} takes no new leads: its ${leads} open leads`);
    // A batch retried after it went in is answered as before.
    const retried = await wf.executeUpdate(admitLeadsUpdate, {
      args: [{ leads: leadIds.slice(0, 500).map((lid) => lead(lid, 'standard', 'rep-a', t0)) }],
    });
    expect(retried.every((outcome) => outcome.result === 'duplicate')).toBe(true);
    const state = await wf.query(slaStateQuery);
    expect(state.run.continuedAsNew).toBe(continuedAsNew);
    expect(state.openLeads).toBe(leads);
    expect(await wf.describe()).toMatchObject({ runId: run.runId, status: { name: 'RUNNING' } });
    // The UI's current details are republished at most every 10 s of workflow time.
    await h.env.sleep(11_000);
    await expect
      .poll(async () => (await wf.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails)
      .toContain(`**New leads refused**: at ${handOverRefusedAt} open leads`);
    expect(tooLarge()).toHaveLength(1);
    return { alert, wf, t0, leadIds };
  }

  // Tens of thousands of leads through ~1,500 Updates on the time-skipping server: 12–15 s each here, in the test
  // run this file has to itself (package.json runs it with --maxWorkers 1).
  it(
    'keeps running and alerts once when the carry-over would pass the payload limit',
    { timeout: 600_000 },
    async () => {
      // 30,000 open leads with random 80-character IDs, 1,441 of them touched: ~2.3 MB even packed.
      const random = seededText(11);
      const { alert, wf } = await refusedHandOver('carry-too-large', 30_000, (prefix, i) =>
        `${prefix}-${i}-${random(70)}`.slice(0, 80),
      );
      expect(alert.text).toMatch(/\(\d+ bytes, limit 1800000\)/);
      expect(Number(alert.fields?.openLeads)).toBeGreaterThanOrEqual(20_000);
      expect(Number(alert.fields?.bytes)).toBeGreaterThan(1_800_000);
      await terminateWhenIdle(wf, 'test done');
    },
  );
  it(
    'keeps running and alerts once when more leads are open than one run may carry, and takes new leads again once enough close',
    { timeout: 600_000 },
    async () => {
      // 60,500 open leads with short sequential IDs: well under the byte guard packed, over the lead limit.
      const { alert, wf, t0, leadIds } = await refusedHandOver(
        'carry-too-many',
        60_500,
        (prefix, i) => `${prefix}-${i}`,
      );
      expect(alert.text).toContain(`(limit ${MAX_CARRIED_OPEN_LEADS} open leads per run)`);
      expect(alert.fields).toEqual({ openLeads: 60_500 });

      // Ops reject 500 leads in one Update: the 60,000 left open fit one run, which hands over, and the next run
      // takes new leads.
      const refused = await wf.describe();
      const { continuedAsNew } = (await wf.query(slaStateQuery)).run;
      const now = Number(await h.env.currentTimeMs());
      await wf.executeUpdate(recordLeadEventsUpdate, {
        args: [
          {
            events: leadIds.slice(-500).map((lid): LeadEvent => ({
              type: 'disposition',
              leadId: lid,
              eventId: `reject-${lid}`,
              decision: 'reject',
              reason: 'No response',
              at: iso(now),
            })),
          },
        ],
      });
      // The next run unpacks 60,000 leads in its first workflow task; the time-skipping server loses a query sent
      // before that task completes, so the test waits for it in the history.
      await expect
        .poll(
          async () => {
            const { runId } = await wf.describe();
            if (runId === refused.runId) return false;
            const { events } = await h.env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory();
            return (events ?? []).some((e) => e.workflowTaskCompletedEventAttributes);
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      expect((await wf.query(slaStateQuery)).run).toMatchObject({
        continuedAsNew: continuedAsNew + 1,
        handOverRefusedAt: null,
      });
      const admitted = await wf.executeUpdate(admitLeadsUpdate, {
        args: [{ leads: [lead('one-more', 'high-intent', 'rep-b', t0)] }],
      });
      expect(admitted).toMatchObject([{ leadId: 'one-more', result: 'admitted' }]);
      expect((await wf.query(slaStateQuery)).openLeads).toBe(60_001);
      await terminateWhenIdle(wf, 'test done');
    },
  );
});
